import type { z } from "zod";
import type { Db } from "../db/client";
import type { Config } from "../env";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import { fieldErrors } from "../platform/router";
import { VAT_RATE_PERCENT, vatOf } from "./plans";
import {
  type IssueCreditNoteInput,
  IssueCreditNoteInputSchema,
  type IssueTaxInvoiceInput,
  IssueTaxInvoiceInputSchema,
} from "./tax-invoices.model";
import {
  creditedSoFar,
  documentByReference,
  insertCreditNote,
  insertTaxInvoice,
  invoiceOfTenant,
  listTaxInvoices,
  type NewTaxDocument,
  type TaxInvoiceRow,
  taxInvoiceById,
} from "./tax-invoices.repo";
import type { InvoiceLine, InvoiceSeller } from "./tax-invoices.schema";
import { decodeZatcaQr, encodeZatcaQr, sarAmount, zatcaTimestamp } from "./zatca-qr";

/** Dealix as the seller, from config (wrangler vars; required in production, src/env.ts). */
export function sellerOf(config: Config): InvoiceSeller {
  const { ZATCA_SELLER_NAME_AR, ZATCA_SELLER_NAME_EN, ZATCA_SELLER_VAT_NUMBER, ZATCA_SELLER_ADDRESS } =
    config;
  if (!ZATCA_SELLER_NAME_AR || !ZATCA_SELLER_NAME_EN || !ZATCA_SELLER_VAT_NUMBER || !ZATCA_SELLER_ADDRESS) {
    throw new Error("the ZATCA_SELLER_* vars are not all set: no tax invoice can be issued");
  }
  return {
    name: { ar: ZATCA_SELLER_NAME_AR, en: ZATCA_SELLER_NAME_EN },
    vatNumber: ZATCA_SELLER_VAT_NUMBER,
    address: ZATCA_SELLER_ADDRESS,
  };
}

function parsed<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ApiError("VALIDATION_FAILED", "The tax document input is invalid.", {
      errors: fieldErrors(result.error),
    });
  }
  return result.data;
}

/** The QR shows whole seconds, so the stored issue time is cut to them too. */
const wholeSeconds = (at: Date) => Math.floor(at.getTime() / 1000) * 1000;

function qrOf(seller: InvoiceSeller, issuedAt: number, totalHalalas: number, vatHalalas: number) {
  return encodeZatcaQr({
    // ZATCA requires the Arabic name.
    sellerName: seller.name.ar,
    vatNumber: seller.vatNumber,
    timestamp: zatcaTimestamp(new Date(issuedAt)),
    totalWithVat: sarAmount(totalHalalas),
    vatTotal: sarAmount(vatHalalas),
  });
}

/** The row the batch read back after its insert, or the one an earlier issue stored. */
function issued(rows: TaxInvoiceRow[], tenantId: string): TaxInvoiceRow | null {
  const [row] = rows;
  if (!row) return null;
  if (row.tenantId !== tenantId) {
    throw new ApiError("CONFLICT", "This payment reference already has a tax document for another tenant.");
  }
  return row;
}

/**
 * Issues the tax invoice for a paid charge, once per payment: issuing again for the same
 * `paymentRef` returns the first invoice unchanged. VAT is 15 % of the invoice's subtotal, rounded
 * half up to the halala (`vatOf`), not summed per line. The invoice is standard (B2B) when the buyer
 * gave a VAT number, simplified otherwise. One D1 round trip: the numbered insert and the read back.
 */
export async function issueTaxInvoice(
  db: Db,
  input: IssueTaxInvoiceInput,
  seller: InvoiceSeller,
): Promise<TaxInvoiceRow> {
  const { tenantId, paymentRef, buyer, lines, issuedAt } = parsed(IssueTaxInvoiceInputSchema, input);
  const invoiceLines: InvoiceLine[] = lines.map((line) => ({
    ...line,
    netHalalas: line.quantity * line.unitPriceHalalas,
  }));
  const subtotalHalalas = invoiceLines.reduce((total, line) => total + line.netHalalas, 0);
  const vatHalalas = vatOf(subtotalHalalas);
  const totalHalalas = subtotalHalalas + vatHalalas;
  const at = wholeSeconds(issuedAt);
  const row: NewTaxDocument = {
    id: newId(idPrefixes.taxInvoice),
    kind: "invoice",
    invoiceType: buyer.vatNumber ? "standard" : "simplified",
    tenantId,
    paymentRef,
    seller,
    buyer: { name: buyer.name, vatNumber: buyer.vatNumber ?? null, address: buyer.address ?? null },
    lines: invoiceLines,
    subtotalHalalas,
    vatHalalas,
    totalHalalas,
    currency: "SAR",
    issuedAt: at,
    qr: qrOf(seller, at, totalHalalas, vatHalalas),
  };
  const [, stored] = await db.batch([
    insertTaxInvoice(db, row),
    documentByReference(db, "invoice", paymentRef),
  ]);
  const invoice = issued(stored, tenantId);
  if (!invoice) throw new Error(`tax invoice for ${paymentRef} was neither inserted nor found`);
  return invoice;
}

/**
 * How much of a refund (with VAT) is VAT: the invoice's remaining VAT when the refund takes back
 * everything left, else the VAT inside the amount (amount × 15/115, half up), never beyond what is
 * left of either part.
 */
export function splitRefund(
  amountHalalas: number,
  remaining: { net: number; vat: number },
): { net: number; vat: number } {
  if (amountHalalas === remaining.net + remaining.vat) return remaining;
  const net = Math.floor(
    (amountHalalas * 100 * 2 + (100 + VAT_RATE_PERCENT)) / (2 * (100 + VAT_RATE_PERCENT)),
  );
  const vat = Math.min(amountHalalas - net, remaining.vat);
  const clampedNet = Math.min(amountHalalas - vat, remaining.net);
  return { net: clampedNet, vat: amountHalalas - clampedNet };
}

/**
 * Issues a credit note for a refund of a tenant's invoice, once per refund: the same `refundRef`
 * returns the first credit note. It has its own number in the same sequence, the invoice's seller,
 * buyer and type, and positive amounts (the kind says it credits). All credit notes of an invoice
 * together never exceed its total: checked when read, and again in the insert against races.
 */
export async function issueCreditNote(db: Db, input: IssueCreditNoteInput): Promise<TaxInvoiceRow> {
  const { tenantId, invoiceId, refundRef, amountHalalas, reason, issuedAt } = parsed(
    IssueCreditNoteInputSchema,
    input,
  );
  const [earlier, invoices, credited] = await db.batch([
    documentByReference(db, "credit_note", refundRef),
    invoiceOfTenant(db, tenantId, invoiceId),
    creditedSoFar(db, invoiceId),
  ]);
  const replay = issued(earlier, tenantId);
  if (replay) return replay;
  const [invoice] = invoices;
  if (!invoice) throw new ApiError("NOT_FOUND", "No such invoice.");
  const creditedTotal = Number(credited[0]?.total ?? 0);
  const creditedVat = Number(credited[0]?.vat ?? 0);
  const remaining = {
    net: invoice.subtotalHalalas - (creditedTotal - creditedVat),
    vat: invoice.vatHalalas - creditedVat,
  };
  if (amountHalalas > remaining.net + remaining.vat) {
    throw new ApiError(
      "VALIDATION_FAILED",
      `A credit note cannot exceed what is left of the invoice (${sarAmount(remaining.net + remaining.vat)} SAR).`,
      {
        errors: [
          { path: "amountHalalas", code: "too_big", message: "More than the invoice's remaining total." },
        ],
      },
    );
  }
  const { net, vat } = splitRefund(amountHalalas, remaining);
  const at = wholeSeconds(issuedAt);
  const row = {
    id: newId(idPrefixes.taxInvoice),
    kind: "credit_note" as const,
    invoiceType: invoice.invoiceType,
    tenantId,
    paymentRef: refundRef,
    originalInvoiceId: invoice.id,
    reason,
    seller: invoice.seller,
    buyer: invoice.buyer,
    lines: [
      {
        description: {
          ar: `استرداد عن الفاتورة ${invoice.number}`,
          en: `Refund against invoice ${invoice.number}`,
        },
        quantity: 1,
        unitPriceHalalas: net,
        netHalalas: net,
      },
    ],
    subtotalHalalas: net,
    vatHalalas: vat,
    totalHalalas: amountHalalas,
    currency: "SAR" as const,
    issuedAt: at,
    qr: qrOf(invoice.seller, at, amountHalalas, vat),
  };
  const [, stored] = await db.batch([
    insertCreditNote(db, row),
    documentByReference(db, "credit_note", refundRef),
  ]);
  const creditNote = issued(stored, tenantId);
  if (!creditNote) {
    throw new ApiError(
      "CONFLICT",
      "Another refund of this invoice was credited meanwhile; nothing is left to credit.",
    );
  }
  return creditNote;
}

const TITLES = {
  invoice: {
    standard: { ar: "فاتورة ضريبية", en: "Tax Invoice" },
    simplified: { ar: "فاتورة ضريبية مبسطة", en: "Simplified Tax Invoice" },
  },
  credit_note: {
    standard: { ar: "إشعار دائن", en: "Credit Note" },
    simplified: { ar: "إشعار دائن مبسط", en: "Simplified Credit Note" },
  },
} as const;

export const titleOf = (row: Pick<TaxInvoiceRow, "kind" | "invoiceType">) =>
  TITLES[row.kind][row.invoiceType];

const summaryOf = (row: TaxInvoiceRow) => ({
  id: row.id,
  number: row.number,
  kind: row.kind,
  invoiceType: row.invoiceType,
  title: titleOf(row),
  originalInvoiceId: row.originalInvoiceId,
  totalHalalas: row.totalHalalas,
  vatHalalas: row.vatHalalas,
  currency: row.currency,
  issuedAt: new Date(row.issuedAt).toISOString(),
});

export type TaxInvoiceView = ReturnType<typeof viewOf>;

export const viewOf = (row: TaxInvoiceRow) => ({
  ...summaryOf(row),
  sequence: row.sequence,
  paymentRef: row.paymentRef,
  reason: row.reason,
  seller: row.seller,
  buyer: row.buyer,
  lines: row.lines,
  subtotalHalalas: row.subtotalHalalas,
  vatRatePercent: VAT_RATE_PERCENT as typeof VAT_RATE_PERCENT,
  qr: { payload: row.qr, decoded: decodeZatcaQr(row.qr) },
});

/** A page of the tenant's invoices and credit notes, newest first, in one round trip. */
export async function taxInvoicesPage(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(() => [listTaxInvoices(ctx.scope, after, limit)] as const);
  const page = toPage(rows, limit, (row) => ({ sort: row.sequence, id: row.id }));
  return { data: page.data.map(summaryOf), nextCursor: page.nextCursor };
}

/** One of the tenant's documents; another tenant's is a 404. */
export async function taxInvoiceOf(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(() => [taxInvoiceById(ctx.scope, id)] as const);
  if (!row) throw new ApiError("NOT_FOUND", "No such invoice.");
  return viewOf(row);
}
