import type { FC } from "hono/jsx";
import type { getBillingProfile } from "../../src/billing/billing-profile.service";
import type { previewCheckout } from "../../src/billing/checkout.service";
import { RENEWAL_WINDOW_DAYS } from "../../src/billing/lifecycle";
import { BILLING_PERIODS, type BillingPeriod, PLANS, type PlanId, priceOf } from "../../src/billing/plans";
import type { subscriptionView } from "../../src/billing/subscriptions.service";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import type { BillingStrings } from "./billing-strings";

type Subscription = ReturnType<typeof subscriptionView>;
type Profile = Awaited<ReturnType<typeof getBillingProfile>>;
type Preview = Extract<Awaited<ReturnType<typeof previewCheckout>>, { ok: true }>;

const SELF_SERVE: PlanId[] = ["starter", "growth"];

const riyadhDate = (iso: string, locale: "ar" | "en") =>
  new Date(iso).toLocaleDateString(locale === "ar" ? "ar-SA-u-ca-gregory-nu-latn" : "en-GB", {
    timeZone: "Asia/Riyadh",
    year: "numeric",
    month: "long",
    day: "numeric",
  });

const tier = (plan: PlanId) => SELF_SERVE.indexOf(plan);

/** What choosing a plan means from the current subscription: buy, upgrade now, or switch at period end. */
function actionFor(subscription: Subscription, plan: PlanId, period: BillingPeriod, now: number) {
  if (subscription.status !== "active") return "buy" as const;
  if (subscription.plan === plan && subscription.period === period) {
    // In the last days of the period the current plan can be renewed (lifecycle.ts quoteCheckout).
    return Date.parse(subscription.currentPeriodEnd) - now <= RENEWAL_WINDOW_DAYS * 86_400_000
      ? ("renew" as const)
      : ("current" as const);
  }
  const lower =
    tier(plan) < tier(subscription.plan) || (subscription.period === "yearly" && period === "monthly");
  return lower ? ("downgrade" as const) : ("upgrade" as const);
}

export const BillingPage: FC<{
  s: BillingStrings;
  csrf: string;
  locale: "ar" | "en";
  subscription: Subscription;
  flash: { message: string; error: boolean } | null;
}> = ({ s, csrf, locale, subscription, flash }) => (
  <section class="section">
    <div class="container stack" data-testid="billing-page">
      <h1>{s.title}</h1>
      {flash?.error ? <ErrorSummary message={flash.message} /> : <Notice message={flash?.message} />}
      {subscription.status === "trialing" ? (
        <div class="alert alert--info" role="status" data-testid="trial-banner">
          {s.trialBanner(subscription.trialDaysLeft)}
        </div>
      ) : null}
      <div class="card stack">
        <h2>{s.current}</h2>
        <p>
          <strong data-testid="current-plan">{s.planName(subscription.plan)}</strong> (
          {s.period[subscription.period]})
        </p>
        <p>
          {s.statusLabel}: <strong data-testid="subscription-status">{s.status[subscription.status]}</strong>
        </p>
        <p>
          {s.periodEnds} {riyadhDate(subscription.currentPeriodEnd, locale)}
        </p>
        {subscription.cancelAtPeriodEnd ? <p data-testid="cancel-scheduled">{s.cancelScheduled}</p> : null}
        {subscription.pendingChange ? (
          <p data-testid="pending-change">
            {s.pendingChange(
              s.planName(subscription.pendingChange.plan),
              s.period[subscription.pendingChange.period],
            )}
          </p>
        ) : null}
        {subscription.status === "active" ? (
          <form method="post" action="/billing/cancel">
            <CsrfField token={csrf} />
            <input type="hidden" name="cancel" value={subscription.cancelAtPeriodEnd ? "false" : "true"} />
            <button type="submit" class="button button--secondary">
              {subscription.cancelAtPeriodEnd ? s.resume : s.cancel}
            </button>
          </form>
        ) : null}
      </div>
      <h2>{s.choose}</h2>
      <p class="muted">{s.vatNote}</p>
      <div class="stack">
        {SELF_SERVE.flatMap((plan) =>
          BILLING_PERIODS.map((period) => {
            const action = actionFor(subscription, plan, period, Date.now());
            return (
              <div class="card" data-testid={`plan-${plan}-${period}`}>
                <h3>
                  {s.planName(plan)} — {s.period[period]}
                </h3>
                <p>
                  {s.amount(priceOf(plan, period))} {s.perPeriod[period]}
                </p>
                {action === "current" ? (
                  <p>
                    <strong>{s.current}</strong>
                  </p>
                ) : action === "downgrade" ? (
                  <form method="post" action="/billing/change">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="plan" value={plan} />
                    <input type="hidden" name="period" value={period} />
                    <button type="submit" class="button button--secondary">
                      {s.scheduleDowngrade}
                    </button>
                  </form>
                ) : (
                  <a class="button" href={`/billing/checkout?plan=${plan}&period=${period}`}>
                    {action === "upgrade" ? s.upgrade : action === "renew" ? s.renew : s.buy}
                  </a>
                )}
              </div>
            );
          }),
        )}
      </div>
      <p class="muted">{PLANS.enterprise.name[locale]}: sales@dealix.sa</p>
    </div>
  </section>
);

export const CheckoutConfirmPage: FC<{ s: BillingStrings; csrf: string; preview: Preview }> = ({
  s,
  csrf,
  preview,
}) => (
  <section class="section">
    <div class="container stack" data-testid="checkout-confirm">
      <h1>{s.confirmTitle}</h1>
      <div class="card stack">
        <h2>
          {s.planName(preview.plan)} — {s.period[preview.period]}
        </h2>
        <dl>
          <dt>{s.net}</dt>
          <dd data-testid="checkout-net">{s.amount(preview.netHalalas)}</dd>
          <dt>{s.vat}</dt>
          <dd data-testid="checkout-vat">{s.amount(preview.vatHalalas)}</dd>
          <dt>{s.total}</dt>
          <dd data-testid="checkout-total">
            <strong>{s.amount(preview.totalHalalas)}</strong>
          </dd>
        </dl>
        <form method="post" action="/billing/checkout">
          <CsrfField token={csrf} />
          <input type="hidden" name="plan" value={preview.plan} />
          <input type="hidden" name="period" value={preview.period} />
          <button type="submit" class="button">
            {s.pay}
          </button>
        </form>
        <a href="/billing">{s.back}</a>
      </div>
    </div>
  </section>
);

export const CheckoutReturnPage: FC<{
  s: BillingStrings;
  status: "pending" | "paid" | "failed" | "expired";
}> = ({ s, status }) => (
  <section class="section">
    <div class="container stack" data-testid="checkout-return">
      <h1>{s.returnTitle}</h1>
      {status === "paid" ? (
        <Notice message={s.paid} />
      ) : status === "pending" ? (
        <p role="status" data-testid="payment-processing">
          {s.processing}
        </p>
      ) : (
        <ErrorSummary message={s.failed} />
      )}
      <p data-testid="checkout-status" hidden>
        {status}
      </p>
      <a href="/billing">{s.toBilling}</a>
    </div>
  </section>
);

/** Who the tax invoices are issued to: the form that turns the next invoice into a standard one. */
export const BillingProfileForm: FC<{ s: BillingStrings; csrf: string; profile: Profile }> = ({
  s,
  csrf,
  profile,
}) => (
  <form method="post" action="/billing/profile" class="stack" data-testid="billing-profile">
    <h2>{s.profile.title}</h2>
    <p class="muted">{s.profile.intro}</p>
    <CsrfField token={csrf} />
    <Field
      name="legalName"
      label={s.profile.legalName}
      value={profile.legalName ?? ""}
      required
      maxlength={200}
    />
    <Field
      name="vatNumber"
      label={s.profile.vatNumber}
      value={profile.vatNumber ?? ""}
      hint={s.profile.vatHint}
      inputmode="numeric"
      maxlength={20}
      ltr
    />
    <Field name="address" label={s.profile.address} value={profile.address ?? ""} maxlength={500} />
    <p data-testid="next-invoice-type">{s.profile.next[profile.invoiceType]}</p>
    <div>
      <button type="submit" class="button button--secondary">
        {s.profile.save}
      </button>
    </div>
  </form>
);
