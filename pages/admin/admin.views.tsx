import type { FC } from "hono/jsx";
import { CsrfField, ErrorSummary, Field } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

export interface OperatorFormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  summary?: string | undefined;
}

export const emptyOperatorForm = (): OperatorFormState => ({ values: {}, errors: {} });

interface FormProps {
  t: Dictionary;
  csrf: string;
  form: OperatorFormState;
}

export const OperatorLoginPage: FC<FormProps> = ({ t, csrf, form }) => (
  <section class="section">
    <div class="container auth-card" data-testid="operator-login-page">
      <h1>{t.admin.loginTitle}</h1>
      <p class="muted">{t.admin.loginIntro}</p>
      <form method="post" action="/admin/login" class="form" novalidate>
        <CsrfField token={csrf} />
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
          {t.admin.submitLogin}
        </button>
      </form>
    </div>
  </section>
);

export const OperatorCodePage: FC<FormProps & { via: "whatsapp" | "email" }> = ({ t, csrf, form, via }) => (
  <section class="section">
    <div class="container auth-card" data-testid="operator-code-page">
      <h1>{t.admin.codeTitle}</h1>
      <p class="muted">{via === "email" ? t.admin.codeIntroEmail : t.admin.codeIntroWhatsApp}</p>
      <form method="post" action={`/admin/login/code?via=${via}`} class="form" novalidate>
        <CsrfField token={csrf} />
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
          {t.admin.verifyCode}
        </button>
      </form>
      <p class="links">
        <a href="/admin/login">{t.admin.startOver}</a>
      </p>
    </div>
  </section>
);

/** Date and time in Riyadh, where Dealix's operators work. */
export const DateTime: FC<{ ms: number; locale: Locale }> = ({ ms, locale }) => (
  <time datetime={new Date(ms).toISOString()}>
    {new Intl.DateTimeFormat(locale, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "Asia/Riyadh",
    }).format(ms)}
  </time>
);

export interface ConsoleTool {
  href: string;
  label: (t: Dictionary) => string;
}

export const OperatorConsolePage: FC<{
  t: Dictionary;
  locale: Locale;
  operator: { name: string; email: string };
  session: { expiresAt: number; idleExpiresAt: number };
  tools: ConsoleTool[];
}> = ({ t, locale, operator, session, tools }) => (
  <section class="section">
    <div class="container stack" data-testid="operator-console">
      <h1>{t.admin.consoleTitle}</h1>
      <div class="card">
        <p>
          {t.admin.signedInAs} <strong data-testid="operator-name">{operator.name}</strong>{" "}
          <span dir="ltr">({operator.email})</span>
        </p>
        <p data-testid="operator-session-ends">
          {t.admin.sessionEnds}: <DateTime ms={session.expiresAt} locale={locale} /> —{" "}
          {t.admin.sessionEndsIdle}
        </p>
      </div>
      <div>
        <h2>{t.admin.tools}</h2>
        <ul class="record-list" data-testid="operator-tools">
          {tools.map((tool) => (
            <li>
              <a href={tool.href}>{tool.label(t)}</a>
            </li>
          ))}
        </ul>
      </div>
    </div>
  </section>
);
