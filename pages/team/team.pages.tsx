import { type Context, Hono } from "hono";
import {
  acceptInvitation,
  cancelInvitation,
  invite,
  pendingInvitations,
  previewInvitation,
} from "../../src/members/invitations.service";
import {
  AcceptInvitationInputSchema,
  ChangeRoleInputSchema,
  CreateInvitationInputSchema,
} from "../../src/members/members.model";
import { changeRole, members, removeMember } from "../../src/members/members.service";
import { tenantOf } from "../../src/platform/access";
import { type AppEnv, requestContext } from "../../src/platform/context";
import { isId, SECRET_PATTERN } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { setSessionCookies } from "../session/cookies";
import { formValues, invalidFields, parseWith } from "../session/forms";
import { pageSession, requireManager, requireSignedIn, signedInUser } from "../session/page-session";
import { AcceptInvitationPage, InvalidInvitationPage } from "./invitation.views";
import { TeamPage, type TeamState } from "./team.views";

const TEAM_PAGE_SIZE = 100;

async function renderTeam(
  c: Context<AppEnv>,
  state: (t: Dictionary) => TeamState,
  status: 200 | 402 | 403 | 404 | 409 | 422 = 200,
) {
  const me = signedInUser(c);
  // The page shows the first hundred of each; the API pages through the rest.
  const [memberList, invitationList] = await Promise.all([
    members(tenantOf(c), undefined, TEAM_PAGE_SIZE),
    pendingInvitations(tenantOf(c), undefined, TEAM_PAGE_SIZE),
  ]);
  return renderPage(c, {
    title: (t) => t.team.title,
    body: (t, csrf) => (
      <TeamPage
        t={t}
        locale={c.get("locale")}
        timeZone={me.tenantTimeZone}
        csrf={csrf}
        me={{ userId: me.userId, role: me.role }}
        members={memberList.data}
        invitations={invitationList.data}
        state={state(t)}
      />
    ),
    status,
  });
}

/** Team actions answer with the team page again, showing what went wrong in the user's language. */
function teamError(c: Context<AppEnv>, error: unknown, conflictMessage: "lastOwner" | "alreadyMember") {
  if (!(error instanceof ApiError)) throw error;
  if (error.code === "NOT_FOUND") throw error;
  const key =
    error.code === "CONFLICT" ? conflictMessage : error.code === "FORBIDDEN" ? "forbidden" : undefined;
  return renderTeam(
    c,
    (t) => ({
      error:
        error.code === "PLAN_LIMIT" ? t.usage.planLimit : key ? t.team.errors[key] : t.auth.errors.generic,
    }),
    error.status as 402 | 403 | 409 | 422,
  );
}

export const teamPages = new Hono<AppEnv>();

const managersOnly = requireManager();
for (const path of ["/team", "/team/*"]) teamPages.use(path, requireSignedIn(), managersOnly);

teamPages.get("/team", (c) => renderTeam(c, () => ({})));

teamPages.post("/team/invitations", async (c) => {
  const values = await formValues(c, ["email", "phone", "role"]);
  try {
    const input = parseWith(CreateInvitationInputSchema, {
      ...(values.email ? { email: values.email } : {}),
      ...(values.phone ? { phone: values.phone } : {}),
      role: values.role,
    });
    const created = await invite(tenantOf(c), input);
    return renderTeam(c, (t) => ({
      notice: created.delivered ? t.team.inviteSent : t.team.inviteNotSent,
      shareLink: created.acceptUrl,
    }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "VALIDATION_FAILED") {
      const fields = invalidFields(error, ["email", "phone", "role"]);
      return renderTeam(
        c,
        (t) => ({
          error: t.team.errors.emailOrPhone,
          inviteValues: values,
          inviteErrors: Object.fromEntries(
            fields.map((f) => [f, f === "phone" ? t.auth.errors.phone : t.team.errors.emailOrPhone]),
          ),
        }),
        422,
      );
    }
    return teamError(c, error, "alreadyMember");
  }
});

teamPages.post("/team/invitations/:invitationId/cancel", async (c) => {
  const id = c.req.param("invitationId");
  if (!isId("inv", id)) throw new ApiError("NOT_FOUND");
  await cancelInvitation(tenantOf(c), id);
  return c.redirect("/team", 303);
});

teamPages.post("/team/members/:userId/role", async (c) => {
  const me = signedInUser(c);
  const userId = c.req.param("userId");
  if (!isId("usr", userId)) throw new ApiError("NOT_FOUND");
  if (me.role !== "owner") return teamError(c, new ApiError("FORBIDDEN"), "lastOwner");
  try {
    const { role } = parseWith(ChangeRoleInputSchema, await formValues(c, ["role"]));
    await changeRole(tenantOf(c), userId, role);
    return c.redirect("/team", 303);
  } catch (error) {
    return teamError(c, error, "lastOwner");
  }
});

teamPages.post("/team/members/:userId/remove", async (c) => {
  const me = signedInUser(c);
  const userId = c.req.param("userId");
  if (!isId("usr", userId)) throw new ApiError("NOT_FOUND");
  if (me.role !== "owner") return teamError(c, new ApiError("FORBIDDEN"), "lastOwner");
  try {
    await removeMember(tenantOf(c), userId);
    return c.redirect(userId === me.userId ? "/login" : "/team", 303);
  } catch (error) {
    return teamError(c, error, "lastOwner");
  }
});

type InvitationForm = { values: Record<string, string>; errors: Record<string, string>; summary?: string };

async function renderInvitation(
  c: Context<AppEnv>,
  token: string,
  form: (t: Dictionary) => InvitationForm,
  status: 200 | 403 | 409 | 422 | 429 = 200,
) {
  let preview: Awaited<ReturnType<typeof previewInvitation>>;
  try {
    preview = await previewInvitation(requestContext(c), token);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return renderPage(c, {
      title: (t) => t.invitation.title,
      body: (t) => <InvalidInvitationPage t={t} />,
      status: 404,
    });
  }
  const signedIn = await pageSession(c);
  return renderPage(c, {
    title: (t) => t.invitation.title,
    body: (t, csrf) => (
      <AcceptInvitationPage
        t={t}
        csrf={csrf}
        locale={c.get("locale")}
        token={token}
        preview={preview}
        signedIn={signedIn !== null}
        form={form(t)}
      />
    ),
    status,
  });
}

teamPages.get("/invitations/:token", (c) => {
  const token = c.req.param("token");
  if (!SECRET_PATTERN.test(token)) throw new ApiError("NOT_FOUND");
  return renderInvitation(c, token, () => ({ values: {}, errors: {} }));
});

teamPages.post("/invitations/:token", async (c) => {
  const token = c.req.param("token");
  if (!SECRET_PATTERN.test(token)) throw new ApiError("NOT_FOUND");
  const values = await formValues(c, ["name", "email", "password"]);
  const signedIn = await pageSession(c);
  try {
    const input = signedIn
      ? {}
      : parseWith(AcceptInvitationInputSchema, {
          ...(values.name ? { name: values.name } : {}),
          ...(values.email ? { email: values.email } : {}),
          ...(values.password ? { password: values.password } : {}),
        });
    setSessionCookies(c, await acceptInvitation(requestContext(c), token, input, signedIn?.userId ?? null));
    return c.redirect("/account", 303);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code === "NOT_FOUND") throw error;
    const fields = invalidFields(error, ["name", "email", "password"]);
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return renderInvitation(
      c,
      token,
      (t) => ({
        values,
        errors: Object.fromEntries(fields.map((f) => [f, t.auth.errors[f as "name" | "email" | "password"]])),
        summary:
          error.code === "UNVERIFIED_IDENTIFIER"
            ? t.invitation.verifyFirst
            : error.code === "FORBIDDEN"
              ? t.invitation.wrongAccount
              : error.code === "CONFLICT"
                ? t.auth.errors.emailTaken
                : error.code === "RATE_LIMITED"
                  ? t.auth.errors.rateLimited
                  : t.auth.errors.generic,
      }),
      error.status as 403 | 409 | 422 | 429,
    );
  }
});
