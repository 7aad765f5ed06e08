import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { tenants } from "../tenants/tenants.schema";
import { BILLING_PERIODS, PLAN_IDS } from "./plans";

export const CHECKOUT_KINDS = ["new", "upgrade", "renewal"] as const;
export type CheckoutKind = (typeof CHECKOUT_KINDS)[number];
export const CHECKOUT_STATUSES = ["pending", "paid", "failed", "expired"] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

/** One purchase the owner started: our record of the Moyasar invoice and what it must be paid with. */
export const billingCheckouts = sqliteTable(
  "billing_checkouts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    plan: text("plan", { enum: PLAN_IDS }).notNull(),
    period: text("period", { enum: BILLING_PERIODS }).notNull(),
    kind: text("kind", { enum: CHECKOUT_KINDS }).notNull(),
    netHalalas: integer("net_halalas").notNull(),
    vatHalalas: integer("vat_halalas").notNull(),
    totalHalalas: integer("total_halalas").notNull(),
    // The operator credits taken off this checkout's price; spent only once it is paid.
    creditHalalas: integer("credit_halalas").notNull().default(0),
    creditIds: text("credit_ids", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    status: text("status", { enum: CHECKOUT_STATUSES }).notNull(),
    // Set once Moyasar created the invoice; a pending row without it is still being created.
    moyasarInvoiceId: text("moyasar_invoice_id").unique(),
    url: text("url"),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // At most one pending checkout per tenant: concurrent checkouts cannot create two invoices.
    uniqueIndex("billing_checkouts_one_pending").on(t.tenantId).where(sql`${t.status} = 'pending'`),
    index("billing_checkouts_tenant").on(t.tenantId, t.createdAt),
  ],
);

export const PAYMENT_STATUSES = ["paid", "failed", "refunded", "voided"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A Moyasar payment as the API confirmed it on re-fetch; one row per Moyasar payment id. */
export const billingPayments = sqliteTable(
  "billing_payments",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    checkoutId: text("checkout_id")
      .notNull()
      .references(() => billingCheckouts.id),
    moyasarPaymentId: text("moyasar_payment_id").notNull().unique(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    amountHalalas: integer("amount_halalas").notNull(),
    currency: text("currency").notNull(),
    // Why the confirmed payment did not match the checkout (amount, currency, metadata); it activated nothing.
    mismatch: text("mismatch"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("billing_payments_tenant").on(t.tenantId, t.createdAt)],
);

/** Moyasar webhook event ids already accepted: a redelivered event is answered and dropped. */
export const moyasarWebhookEvents = sqliteTable("moyasar_webhook_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  paymentId: text("payment_id").notNull(),
  receivedAt: integer("received_at").notNull(),
});
