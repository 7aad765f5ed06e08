import type { FC } from "hono/jsx";
import type { previewInvitation } from "../../src/members/invitations.service";
import { CsrfField, ErrorSummary, Field } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

type Preview = Awaited<ReturnType<typeof previewInvitation>>;

export const InvalidInvitationPage: FC<{ t: Dictionary }> = ({ t }) => (
  <section class="section">
    <div class="container narrow" data-testid="invitation-invalid">
      <h1>{t.invitation.title}</h1>
      <p class="lead">{t.invitation.invalid}</p>
      <a class="button" href="/">
        {t.notFound.home}
      </a>
    </div>
  </section>
);

interface AcceptProps {
  t: Dictionary;
  csrf: string;
  locale: Locale;
  token: string;
  preview: Preview;
  signedIn: boolean;
  form: { values: Record<string, string>; errors: Record<string, string>; summary?: string | undefined };
}

export const AcceptInvitationPage: FC<AcceptProps> = ({
  t,
  csrf,
  locale,
  token,
  preview,
  signedIn,
  form,
}) => (
  <section class="section">
    <div class="container auth-card" data-testid="invitation-page">
      <h1>{t.invitation.title}</h1>
      <p class="lead">
        {t.invitation.intro} <strong>{preview.tenant.name[locale]}</strong> {t.invitation.as}{" "}
        <strong>{t.account.roles[preview.role]}</strong>
      </p>
      <form method="post" action={`/invitations/${token}`} class="form" novalidate>
        <CsrfField token={csrf} />
        <ErrorSummary message={form.summary} />
        {signedIn ? (
          <p>{t.invitation.joinAs}</p>
        ) : (
          <>
            <h2>{t.invitation.createAccount}</h2>
            <Field
              name="name"
              label={t.auth.name}
              value={form.values.name}
              error={form.errors.name}
              autocomplete="name"
              required
              maxlength={100}
            />
            {preview.email ? (
              <p dir="ltr">{preview.email}</p>
            ) : (
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
            )}
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
          </>
        )}
        <button type="submit" class="button button--primary">
          {t.invitation.join}
        </button>
      </form>
    </div>
  </section>
);
