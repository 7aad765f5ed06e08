import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { operatorMe } from "../../src/admin/admin.service";
import {
  CHALLENGE_COOKIE,
  clearChallengeCookie,
  clearOperatorCookie,
  cookieSecret,
  endSession,
  liveOperatorSession,
  OPERATOR_COOKIE,
  setChallengeCookie,
  setOperatorCookie,
} from "../../src/admin/operator-session";
import {
  OPERATOR_CODE_TTL_MS,
  startOperatorSignIn,
  verifyOperatorCode,
} from "../../src/admin/operator-signin.service";
import { LoginInputSchema } from "../../src/auth/auth.model";
import { dbFor } from "../../src/db/client";
import {
  type AppEnv,
  type OperatorPrincipal,
  requestContext,
  requestOrigin,
} from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, invalidFields, parseWith } from "../session/forms";
import {
  type ConsoleTool,
  emptyOperatorForm,
  OperatorCodePage,
  OperatorConsolePage,
  type OperatorFormState,
  OperatorLoginPage,
} from "./admin.views";

/** The console's tools (pages; their JSON API is under /admin/dlq and /admin/circuit-breakers). */
const TOOLS: ConsoleTool[] = [
  { href: "/admin/dead-letters", label: (t) => t.admin.dlq },
  { href: "/admin/breakers", label: (t) => t.admin.circuitBreakers },
  { href: "/admin/billing", label: (t) => t.admin.billingTool },
  { href: "/admin/breaches", label: (t) => t.governance.breaches.title },
];

/** The operator of a console page request, from the operator cookie only; a dead one is cleared. */
async function operatorPageSession(c: Context<AppEnv>): Promise<OperatorPrincipal | null> {
  const cached = c.get("operator");
  if (cached) return cached;
  const token = cookieSecret(c, OPERATOR_COOKIE);
  if (!token) return null;
  const session = await liveOperatorSession(dbFor(c.env.DB), token, Date.now());
  if (!session) {
    clearOperatorCookie(c);
    return null;
  }
  c.set("operator", session);
  return session;
}

/** Console pages send anyone without a live operator session to /admin/login. */
export const requireOperatorPage = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await operatorPageSession(c))) return c.redirect("/admin/login", 303);
  await next();
};

type ErrorKey = keyof Dictionary["admin"]["errors"];

/** What a failed operator form shows. Every refusal of the credentials reads the same. */
function formStateFor(error: unknown, t: Dictionary, values: Record<string, string>, refused: ErrorKey) {
  if (!(error instanceof ApiError)) throw error;
  const errors: Record<string, string> = {};
  for (const field of invalidFields(error, ["email", "password", "code"]))
    errors[field] = t.admin.errors[field as ErrorKey];
  const summaryKey: ErrorKey =
    error.code === "UNAUTHENTICATED"
      ? refused
      : error.code === "RATE_LIMITED"
        ? "rateLimited"
        : error.code === "UNAVAILABLE"
          ? "unavailable"
          : "generic";
  return { values, errors, summary: t.admin.errors[summaryKey] } satisfies OperatorFormState;
}

/** The status of a failed form's page; the error's headers (Retry-After on 429) go out with it. */
function statusFor(c: Context<AppEnv>, error: unknown) {
  if (!(error instanceof ApiError) || error.status === 500) return 422;
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return error.status;
}

const viaOf = (c: Context<AppEnv>) => (c.req.query("via") === "email" ? "email" : "whatsapp");

export const adminPages = new Hono<AppEnv>();

adminPages.get("/admin/login", async (c) => {
  if (await operatorPageSession(c)) return c.redirect("/admin", 303);
  return renderPage(c, {
    title: (t) => t.admin.loginTitle,
    body: (t, csrf) => <OperatorLoginPage t={t} csrf={csrf} form={emptyOperatorForm()} />,
    operatorConsole: true,
  });
});

adminPages.post("/admin/login", async (c) => {
  const values = await formValues(c, ["email", "password"]);
  try {
    const input = parseWith(LoginInputSchema.pick({ email: true, password: true }), values);
    const { challenge, channel } = await startOperatorSignIn(requestContext(c), input);
    setChallengeCookie(c, challenge, OPERATOR_CODE_TTL_MS);
    return c.redirect(`/admin/login/code?via=${channel}`, 303);
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.admin.loginTitle,
      body: (t, csrf) => (
        <OperatorLoginPage
          t={t}
          csrf={csrf}
          form={formStateFor(error, t, { email: values.email ?? "" }, "invalidCredentials")}
        />
      ),
      status: statusFor(c, error) as 401,
      operatorConsole: true,
    });
  }
});

adminPages.get("/admin/login/code", (c) => {
  if (!cookieSecret(c, CHALLENGE_COOKIE)) return c.redirect("/admin/login", 303);
  return renderPage(c, {
    title: (t) => t.admin.codeTitle,
    body: (t, csrf) => <OperatorCodePage t={t} csrf={csrf} form={emptyOperatorForm()} via={viaOf(c)} />,
    operatorConsole: true,
  });
});

adminPages.post("/admin/login/code", async (c) => {
  const { code = "" } = await formValues(c, ["code"]);
  try {
    const session = await verifyOperatorCode(requestContext(c), cookieSecret(c, CHALLENGE_COOKIE), code);
    clearChallengeCookie(c);
    setOperatorCookie(c, session.token);
    return c.redirect("/admin", 303);
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.admin.codeTitle,
      body: (t, csrf) => (
        <OperatorCodePage t={t} csrf={csrf} form={formStateFor(error, t, {}, "invalidCode")} via={viaOf(c)} />
      ),
      status: statusFor(c, error) as 401,
      operatorConsole: true,
    });
  }
});

adminPages.post("/admin/logout", async (c) => {
  const operator = await operatorPageSession(c);
  if (operator) await endSession(dbFor(c.env.DB), operator, requestOrigin(c), Date.now());
  clearOperatorCookie(c);
  c.set("operator", undefined);
  return c.redirect("/admin/login", 303);
});

adminPages.get("/admin", requireOperatorPage(), async (c) => {
  const operator = c.get("operator") as OperatorPrincipal;
  const { operator: profile } = await operatorMe(dbFor(c.env.DB), operator);
  return renderPage(c, {
    title: (t) => t.admin.consoleTitle,
    body: (t) => (
      <OperatorConsolePage
        t={t}
        locale={c.get("locale")}
        operator={profile}
        session={operator}
        tools={TOOLS}
      />
    ),
    operatorConsole: true,
  });
});
