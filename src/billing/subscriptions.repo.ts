import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { TenantScope } from "../platform/tenant-scope";
import { billingCheckouts } from "./checkouts.schema";
import { type BillingPeriod, type PlanId, TRIAL_DAYS, TRIAL_PLAN } from "./plans";
import { type SubscriptionStatus, subscriptions } from "./subscriptions.schema";

export type SubscriptionRow = typeof subscriptions.$inferSelect;

const DAY_MS = 86_400_000;

/** A new tenant's trial: TRIAL_PLAN for TRIAL_DAYS, no card. Part of the sign-up batch. */
export const insertTrialSubscription = (db: Db, tenantId: string, now: number) => {
  const trialEndsAt = now + TRIAL_DAYS * DAY_MS;
  return db.insert(subscriptions).values({
    tenantId,
    plan: TRIAL_PLAN,
    period: "monthly",
    status: "trialing",
    trialEndsAt,
    currentPeriodStart: now,
    currentPeriodEnd: trialEndsAt,
    cancelAtPeriodEnd: false,
    createdAt: now,
    updatedAt: now,
  });
};

export const subscriptionOf = (scope: TenantScope) =>
  scope.db.select().from(subscriptions).where(scope.where(subscriptions.tenantId));

/** A downgrade for the period end (or none: both null); it also withdraws a scheduled cancellation. */
export const scheduleChange = (
  scope: TenantScope,
  pending: { plan: PlanId; period: BillingPeriod } | null,
  now: number,
) =>
  scope.db
    .update(subscriptions)
    .set({
      pendingPlan: pending?.plan ?? null,
      pendingPeriod: pending?.period ?? null,
      cancelAtPeriodEnd: false,
      updatedAt: now,
    })
    .where(scope.where(subscriptions.tenantId));

export const scheduleCancellation = (scope: TenantScope, cancel: boolean, now: number) =>
  scope.db
    .update(subscriptions)
    .set({ cancelAtPeriodEnd: cancel, pendingPlan: null, pendingPeriod: null, updatedAt: now })
    .where(scope.where(subscriptions.tenantId));

/**
 * Applies a paid checkout: only while the checkout is not yet marked paid, so a redelivered
 * confirmation (the checkout was marked paid in the same batch the first time) changes nothing.
 */
export const activateForCheckout = (
  scope: TenantScope,
  checkoutId: string,
  change: {
    status: SubscriptionStatus;
    plan: PlanId;
    period: BillingPeriod;
    periodStart: number;
    periodEnd: number;
  },
  now: number,
) =>
  scope.db
    .update(subscriptions)
    .set({
      plan: change.plan,
      period: change.period,
      status: change.status,
      trialEndsAt: null,
      currentPeriodStart: change.periodStart,
      currentPeriodEnd: change.periodEnd,
      cancelAtPeriodEnd: false,
      pendingPlan: null,
      pendingPeriod: null,
      updatedAt: now,
    })
    .where(
      scope.where(
        subscriptions.tenantId,
        sql`exists (select 1 from ${billingCheckouts} where ${and(
          eq(billingCheckouts.id, checkoutId),
          eq(billingCheckouts.tenantId, scope.tenantId),
          ne(billingCheckouts.status, "paid"),
        )})`,
      ),
    );
