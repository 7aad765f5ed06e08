// The subscription's rules as pure functions: which status changes are allowed, what an upgrade
// costs, when a period ends. No I/O, so every rule has a table test (lifecycle.test.ts).
import { type BillingPeriod, PLAN_IDS, PLANS, type PlanId, priceOf } from "./plans";
import type { SubscriptionStatus } from "./subscriptions.schema";

/** What can happen to a subscription. Renewals and dunning (a later cron) raise the middle three. */
export type SubscriptionEvent =
  | "payment_confirmed"
  | "trial_ended"
  | "renewal_failed"
  | "grace_ended"
  | "period_ended_canceled";

const TRANSITIONS: Record<SubscriptionEvent, Partial<Record<SubscriptionStatus, SubscriptionStatus>>> = {
  // Paying always restores service, whatever state the tenant was in.
  payment_confirmed: {
    trialing: "active",
    active: "active",
    past_due: "active",
    suspended: "active",
    canceled: "active",
  },
  trial_ended: { trialing: "past_due" },
  renewal_failed: { active: "past_due" },
  grace_ended: { past_due: "suspended" },
  period_ended_canceled: {
    trialing: "canceled",
    active: "canceled",
    past_due: "canceled",
    suspended: "canceled",
  },
};

/** The status after `event`, or null when the event is not allowed in `from` (refused, nothing changes). */
export const nextStatus = (from: SubscriptionStatus, event: SubscriptionEvent): SubscriptionStatus | null =>
  TRANSITIONS[event][from] ?? null;

/** `start` plus one billing period, on the same day of the month (clamped to the month's last day), UTC. */
export function periodEndFrom(start: number, period: BillingPeriod): number {
  const date = new Date(start);
  const months = period === "monthly" ? 1 : 12;
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

const DAY_MS = 86_400_000;

/** Days before a paid period ends from which it can be renewed (and the owner is reminded to). */
export const RENEWAL_WINDOW_DAYS = 3;

/** Whole days of trial left, rounded up (a trial ending in 3 hours has 1 day left); 0 once it ended. */
export const trialDaysLeft = (trialEndsAt: number | null, now: number) =>
  trialEndsAt === null ? 0 : Math.max(0, Math.ceil((trialEndsAt - now) / DAY_MS));

export interface CurrentSubscription {
  plan: PlanId;
  period: BillingPeriod;
  status: SubscriptionStatus;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  /** A downgrade scheduled for the period end: its plan is what the renewal buys. */
  pendingPlan?: PlanId | null;
  pendingPeriod?: BillingPeriod | null;
}

export type CheckoutQuote =
  | { ok: true; kind: "new" | "upgrade" | "renewal"; netHalalas: number }
  | { ok: false; reason: "not_self_serve" | "already_current" | "downgrade" };

const tier = (plan: PlanId) => PLAN_IDS.indexOf(plan);

/** Moyasar's smallest charge, 1 SAR: an upgrade in the last minutes of a period still costs that. */
export const MINIMUM_CHARGE_HALALAS = 100;

const halfUp = (value: number) => Math.floor(value + 0.5);

/**
 * What buying `plan` for `period` costs now, before VAT. Without an active paid period (trial,
 * past due, suspended, canceled) it is the full price of a new period. From an active period, a
 * higher plan, or the same plan yearly instead of monthly, is an upgrade paid now: the same period
 * pays the price difference for the part of the period left; monthly to yearly starts a new year
 * less the unused part of the month (both counted in milliseconds, rounded half up to the halala).
 * A lower plan, or yearly to monthly, is a downgrade: scheduled for the period end, never bought.
 */
export function quoteCheckout(
  current: CurrentSubscription,
  plan: PlanId,
  period: BillingPeriod,
  now: number,
): CheckoutQuote {
  if (!PLANS[plan].selfServe) return { ok: false, reason: "not_self_serve" };
  const full = priceOf(plan, period);
  if (current.status !== "active" || !PLANS[current.plan].selfServe) {
    return { ok: true, kind: "new", netHalalas: full };
  }
  const renewalOpen = current.currentPeriodEnd - now <= RENEWAL_WINDOW_DAYS * DAY_MS;
  if (current.plan === plan && current.period === period) {
    // The same plan again is a renewal once its end is near (the billing run reminds the owner
    // then): the next period, paid now, starts when this one ends.
    return renewalOpen
      ? { ok: true, kind: "renewal", netHalalas: full }
      : { ok: false, reason: "already_current" };
  }
  // A scheduled downgrade is renewed on its own plan: the next period is the cheaper one.
  if (renewalOpen && current.pendingPlan === plan && current.pendingPeriod === period) {
    return { ok: true, kind: "renewal", netHalalas: full };
  }
  if (tier(plan) < tier(current.plan) || (current.period === "yearly" && period === "monthly")) {
    return { ok: false, reason: "downgrade" };
  }
  const length = current.currentPeriodEnd - current.currentPeriodStart;
  const left = Math.min(Math.max(current.currentPeriodEnd - now, 0), length);
  const share = length > 0 ? left / length : 0;
  const net =
    period === current.period
      ? halfUp((full - priceOf(current.plan, current.period)) * share)
      : full - halfUp(priceOf(current.plan, current.period) * share);
  return { ok: true, kind: "upgrade", netHalalas: Math.max(MINIMUM_CHARGE_HALALAS, net) };
}
