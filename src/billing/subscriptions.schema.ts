import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";
import { BILLING_PERIODS, PLAN_IDS } from "./plans";

export const SUBSCRIPTION_STATUSES = ["trialing", "active", "past_due", "suspended", "canceled"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * A tenant's subscription: exactly one row per tenant, created with the tenant (a trial) and
 * changed only by confirmed payments and scheduled changes. Times are ms since the epoch.
 */
export const subscriptions = sqliteTable("subscriptions", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  plan: text("plan", { enum: PLAN_IDS }).notNull(),
  period: text("period", { enum: BILLING_PERIODS }).notNull(),
  status: text("status", { enum: SUBSCRIPTION_STATUSES }).notNull(),
  trialEndsAt: integer("trial_ends_at"),
  currentPeriodStart: integer("current_period_start").notNull(),
  currentPeriodEnd: integer("current_period_end").notNull(),
  cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
  // A downgrade waits for the period the tenant paid for to end.
  pendingPlan: text("pending_plan", { enum: PLAN_IDS }),
  pendingPeriod: text("pending_period", { enum: BILLING_PERIODS }),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
