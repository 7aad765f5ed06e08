import { type Context, Hono } from "hono";
import { account } from "../../src/auth/account.service";
import {
  EmailConfirmInputSchema,
  EmailVerificationInputSchema,
  PhoneConfirmInputSchema,
  PhoneVerificationInputSchema,
} from "../../src/auth/auth.model";
import {
  confirmEmail,
  confirmPhone,
  sendEmailLink,
  sendPhoneCode,
} from "../../src/auth/verification.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, parseWith } from "../session/forms";
import { requireSignedIn } from "../session/page-session";
import { AccountPage, type AccountState, ConfirmEmailPage } from "./account";

export const accountPages = new Hono<AppEnv>();
accountPages.use("/account", requireSignedIn());
accountPages.use("/account/*", requireSignedIn());

async function renderAccount(
  c: Context<AppEnv>,
  state: (t: Dictionary) => AccountState,
  status: 200 | 409 | 422 | 429 | 503 = 200,
) {
  const details = await account(tenantOf(c));
  return renderPage(c, {
    title: (t) => t.account.title,
    body: (t, csrf) => (
      <AccountPage t={t} locale={c.get("locale")} csrf={csrf} account={details} state={state(t)} />
    ),
    status,
  });
}

// After a redirect, the outcome travels as one of these fixed words, never as text to show.
const NOTICES = {
  "phone-sent": "codeSent",
  "phone-not-sent": "codeNotSent",
  "phone-verified": "phoneVerified",
  "email-sent": "linkSent",
  "email-verified": "emailVerified",
} as const satisfies Record<string, keyof Dictionary["account"]>;
type NoticeKey = keyof typeof NOTICES;
const isNotice = (value: string | undefined): value is NoticeKey => value !== undefined && value in NOTICES;

/** The account page again, showing in the person's language what went wrong with a form. */
function accountError(c: Context<AppEnv>, error: unknown, form: AccountState) {
  if (!(error instanceof ApiError)) throw error;
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  const problems = error.errors ?? [];
  const field = (name: "email" | "phone" | "code" | "token") => problems.find((p) => p.path === name);
  return renderAccount(
    c,
    (t) => {
      const messages = t.account.errors;
      const conflict = problems.some((p) => p.code === "already_verified")
        ? messages.alreadyVerified
        : messages.taken;
      const summary =
        error.code === "RATE_LIMITED"
          ? t.auth.errors.rateLimited
          : error.code === "UNAVAILABLE"
            ? messages.notSent
            : error.code === "CONFLICT"
              ? conflict
              : field("token")
                ? messages.invalidLink
                : field("code")?.code === "invalid_code"
                  ? messages.invalidCode
                  : t.auth.errors.generic;
      const errors: AccountState["errors"] = {};
      if (field("email")) errors.email = error.code === "CONFLICT" ? conflict : messages.email;
      if (field("phone")) errors.phone = error.code === "CONFLICT" ? conflict : messages.phone;
      if (field("code"))
        errors.code = field("code")?.code === "invalid_code" ? messages.invalidCode : messages.code;
      return { ...form, error: summary, errors };
    },
    error.status as 409 | 422 | 429 | 503,
  );
}

accountPages.get("/account", (c) => {
  const outcome = c.req.query("done");
  return renderAccount(c, (t) => ({ notice: isNotice(outcome) ? t.account[NOTICES[outcome]] : undefined }));
});

accountPages.post("/account/phone/verification", async (c) => {
  const values = await formValues(c, ["phone"]);
  try {
    const { phone } = parseWith(PhoneVerificationInputSchema, values);
    await sendPhoneCode(tenantOf(c), phone);
    // The code form for this number, which may not be the account's yet.
    return renderAccount(c, (t) => ({ notice: t.account.codeSent, pendingPhone: phone }));
  } catch (error) {
    return accountError(c, error, { values });
  }
});

accountPages.post("/account/phone/verify", async (c) => {
  const values = await formValues(c, ["phone", "code"]);
  try {
    const { phone, code } = parseWith(PhoneConfirmInputSchema, values);
    await confirmPhone(tenantOf(c), phone, code);
    return c.redirect("/account?done=phone-verified", 303);
  } catch (error) {
    const phone = PhoneVerificationInputSchema.safeParse({ phone: values.phone });
    return accountError(c, error, { pendingPhone: phone.success ? phone.data.phone : undefined });
  }
});

accountPages.post("/account/email/verification", async (c) => {
  const values = await formValues(c, ["email"]);
  try {
    const { email } = parseWith(EmailVerificationInputSchema, values);
    await sendEmailLink(tenantOf(c), email);
    return c.redirect("/account?done=email-sent", 303);
  } catch (error) {
    return accountError(c, error, { values });
  }
});

// The emailed link opens a page with a button: mail scanners that fetch links change nothing.
accountPages.get("/account/email/verify", (c) =>
  renderPage(c, {
    title: (t) => t.account.confirmEmailTitle,
    body: (t, csrf) => <ConfirmEmailPage t={t} csrf={csrf} token={c.req.query("token") ?? ""} />,
  }),
);

accountPages.post("/account/email/verify", async (c) => {
  const values = await formValues(c, ["token"]);
  try {
    const { token } = parseWith(EmailConfirmInputSchema, values);
    await confirmEmail(tenantOf(c), token);
    return c.redirect("/account?done=email-verified", 303);
  } catch (error) {
    return accountError(c, error, {});
  }
});
