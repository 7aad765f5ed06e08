import { and, desc, eq, type SQL, sql, sum } from "drizzle-orm";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { taxInvoices } from "./tax-invoices.schema";

export type TaxInvoiceRow = typeof taxInvoices.$inferSelect;
/** A document before it has a number: the insert allocates `sequence` and `number`. */
export type NewTaxDocument = Omit<typeof taxInvoices.$inferInsert, "sequence" | "number">;

/**
 * Inserts a document with the next number of the one platform-wide sequence, allocated by the
 * statement itself: max + 1 is read and written in one SQLite statement, and D1 runs statements
 * one at a time, so two concurrent issues cannot take the same number (the unique index on
 * `sequence` would refuse it anyway). A document whose reference exists already, or whose `guard`
 * is false, inserts nothing and takes no number, so the sequence never has a gap.
 */
function insertNumbered(db: Db, row: NewTaxDocument, guard: SQL) {
  // Columns in the table's order, as INSERT … SELECT lists them.
  return db
    .insert(taxInvoices)
    .select(sql`
      SELECT ${row.id}, next.n, 'DLX-' || printf('%06d', next.n), ${row.kind}, ${row.invoiceType},
        ${row.tenantId}, ${row.paymentRef}, ${row.originalInvoiceId ?? null}, ${row.reason ?? null},
        ${JSON.stringify(row.seller)}, ${JSON.stringify(row.buyer)}, ${JSON.stringify(row.lines)},
        ${row.subtotalHalalas}, ${row.vatHalalas}, ${row.totalHalalas}, ${row.currency}, ${row.issuedAt},
        ${row.qr}
      FROM (SELECT coalesce(max(sequence), 0) + 1 AS n FROM tax_invoices) AS next
      WHERE ${guard}`)
    .onConflictDoNothing({ target: [taxInvoices.kind, taxInvoices.paymentRef] });
}

export const insertTaxInvoice = (db: Db, row: NewTaxDocument) => insertNumbered(db, row, sql`1`);

/**
 * A credit note, inserted only while the invoice's total less what earlier credit notes took back
 * still covers it: checked in the insert itself, so concurrent refunds cannot over-credit.
 */
export const insertCreditNote = (db: Db, row: NewTaxDocument & { originalInvoiceId: string }) =>
  insertNumbered(
    db,
    row,
    sql`EXISTS (SELECT 1 FROM tax_invoices o
      WHERE o.id = ${row.originalInvoiceId} AND o.tenant_id = ${row.tenantId} AND o.kind = 'invoice'
        AND o.total_halalas - (SELECT coalesce(sum(c.total_halalas), 0) FROM tax_invoices c
                               WHERE c.original_invoice_id = o.id) >= ${row.totalHalalas})`,
  );

/** The document issued for a payment (invoice) or refund (credit note), if any. */
export const documentByReference = (db: Db, kind: TaxInvoiceRow["kind"], paymentRef: string) =>
  db
    .select()
    .from(taxInvoices)
    .where(and(eq(taxInvoices.kind, kind), eq(taxInvoices.paymentRef, paymentRef)));

/** A tenant's invoice (not a credit note). */
export const invoiceOfTenant = (db: Db, tenantId: string, invoiceId: string) =>
  db
    .select()
    .from(taxInvoices)
    .where(
      and(eq(taxInvoices.tenantId, tenantId), eq(taxInvoices.id, invoiceId), eq(taxInvoices.kind, "invoice")),
    );

/** What the credit notes of an invoice took back so far. */
export const creditedSoFar = (db: Db, invoiceId: string) =>
  db
    .select({ total: sum(taxInvoices.totalHalalas), vat: sum(taxInvoices.vatHalalas) })
    .from(taxInvoices)
    .where(eq(taxInvoices.originalInvoiceId, invoiceId));

/** The tenant's documents, newest number first; `after` continues below the previous page. */
export const listTaxInvoices = (scope: TenantScope, after: CursorPosition | null, limit: number) =>
  scope.db
    .select()
    .from(taxInvoices)
    .where(
      scope.where(taxInvoices.tenantId, continuingAfter(taxInvoices.sequence, taxInvoices.id, after, "desc")),
    )
    .orderBy(desc(taxInvoices.sequence), desc(taxInvoices.id))
    .limit(limit + 1);

export const taxInvoiceById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(taxInvoices)
    .where(scope.where(taxInvoices.tenantId, eq(taxInvoices.id, id)));
