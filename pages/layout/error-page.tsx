import type { FC } from "hono/jsx";
import type { Dictionary } from "../i18n";

interface ErrorPageProps {
  t: Dictionary;
  status: number;
  requestId: string;
  /** A rejected form post (CSRF): tell people to reload rather than that something broke. */
  formExpired?: boolean;
}

export const ErrorPage: FC<ErrorPageProps> = ({ t, status, requestId, formExpired = false }) => (
  <section class="section">
    <div class="container narrow" data-testid="error-page">
      <p class="eyebrow">{status}</p>
      <h1>{t.error.title}</h1>
      <p class="lead">{formExpired ? t.error.formExpired : t.error.body}</p>
      <p class="muted" dir="ltr">
        {requestId}
      </p>
      <a class="button button--primary" href="/">
        {t.error.home}
      </a>
    </div>
  </section>
);
