import type { FC } from "hono/jsx";
import type { Dictionary } from "../i18n";

interface ErrorPageProps {
  t: Dictionary;
  status: number;
  requestId: string;
  /** A rejected form post (CSRF): tell people to reload rather than that something broke. */
  formExpired?: boolean;
  /** A write the plan does not allow (PLAN_LIMIT): say so and offer the way to upgrade. */
  planLimit?: boolean;
}

export const ErrorPage: FC<ErrorPageProps> = ({
  t,
  status,
  requestId,
  formExpired = false,
  planLimit = false,
}) => (
  <section class="section">
    <div class="container narrow" data-testid="error-page">
      <p class="eyebrow">{status}</p>
      <h1>{t.error.title}</h1>
      <p class="lead">{planLimit ? t.usage.planLimit : formExpired ? t.error.formExpired : t.error.body}</p>
      <p class="muted" dir="ltr">
        {requestId}
      </p>
      {planLimit ? (
        <a class="button button--primary" href="/billing/usage" data-testid="plan-limit-upgrade">
          {t.usage.upgrade}
        </a>
      ) : (
        <a class="button button--primary" href="/">
          {t.error.home}
        </a>
      )}
    </div>
  </section>
);
