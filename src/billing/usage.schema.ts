import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

/**
 * Each tenant's use of what its plan limits. Monthly metrics (WhatsApp messages, AI calls) are
 * counters of the Asia/Riyadh calendar month (`period` "2026-12"); totals (seats, contacts) are
 * recounted from their tables at each metered write (`period` "total"), so they never drift.
 *
 * The limit is enforced by the database, in the write's own batch: every metered write first
 * upserts this row with `allowed` set to the tenant's plan limit, and a trigger (the billing
 * migration) aborts the statement, and so the whole batch, when `used` would rise above `allowed`.
 * D1 runs a batch as one transaction, one at a time, so 100 concurrent writes at the limit are
 * counted exactly. `allowed` is NULL only for a tenant without a subscription row: not limited.
 */
export const usageCounters = sqliteTable(
  "usage_counters",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    metric: text("metric", { enum: ["seats", "contacts", "whatsapp_messages", "ai_calls"] }).notNull(),
    period: text("period").notNull(),
    used: integer("used").notNull(),
    allowed: integer("allowed"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.metric, t.period] })],
);
