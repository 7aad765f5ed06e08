import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export interface InvoiceParty {
  name: string;
  vatNumber: string | null;
  address: string | null;
}

export interface InvoiceSeller {
  name: { ar: string; en: string };
  vatNumber: string;
  address: string;
}

export interface InvoiceLine {
  description: { ar: string; en: string };
  quantity: number;
  unitPriceHalalas: number;
  /** quantity × unit price, before VAT. */
  netHalalas: number;
}

/**
 * Tax invoices Dealix issues to its tenants, and the credit notes that reverse them, in ONE table
 * and ONE platform-wide number sequence: ZATCA forbids several invoice sequences. `sequence` is
 * allocated inside the INSERT itself (max + 1 under a unique index; see tax-invoices.repo.ts), so a
 * refused or duplicate insert consumes no number and the sequence has no gaps. Rows are immutable:
 * migration triggers refuse every UPDATE and DELETE. Everything the document shows (seller, buyer,
 * lines, amounts, QR) is a snapshot taken at issue; nothing points to rows that may change. There
 * is deliberately no foreign key to tenants: invoices are kept for the statutory retention period
 * even after a tenant is erased.
 *
 * Amounts are positive on both kinds; `kind` says whether a document charges or credits the buyer,
 * as in ZATCA's own credit notes (document type 381 with positive amounts).
 */
export const taxInvoices = sqliteTable(
  "tax_invoices",
  {
    id: text("id").primaryKey(),
    sequence: integer("sequence").notNull(),
    /** `DLX-000001`: the sequence as printed, stored so a format change cannot alter issued documents. */
    number: text("number").notNull(),
    kind: text("kind", { enum: ["invoice", "credit_note"] }).notNull(),
    /** Standard when the buyer gave a VAT number (B2B), simplified otherwise. */
    invoiceType: text("invoice_type", { enum: ["standard", "simplified"] }).notNull(),
    tenantId: text("tenant_id").notNull(),
    /** The Moyasar payment id (invoice) or refund id (credit note): one document per reference. */
    paymentRef: text("payment_ref").notNull(),
    /** A credit note's invoice. */
    originalInvoiceId: text("original_invoice_id"),
    reason: text("reason"),
    seller: text("seller", { mode: "json" }).$type<InvoiceSeller>().notNull(),
    buyer: text("buyer", { mode: "json" }).$type<InvoiceParty>().notNull(),
    lines: text("lines", { mode: "json" }).$type<InvoiceLine[]>().notNull(),
    subtotalHalalas: integer("subtotal_halalas").notNull(),
    vatHalalas: integer("vat_halalas").notNull(),
    totalHalalas: integer("total_halalas").notNull(),
    currency: text("currency", { enum: ["SAR"] }).notNull(),
    /** ms since the epoch, whole seconds (the QR's timestamp carries seconds). */
    issuedAt: integer("issued_at").notNull(),
    /** The ZATCA Phase 1 QR payload (Base64 TLV). */
    qr: text("qr").notNull(),
  },
  (t) => [
    uniqueIndex("tax_invoices_sequence").on(t.sequence),
    uniqueIndex("tax_invoices_reference").on(t.kind, t.paymentRef),
    index("tax_invoices_tenant_sequence").on(t.tenantId, t.sequence),
    index("tax_invoices_original").on(t.originalInvoiceId),
    check(
      "tax_invoices_amounts",
      sql`${t.subtotalHalalas} >= 0 AND ${t.vatHalalas} >= 0 AND ${t.totalHalalas} = ${t.subtotalHalalas} + ${t.vatHalalas}`,
    ),
    check(
      "tax_invoices_credit_note_original",
      sql`(${t.kind} = 'credit_note') = (${t.originalInvoiceId} IS NOT NULL)`,
    ),
  ],
);
