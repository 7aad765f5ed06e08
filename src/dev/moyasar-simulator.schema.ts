import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The dev Moyasar simulator's state (development and test only; src/dev/moyasar-simulator.ts). Kept
 * out of src/db/schema.ts for the same reason as the WhatsApp simulator's tables: the production
 * bundle holds no dev tool. Each table is built in a call marked pure so esbuild drops it.
 */

/** An invoice as the fake Moyasar API created it; `metadata` is the JSON object sent with it. */
export const devMoyasarInvoices = /* @__PURE__ */ (() =>
  sqliteTable("dev_moyasar_invoices", {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    description: text("description").notNull(),
    callbackUrl: text("callback_url"),
    successUrl: text("success_url"),
    backUrl: text("back_url"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  }))();

/** A card payment on a simulated invoice: what `GET /v1/payments/{id}` answers. */
export const devMoyasarPayments = /* @__PURE__ */ (() =>
  sqliteTable("dev_moyasar_payments", {
    id: text("id").primaryKey(),
    invoiceId: text("invoice_id").notNull(),
    status: text("status").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    // Moyasar's source.message for a declined card ("INSUFFICIENT_FUNDS" …); null when paid.
    message: text("message"),
    cardLast4: text("card_last4").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at").notNull(),
  }))();
