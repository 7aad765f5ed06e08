import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { tenants } from "../tenants/tenants.schema";
import { billingCheckouts } from "./checkouts.schema";

/**
 * Money an operator put on a tenant's account (a goodwill gesture, a refund outside Moyasar),
 * taken off the net price of the tenant's next checkout. A credit is spent whole, by the checkout
 * whose payment was confirmed; until then it stays available, so an abandoned checkout burns none.
 */
export const billingCredits = sqliteTable(
  "billing_credits",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    amountHalalas: integer("amount_halalas").notNull(),
    reason: text("reason").notNull(),
    // The operator who granted it.
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    consumedByCheckoutId: text("consumed_by_checkout_id").references(() => billingCheckouts.id),
  },
  (t) => [
    index("billing_credits_available")
      .on(t.tenantId, t.createdAt)
      .where(sql`${t.consumedByCheckoutId} IS NULL`),
  ],
);
