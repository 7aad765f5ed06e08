import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

/**
 * The billing notices sent, one per tenant × period end × day mark (-3 before the end, 0, 3 and 7
 * after, 14 at suspension): the daily run claims a row before sending, so a repeated or
 * overlapping run never sends one twice.
 */
export const billingReminders = sqliteTable(
  "billing_reminders",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    periodEnd: integer("period_end").notNull(),
    day: integer("day").notNull(),
    kind: text("kind", { enum: ["renewal_due", "trial_ended", "payment_overdue", "suspended"] }).notNull(),
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.periodEnd, t.day] })],
);
