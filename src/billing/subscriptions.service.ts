import { auditInsert } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { ApiError } from "../platform/problem";
import { quoteCheckout, trialDaysLeft } from "./lifecycle";
import type { BillingPeriod, PlanId } from "./plans";
import {
  type SubscriptionRow,
  scheduleCancellation,
  scheduleChange,
  subscriptionOf,
} from "./subscriptions.repo";

const iso = (ms: number) => new Date(ms).toISOString();

export const subscriptionView = (row: SubscriptionRow, now: number) => ({
  plan: row.plan,
  period: row.period,
  status: row.status,
  currentPeriodEnd: iso(row.currentPeriodEnd),
  trialEndsAt: row.trialEndsAt === null ? null : iso(row.trialEndsAt),
  trialDaysLeft: row.status === "trialing" ? trialDaysLeft(row.trialEndsAt, now) : 0,
  cancelAtPeriodEnd: row.cancelAtPeriodEnd,
  pendingChange:
    row.pendingPlan && row.pendingPeriod
      ? { plan: row.pendingPlan, period: row.pendingPeriod, effectiveAt: iso(row.currentPeriodEnd) }
      : null,
});

/** The tenant's subscription row; every tenant has one from sign-up (or the billing migration). */
export async function currentSubscription(ctx: TenantContext): Promise<SubscriptionRow> {
  const [[row]] = await ctx.scope.read(() => [subscriptionOf(ctx.scope)] as const);
  if (!row) throw new Error(`tenant ${ctx.scope.tenantId} has no subscription row`);
  return row;
}

export async function getSubscription(ctx: TenantContext) {
  return subscriptionView(await currentSubscription(ctx), ctx.now);
}

/**
 * Schedules a downgrade (a lower plan, or yearly to monthly) for the end of the paid period: no
 * payment, no refund. Choosing the current plan and period withdraws a scheduled change. A dearer
 * choice is bought through checkout instead.
 */
export async function changePlan(ctx: TenantContext, input: { plan: PlanId; period: BillingPeriod }) {
  const { scope, now } = ctx;
  const row = await currentSubscription(ctx);
  if (row.status !== "active") {
    throw new ApiError(
      "CONFLICT",
      "Only an active subscription can schedule a change; choose a plan to buy instead.",
    );
  }
  const quote = quoteCheckout(row, input.plan, input.period, now);
  // Choosing the plan the tenant has withdraws a scheduled change (its renewal is bought, not scheduled).
  const withdraw = row.plan === input.plan && row.period === input.period;
  if (!withdraw && (quote.ok || quote.reason !== "downgrade")) {
    throw new ApiError(
      quote.ok ? "CONFLICT" : "VALIDATION_FAILED",
      quote.ok
        ? "This is an upgrade: buy it through checkout; it takes effect at once."
        : "This plan is not sold online.",
    );
  }
  await scope.write(
    [
      scheduleChange(scope, withdraw ? null : input, now),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: withdraw ? "subscription.change_withdrawn" : "subscription.change_scheduled",
          target: { type: "tenant", id: scope.tenantId },
          details: { plan: input.plan, period: input.period },
        },
        ctx.origin,
        now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  return getSubscription(ctx);
}

/** Cancels at the period end (the tenant keeps what it paid for), or withdraws that cancellation. */
export async function setCancellation(ctx: TenantContext, cancel: boolean) {
  const { scope, now } = ctx;
  const row = await currentSubscription(ctx);
  if (row.status === "canceled") throw new ApiError("CONFLICT", "The subscription has already ended.");
  await scope.write(
    [
      scheduleCancellation(scope, cancel, now),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: cancel ? "subscription.cancel_scheduled" : "subscription.cancel_withdrawn",
          target: { type: "tenant", id: scope.tenantId },
        },
        ctx.origin,
        now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  return getSubscription(ctx);
}
