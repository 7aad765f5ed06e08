// Plan limits and usage metering: the one place that answers "may this tenant do this now?".
//
// A metered write puts `meter(...)` first in its own batch. The statement upserts the tenant's
// usage row with the plan's limit beside it, and the database refuses (a trigger of the billing
// migration) when the use would pass the limit, which rolls back the whole batch: no extra round trip,
// nothing half-written, and exact under concurrency because D1 runs batches one at a time.
// `withinPlan` turns that refusal into 402 PLAN_LIMIT with the upgrade link.

import { count, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { contacts } from "../contacts/contacts.schema";
import type { TenantContext } from "../platform/context";
import { isDatabaseError } from "../platform/errors";
import { ApiError } from "../platform/problem";
import type { TenantScope } from "../platform/tenant-scope";
import { invitations, memberships } from "../tenants/tenants.schema";
import { PLAN_IDS, PLANS, type PlanId, type PlanLimits, TRIAL_PLAN } from "./plans";
import { subscriptions } from "./subscriptions.schema";
import { usageCounters } from "./usage.schema";

export type MeteredMetric = "seats" | "contacts" | "whatsapp_messages" | "ai_calls";

interface MetricRule {
  limit: keyof PlanLimits;
  /** Totals are recounted from their table at each write; monthly metrics are counters. */
  kind: "total" | "monthly";
  label: { ar: string; en: string };
}

export const METRICS: Record<MeteredMetric, MetricRule> = {
  seats: { limit: "seats", kind: "total", label: { ar: "المقاعد", en: "Seats" } },
  contacts: { limit: "contacts", kind: "total", label: { ar: "جهات الاتصال", en: "Contacts" } },
  whatsapp_messages: {
    limit: "whatsappMessagesPerMonth",
    kind: "monthly",
    label: { ar: "رسائل واتساب هذا الشهر", en: "WhatsApp messages this month" },
  },
  ai_calls: {
    limit: "aiCallsPerMonth",
    kind: "monthly",
    label: { ar: "طلبات الذكاء الاصطناعي هذا الشهر", en: "AI requests this month" },
  },
};

export const METERED_METRICS = Object.keys(METRICS) as MeteredMetric[];

const RIYADH_OFFSET_MS = 3 * 60 * 60 * 1000;

/** The Asia/Riyadh calendar month of a time ("2026-12"): Saudi Arabia keeps UTC+3 all year. */
export const riyadhMonth = (now: number) => new Date(now + RIYADH_OFFSET_MS).toISOString().slice(0, 7);

const periodOf = (metric: MeteredMetric, now: number) =>
  METRICS[metric].kind === "monthly" ? riyadhMonth(now) : "total";

/** The tenant's plan limit for a metric as SQL, read from its subscription in the same statement. */
function limitSql(scope: TenantScope, metric: MeteredMetric): SQL {
  const key = METRICS[metric].limit;
  const cases = sql.join(
    PLAN_IDS.map((plan) => sql`WHEN ${plan} THEN ${PLANS[plan].limits[key]}`),
    sql.raw(" "),
  );
  return sql`(SELECT CASE ${subscriptions.plan} ${cases} END FROM ${subscriptions} WHERE ${subscriptions.tenantId} = ${scope.tenantId})`;
}

/** What a total metric holds right now, as SQL (seats count pending invitations too). */
function currentTotalSql(scope: TenantScope, metric: "seats" | "contacts"): SQL {
  if (metric === "contacts") {
    return sql`(SELECT COUNT(*) FROM ${contacts} WHERE ${contacts.tenantId} = ${scope.tenantId} AND ${contacts.mergedIntoId} IS NULL AND ${contacts.sample} = 0)`;
  }
  return sql`(SELECT COUNT(*) FROM ${memberships} WHERE ${memberships.tenantId} = ${scope.tenantId})`;
}

export interface MeterOptions {
  /** Seats only: pending invitations the new use comes on top of (an invitation holds a seat). */
  includePendingInvitations?: boolean;
}

const pendingInvitationsSql = (scope: TenantScope, now: number) =>
  sql`(SELECT COUNT(*) FROM ${invitations} WHERE ${invitations.tenantId} = ${scope.tenantId} AND ${invitations.acceptedAt} IS NULL AND ${invitations.revokedAt} IS NULL AND ${invitations.expiresAt} > ${now})`;

/**
 * The statement that meters `amount` uses of `metric`; put it first in the write's batch. The
 * batch fails with the database's PLAN_LIMIT refusal when the use would pass the plan's limit
 * (see withinPlan). A tenant without a subscription row is not limited.
 */
export function meter(
  scope: TenantScope,
  metric: MeteredMetric,
  amount: number,
  now: number,
  options: MeterOptions = {},
): BatchItem<"sqlite"> {
  const allowed = limitSql(scope, metric);
  const period = periodOf(metric, now);
  const rule = METRICS[metric];
  const used =
    rule.kind === "monthly"
      ? sql`${amount}`
      : metric === "seats" && options.includePendingInvitations
        ? sql`${currentTotalSql(scope, metric)} + ${pendingInvitationsSql(scope, now)} + ${amount}`
        : sql`${currentTotalSql(scope, metric as "seats" | "contacts")} + ${amount}`;
  return scope.db
    .insert(usageCounters)
    .values({ tenantId: scope.tenantId, metric, period, used, allowed, updatedAt: now })
    .onConflictDoUpdate({
      target: [usageCounters.tenantId, usageCounters.metric, usageCounters.period],
      set: {
        used: rule.kind === "monthly" ? sql`${usageCounters.used} + ${amount}` : sql`excluded.used`,
        allowed: sql`excluded.allowed`,
        updatedAt: now,
      },
    });
}

/** True when D1 refused a write because a metered use would pass the plan (the trigger's RAISE). */
export const isPlanLimitRefusal = (error: unknown) => isDatabaseError(error, /PLAN_LIMIT/);

export const UPGRADE_PATH = "/pricing";

/** The 402 a refused metered write answers. */
export function planLimitError(ctx: Pick<TenantContext, "config">, metric: MeteredMetric): ApiError {
  const what: Record<MeteredMetric, string> = {
    seats: "Your plan has no free seat for another member",
    contacts: "Your plan's contact limit is reached",
    whatsapp_messages: "Your plan's WhatsApp messages for this month are used up",
    ai_calls: "Your plan's AI requests for this month are used up",
  };
  return new ApiError("PLAN_LIMIT", `${what[metric]}; upgrade to continue.`, {
    upgradeUrl: `${ctx.config.APP_ORIGIN}${UPGRADE_PATH}`,
  });
}

/** Runs a metered write, answering 402 PLAN_LIMIT when the database refused it for the plan. */
export async function withinPlan<T>(
  ctx: Pick<TenantContext, "config">,
  metric: MeteredMetric,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isPlanLimitRefusal(error)) throw planLimitError(ctx, metric);
    throw error;
  }
}

export interface MetricUsage {
  metric: MeteredMetric;
  used: number;
  limit: number;
  period: string;
}

/** The tenant's plan and its use of every limit, in one read. */
export async function usageOf(ctx: TenantContext) {
  const { scope, now } = ctx;
  const month = riyadhMonth(now);
  const [planRows, [contactCount], [seatCount], counters] = await scope.read(
    () =>
      [
        scope.db
          .select({ plan: subscriptions.plan, status: subscriptions.status })
          .from(subscriptions)
          .where(scope.where(subscriptions.tenantId)),
        scope.db
          .select({ n: count() })
          .from(contacts)
          .where(scope.where(contacts.tenantId, isNull(contacts.mergedIntoId), eq(contacts.sample, false))),
        scope.db.select({ n: count() }).from(memberships).where(scope.where(memberships.tenantId)),
        scope.db
          .select({ metric: usageCounters.metric, used: usageCounters.used })
          .from(usageCounters)
          .where(scope.where(usageCounters.tenantId, eq(usageCounters.period, month))),
      ] as const,
  );
  const plan: PlanId = planRows[0]?.plan ?? TRIAL_PLAN;
  const limits = PLANS[plan].limits;
  const monthly = new Map(counters.map((row) => [row.metric, row.used]));
  const used: Record<MeteredMetric, number> = {
    seats: seatCount?.n ?? 0,
    contacts: contactCount?.n ?? 0,
    whatsapp_messages: monthly.get("whatsapp_messages") ?? 0,
    ai_calls: monthly.get("ai_calls") ?? 0,
  };
  return {
    plan,
    status: planRows[0]?.status ?? null,
    month,
    metrics: METERED_METRICS.map(
      (metric): MetricUsage => ({
        metric,
        used: used[metric],
        limit: limits[METRICS[metric].limit],
        period: periodOf(metric, now),
      }),
    ),
  };
}
