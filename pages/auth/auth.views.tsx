import type { FC } from "hono/jsx";
import { PHONE_INPUT_MAX_LENGTH } from "../../src/platform/schemas";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import type { Dictionary } from "../i18n";

export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  summary?: string | undefined;
  notice?: string | undefined;
}

export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

interface ViewProps {
  t: Dictionary;
  csrf: string;
  form: FormState;
}

export const SignupPage: FC<ViewProps> = ({ t, csrf, form }) => (
  <section class="section">
    <div class="container auth-card" data-testid="signup-page">
      <h1>{t.auth.signupTitle}</h1>
      <p class="muted">{t.auth.signupIntro}</p>
      <form method="post" action="/signup" class="form" novalidate>
        <CsrfField token={csrf} />
        <ErrorSummary message={form.summary} />
        <Field
          name="company"
          label={t.auth.company}
          value={form.values.company}
          error={form.errors.company}
          autocomplete="organization"
          required
          maxlength={120}
        />
        <Field
          name="name"
          label={t.auth.name}
          value={form.values.name}
          error={form.errors.name}
          autocomplete="name"
          required
          maxlength={100}
        />
        <Field
          name="email"
          type="email"
          label={t.auth.email}
          value={form.values.email}
          error={form.errors.email}
          autocomplete="email"
          required
          ltr
        />
        <Field
          name="phone"
          type="tel"
          label={t.auth.phone}
          value={form.values.phone}
          error={form.errors.phone}
          autocomplete="tel"
          maxlength={PHONE_INPUT_MAX_LENGTH}
          ltr
          inputmode="tel"
        />
        <Field
          name="password"
          type="password"
          label={t.auth.password}
          hint={t.auth.passwordHint}
          error={form.errors.password}
          autocomplete="new-password"
          required
          maxlength={128}
        />
        <p class="muted" data-testid="privacy-notice-line">
          {t.governance.privacy.signupNotice} <a href="/privacy">{t.governance.privacy.noticeLink}</a>
        </p>
        <button type="submit" class="button button--primary">
          {t.auth.submitSignup}
        </button>
      </form>
      <p class="links">
        <a href="/login">{t.auth.haveAccount}</a>
      </p>
    </div>
  </section>
);

const LoginTabs: FC<{ t: Dictionary; active: "password" | "whatsapp" }> = ({ t, active }) => (
  <nav class="tabs" aria-label={t.auth.loginTitle}>
    <a href="/login" aria-current={active === "password" ? "page" : undefined}>
      {t.auth.withPassword}
    </a>
    <a href="/login/whatsapp" aria-current={active === "whatsapp" ? "page" : undefined}>
      {t.auth.withWhatsApp}
    </a>
  </nav>
);

export const LoginPage: FC<ViewProps & { next: string }> = ({ t, csrf, form, next }) => (
  <section class="section">
    <div class="container auth-card" data-testid="login-page">
      <h1>{t.auth.loginTitle}</h1>
      <p class="muted">{t.auth.loginIntro}</p>
      <LoginTabs t={t} active="password" />
      <form method="post" action="/login" class="form" novalidate>
        <CsrfField token={csrf} />
        <input type="hidden" name="next" value={next} />
        <Notice message={form.notice} />
        <ErrorSummary message={form.summary} />
        <Field
          name="email"
          type="email"
          label={t.auth.email}
          value={form.values.email}
          error={form.errors.email}
          autocomplete="username"
          required
          ltr
        />
        <Field
          name="password"
          type="password"
          label={t.auth.password}
          error={form.errors.password}
          autocomplete="current-password"
          required
          maxlength={256}
        />
        <button type="submit" class="button button--primary">
          {t.auth.submitLogin}
        </button>
      </form>
      <p class="links">
        <a href="/forgot-password">{t.auth.forgotLink}</a>
        <a href="/signup">{t.auth.noAccount}</a>
      </p>
    </div>
  </section>
);

export const WhatsAppLoginPage: FC<ViewProps> = ({ t, csrf, form }) => (
  <section class="section">
    <div class="container auth-card" data-testid="whatsapp-login-page">
      <h1>{t.auth.loginTitle}</h1>
      <LoginTabs t={t} active="whatsapp" />
      <form method="post" action="/login/whatsapp" class="form" novalidate>
        <CsrfField token={csrf} />
        <ErrorSummary message={form.summary} />
        <Field
          name="phone"
          type="tel"
          label={t.auth.whatsAppPhone}
          hint="05XXXXXXXX"
          value={form.values.phone}
          error={form.errors.phone}
          autocomplete="tel"
          required
          maxlength={PHONE_INPUT_MAX_LENGTH}
          ltr
          inputmode="tel"
        />
        <button type="submit" class="button button--primary">
          {t.auth.sendCode}
        </button>
      </form>
    </div>
  </section>
);

export const OtpCodePage: FC<ViewProps> = ({ t, csrf, form }) => (
  <section class="section">
    <div class="container auth-card" data-testid="otp-code-page">
      <h1>{t.auth.codeTitle}</h1>
      <p class="muted">{t.auth.codeIntro}</p>
      <form method="post" action="/login/whatsapp/verify" class="form" novalidate>
        <CsrfField token={csrf} />
        <input type="hidden" name="phone" value={form.values.phone ?? ""} />
        <ErrorSummary message={form.summary} />
        <Field
          name="code"
          label={t.auth.code}
          value=""
          error={form.errors.code}
          autocomplete="one-time-code"
          required
          maxlength={6}
          ltr
          inputmode="numeric"
        />
        <button type="submit" class="button button--primary">
          {t.auth.verifyCode}
        </button>
      </form>
      <p class="links">
        <a href="/login/whatsapp">{t.auth.resend}</a>
      </p>
    </div>
  </section>
);

export const ForgotPasswordPage: FC<ViewProps> = ({ t, csrf, form }) => (
  <section class="section">
    <div class="container auth-card" data-testid="forgot-page">
      <h1>{t.auth.forgotTitle}</h1>
      <p class="muted">{t.auth.forgotIntro}</p>
      <form method="post" action="/forgot-password" class="form" novalidate>
        <CsrfField token={csrf} />
        <ErrorSummary message={form.summary} />
        <Field
          name="email"
          type="email"
          label={t.auth.email}
          value={form.values.email}
          error={form.errors.email}
          autocomplete="email"
          required
          ltr
        />
        <button type="submit" class="button button--primary">
          {t.auth.sendResetLink}
        </button>
      </form>
    </div>
  </section>
);

export const CheckMessagesPage: FC<{ t: Dictionary }> = ({ t }) => (
  <section class="section">
    <div class="container auth-card" data-testid="check-messages">
      <h1>{t.auth.checkTitle}</h1>
      <p class="lead">{t.auth.checkBody}</p>
      <a class="button" href="/login">
        {t.nav.signIn}
      </a>
    </div>
  </section>
);

export const ResetPasswordPage: FC<ViewProps> = ({ t, csrf, form }) => (
  <section class="section">
    <div class="container auth-card" data-testid="reset-page">
      <h1>{t.auth.resetTitle}</h1>
      <form method="post" action="/reset-password" class="form" novalidate>
        <CsrfField token={csrf} />
        <input type="hidden" name="token" value={form.values.token ?? ""} />
        <ErrorSummary message={form.summary} />
        <Field
          name="password"
          type="password"
          label={t.auth.newPassword}
          hint={t.auth.passwordHint}
          error={form.errors.password}
          autocomplete="new-password"
          required
          maxlength={128}
        />
        <button type="submit" class="button button--primary">
          {t.auth.submitReset}
        </button>
      </form>
    </div>
  </section>
);
