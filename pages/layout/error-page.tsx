import type { FC } from "hono/jsx";
import type { Dictionary } from "../i18n";

export const ErrorPage: FC<{ t: Dictionary; status: number; requestId: string }> = ({
  t,
  status,
  requestId,
}) => (
  <section class="section">
    <div class="container narrow" data-testid="error-page">
      <p class="eyebrow">{status}</p>
      <h1>{t.error.title}</h1>
      <p class="lead">{t.error.body}</p>
      <p class="muted" dir="ltr">
        {requestId}
      </p>
      <a class="button button--primary" href="/">
        {t.error.home}
      </a>
    </div>
  </section>
);
