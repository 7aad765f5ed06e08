import type { FC } from "hono/jsx";
import type { usageOf } from "../../src/billing/usage";
import { METRICS } from "../../src/billing/usage";
import { withValues } from "../admin/operations.views";
import { formatCount } from "../deals/money";
import type { Dictionary, Locale } from "../i18n";

export type Usage = Awaited<ReturnType<typeof usageOf>>;

// A bar turns amber from 80 % of a limit and red at it, so an owner sees the limit coming.
const levelOf = (used: number, limit: number) =>
  used >= limit ? "full" : used >= limit * 0.8 ? "near" : "ok";

/** The plan's limits as bars: used of allowed, the share in words for screen readers. */
export const UsageBars: FC<{ t: Dictionary; locale: Locale; usage: Usage }> = ({ t, locale, usage }) => (
  <ul class="usage-bars" data-testid="usage-bars">
    {usage.metrics.map((m) => {
      const percent = m.limit > 0 ? Math.min(100, Math.round((m.used / m.limit) * 100)) : 100;
      const level = levelOf(m.used, m.limit);
      return (
        <li data-testid={`usage-${m.metric}`} data-level={level}>
          <div class="usage-label">
            <span>{METRICS[m.metric].label[locale]}</span>
            <span dir="ltr">
              {withValues(t.usage.usedOf, {
                used: formatCount(m.used, locale),
                limit: formatCount(m.limit, locale),
              })}
            </span>
          </div>
          <progress class={`usage-bar usage-${level}`} max={100} value={percent} aria-label={`${percent}%`}>
            {percent}%
          </progress>
          {level === "full" ? <p class="usage-note">{t.usage.full}</p> : null}
          {level === "near" ? <p class="usage-note">{t.usage.near}</p> : null}
        </li>
      );
    })}
  </ul>
);

export const UsagePage: FC<{ t: Dictionary; locale: Locale; usage: Usage }> = ({ t, locale, usage }) => (
  <section class="section">
    <div class="container stack" data-testid="usage-page">
      <h1>{t.usage.title}</h1>
      <p>
        {withValues(t.usage.plan, { plan: t.usage.plans[usage.plan] })}{" "}
        <span class="muted">{withValues(t.usage.month, { month: usage.month })}</span>
      </p>
      <UsageBars t={t} locale={locale} usage={usage} />
      <p>
        <a class="button button--primary" href="/pricing">
          {t.usage.upgrade}
        </a>
      </p>
    </div>
  </section>
);
