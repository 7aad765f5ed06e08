import type { Context } from "hono";
import { Hono } from "hono";
import {
  LoginInputSchema,
  OtpRequestInputSchema,
  OtpVerifyInputSchema,
  SignupInputSchema,
} from "../../src/auth/auth.model";
import { forgotPassword, resetPassword } from "../../src/auth/password-reset.service";
import { logout } from "../../src/auth/session.service";
import { login, requestOtp, verifyOtp } from "../../src/auth/signin.service";
import { signup } from "../../src/auth/signup.service";
import { type AppEnv, requestContext } from "../../src/platform/context";
import { ApiError, type ProblemCode } from "../../src/platform/problem";
import type { Dictionary } from "../i18n";
import { type PageOptions, renderPage } from "../render";
import { clearSessionCookies, readRefreshCookie, setSessionCookies } from "../session/cookies";
import { formValues, invalidFields, parseWith, safeReturnPath } from "../session/forms";
import { pageSession } from "../session/page-session";
import {
  CheckMessagesPage,
  emptyForm,
  ForgotPasswordPage,
  type FormState,
  LoginPage,
  OtpCodePage,
  ResetPasswordPage,
  SignupPage,
  WhatsAppLoginPage,
} from "./auth.views";

type AuthErrorKey = keyof Dictionary["auth"]["errors"];

/** What a failed auth form shows: the fields to mark and one summary line. */
function formStateFor(
  error: unknown,
  t: Dictionary,
  values: Record<string, string>,
  summaries: Partial<Record<ProblemCode, AuthErrorKey>>,
): FormState {
  if (!(error instanceof ApiError)) throw error;
  const errors: Record<string, string> = {};
  for (const field of invalidFields(error, Object.keys(t.auth.errors)))
    errors[field] = t.auth.errors[field as AuthErrorKey];
  const summaryKey = summaries[error.code] ?? (error.code === "RATE_LIMITED" ? "rateLimited" : "generic");
  return { values, errors, summary: t.auth.errors[summaryKey] };
}

/** The status of a failed form's page; the error's headers (Retry-After on 429) go out with it. */
function statusFor(c: Context<AppEnv>, error: unknown) {
  if (!(error instanceof ApiError) || error.status === 500) return 422;
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return error.status;
}

const show = (
  c: Context<AppEnv>,
  title: (t: Dictionary) => string,
  view: PageOptions["body"],
  status: 200 | 400 | 401 | 403 | 409 | 422 | 429 = 200,
) => renderPage(c, { title, body: view, status });

export const authPages = new Hono<AppEnv>();

// Someone already signed in has no use for these forms: take them where they were going.
authPages.use("/signup", async (c, next) => {
  if (c.req.method === "GET" && (await pageSession(c))) return c.redirect("/account", 303);
  await next();
});
authPages.use("/login", async (c, next) => {
  if (c.req.method === "GET" && (await pageSession(c))) {
    return c.redirect(safeReturnPath(c.req.query("next"), "/account"), 303);
  }
  await next();
});

authPages.get("/signup", (c) =>
  show(
    c,
    (t) => t.auth.signupTitle,
    (t, csrf) => <SignupPage t={t} csrf={csrf} form={emptyForm()} />,
  ),
);

authPages.post("/signup", async (c) => {
  const values = await formValues(c, ["company", "name", "email", "phone", "password"]);
  try {
    const input = parseWith(SignupInputSchema, {
      company: values.company,
      name: values.name,
      email: values.email,
      password: values.password,
      ...(values.phone ? { phone: values.phone } : {}),
      locale: c.get("locale"),
    });
    const { phoneCode, ...session } = await signup(requestContext(c), input);
    setSessionCookies(c, session);
    // The account page asks for the phone's code, saying whether it went out.
    const done = phoneCode === null ? "" : phoneCode === "sent" ? "?done=phone-sent" : "?done=phone-not-sent";
    return c.redirect(`/account${done}`, 303);
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.auth.signupTitle,
      body: (t, csrf) => (
        <SignupPage t={t} csrf={csrf} form={formStateFor(error, t, values, { CONFLICT: "emailTaken" })} />
      ),
      status: statusFor(c, error) as 422,
    });
  }
});

authPages.get("/login", (c) => {
  const next = safeReturnPath(c.req.query("next"), "/account");
  return show(
    c,
    (t) => t.auth.loginTitle,
    (t, csrf) => (
      <LoginPage
        t={t}
        csrf={csrf}
        next={next}
        form={{ ...emptyForm(), notice: c.req.query("reset") === "1" ? t.auth.resetDone : undefined }}
      />
    ),
  );
});

authPages.post("/login", async (c) => {
  const values = await formValues(c, ["email", "password", "next"]);
  const next = safeReturnPath(values.next, "/account");
  try {
    const input = parseWith(LoginInputSchema, { email: values.email, password: values.password });
    setSessionCookies(c, await login(requestContext(c), input));
    return c.redirect(next, 303);
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.auth.loginTitle,
      body: (t, csrf) => (
        <LoginPage
          t={t}
          csrf={csrf}
          next={next}
          form={formStateFor(error, t, values, {
            UNAUTHENTICATED: "invalidCredentials",
            FORBIDDEN: "noWorkspace",
          })}
        />
      ),
      status: statusFor(c, error) as 401,
    });
  }
});

authPages.get("/login/whatsapp", (c) =>
  show(
    c,
    (t) => t.auth.loginTitle,
    (t, csrf) => <WhatsAppLoginPage t={t} csrf={csrf} form={emptyForm()} />,
  ),
);

authPages.post("/login/whatsapp", async (c) => {
  const values = await formValues(c, ["phone"]);
  try {
    const { phone } = parseWith(OtpRequestInputSchema, values);
    await requestOtp(requestContext(c), phone);
    return show(
      c,
      (t) => t.auth.codeTitle,
      (t, csrf) => <OtpCodePage t={t} csrf={csrf} form={emptyForm({ phone })} />,
    );
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.auth.loginTitle,
      body: (t, csrf) => (
        <WhatsAppLoginPage
          t={t}
          csrf={csrf}
          form={formStateFor(error, t, values, { UNAVAILABLE: "codesUnavailable" })}
        />
      ),
      status: statusFor(c, error) as 422,
    });
  }
});

authPages.post("/login/whatsapp/verify", async (c) => {
  const values = await formValues(c, ["phone", "code"]);
  try {
    const input = parseWith(OtpVerifyInputSchema, values);
    setSessionCookies(c, await verifyOtp(requestContext(c), input));
    return c.redirect("/account", 303);
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.auth.codeTitle,
      body: (t, csrf) => (
        <OtpCodePage
          t={t}
          csrf={csrf}
          form={formStateFor(error, t, values, { UNAUTHENTICATED: "invalidCode", FORBIDDEN: "noWorkspace" })}
        />
      ),
      status: statusFor(c, error) as 401,
    });
  }
});

authPages.post("/logout", async (c) => {
  const refreshToken = readRefreshCookie(c);
  if (refreshToken) await logout(requestContext(c), refreshToken);
  clearSessionCookies(c);
  return c.redirect("/login", 303);
});

authPages.get("/forgot-password", (c) =>
  show(
    c,
    (t) => t.auth.forgotTitle,
    (t, csrf) => <ForgotPasswordPage t={t} csrf={csrf} form={emptyForm()} />,
  ),
);

authPages.post("/forgot-password", async (c) => {
  const values = await formValues(c, ["email"]);
  try {
    const { email } = parseWith(LoginInputSchema.pick({ email: true }), values);
    await forgotPassword(requestContext(c), email);
    return show(
      c,
      (t) => t.auth.checkTitle,
      (t) => <CheckMessagesPage t={t} />,
    );
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.auth.forgotTitle,
      body: (t, csrf) => <ForgotPasswordPage t={t} csrf={csrf} form={formStateFor(error, t, values, {})} />,
      status: statusFor(c, error) as 422,
    });
  }
});

authPages.get("/reset-password", (c) => {
  const token = c.req.query("token") ?? "";
  return show(
    c,
    (t) => t.auth.resetTitle,
    (t, csrf) => <ResetPasswordPage t={t} csrf={csrf} form={emptyForm({ token })} />,
  );
});

authPages.post("/reset-password", async (c) => {
  const values = await formValues(c, ["token", "password"]);
  try {
    await resetPassword(requestContext(c), values.token ?? "", values.password ?? "");
    clearSessionCookies(c);
    return c.redirect("/login?reset=1", 303);
  } catch (error) {
    return renderPage(c, {
      title: (t) => t.auth.resetTitle,
      body: (t, csrf) => {
        const form = formStateFor(error, t, values, {});
        const tokenInvalid = error instanceof ApiError && invalidFields(error, ["token"]).length > 0;
        return (
          <ResetPasswordPage
            t={t}
            csrf={csrf}
            form={tokenInvalid ? { ...form, summary: t.auth.errors.invalidLink } : form}
          />
        );
      },
      status: statusFor(c, error) as 422,
    });
  }
});
