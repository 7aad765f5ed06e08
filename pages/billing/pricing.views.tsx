import type { FC } from "hono/jsx";
import { type BillingPeriod, TRIAL_DAYS } from "../../src/billing/plans";
import type { PlanView } from "../../src/billing/plans.view";
import { formatCount, formatSar } from "../deals/money";
import type { Dictionary, Locale } from "../i18n";

/** Where Enterprise enquiries go: the landing page's early-access form, which sales follows up. */
const CONTACT_SALES_HREF = "/#start";
const LIMITS_SHOWN = [
  "seats",
  "contacts",
  "whatsappMessagesPerMonth",
  "aiCallsPerMonth",
  "apiPerTenantPerMinute",
] as const;

interface PricingProps {
  t: Dictionary;
  locale: Locale;
  period: BillingPeriod;
  plans: PlanView[];
  /** Owners can choose a plan at once; everyone else starts a trial. */
  canChoose: boolean;
}

const PeriodSwitch: FC<{ t: Dictionary; period: BillingPeriod }> = ({ t, period }) => (
  <nav class="tabs pricing-periods" aria-label={t.pricing.periodLabel}>
    {(["monthly", "yearly"] as const).map((option) => (
      <a
        href={`/pricing?period=${option}`}
        aria-current={option === period ? "page" : undefined}
        data-testid={`period-${option}`}
      >
        {t.pricing.periods[option]}
      </a>
    ))}
  </nav>
);

const PlanCard: FC<{ plan: PlanView } & Omit<PricingProps, "plans">> = ({
  plan,
  t,
  locale,
  period,
  canChoose,
}) => {
  const price = plan.prices?.[period];
  return (
    <li
      class={`card plan-card${plan.id === "growth" ? " plan-card--featured" : ""}`}
      data-testid={`plan-${plan.id}`}
    >
      {plan.id === "growth" ? <p class="badge badge--ok">{t.pricing.popular}</p> : null}
      <h2>{plan.name[locale]}</h2>
      {price ? (
        <div class="plan-card__price">
          <p>
            <strong class="plan-card__amount" data-testid="price">
              {formatSar(price.beforeVatHalalas, locale)}
            </strong>{" "}
            <span>{t.pricing.perPeriod[period]}</span>
          </p>
          <p class="muted">{t.pricing.plusVat}</p>
          <p data-testid="total-with-vat">
            {t.pricing.totalWithVat.replace("{total}", formatSar(price.totalHalalas, locale))}
          </p>
          {period === "yearly" && plan.yearlySaving ? (
            <p class="badge badge--ok" data-testid="yearly-saving">
              {t.pricing.yearlySaving
                .replace("{amount}", formatSar(plan.yearlySaving.beforeVatHalalas, locale))
                .replace("{percent}", formatCount(Math.round(plan.yearlySaving.percent), locale))}
            </p>
          ) : null}
        </div>
      ) : (
        <p class="plan-card__price">
          <strong class="plan-card__amount">{t.pricing.custom}</strong>
        </p>
      )}
      <h3>{t.pricing.limitsHeading}</h3>
      <ul class="plan-card__list">
        {LIMITS_SHOWN.map((limit) => (
          <li>{t.pricing.limits[limit].replace("{n}", formatCount(plan.limits[limit], locale))}</li>
        ))}
      </ul>
      <h3>{t.pricing.featuresHeading}</h3>
      <ul class="plan-card__list">
        {plan.features.map((feature) => (
          <li>{t.pricing.features[feature]}</li>
        ))}
      </ul>
      <p class="actions">
        {!plan.selfServe ? (
          <a class="button" href={CONTACT_SALES_HREF} data-testid="contact-sales">
            {t.pricing.contactSales}
          </a>
        ) : canChoose ? (
          <a
            class="button button--primary"
            href={`/billing/checkout?plan=${plan.id}&period=${period}`}
            data-testid="choose-plan"
          >
            {t.pricing.choose}
          </a>
        ) : (
          <a class="button button--primary" href="/signup" data-testid="start-trial">
            {t.pricing.startTrial.replace("{days}", formatCount(TRIAL_DAYS, locale))}
          </a>
        )}
      </p>
    </li>
  );
};

export const PricingPage: FC<PricingProps> = (props) => (
  <section class="section">
    <div class="container">
      <h1>{props.t.pricing.heading}</h1>
      <p class="lead">{props.t.pricing.lead.replace("{days}", formatCount(TRIAL_DAYS, props.locale))}</p>
      <PeriodSwitch t={props.t} period={props.period} />
      <p class="muted">{props.t.pricing.yearlyHint}</p>
      <ul class="cards plan-cards">
        {props.plans.map((plan) => (
          <PlanCard plan={plan} {...props} />
        ))}
      </ul>
      <p class="muted">{props.t.pricing.vatNote}</p>
    </div>
  </section>
);
