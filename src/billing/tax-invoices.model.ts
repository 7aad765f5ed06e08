import { z } from "@hono/zod-openapi";
import { VatNumberSchema } from "../companies/companies.model";
import { DateTimeSchema, HalalasSchema, idSchema } from "../platform/schemas";

// What the payment consumer hands the service. Bounds keep every document printable and its
// amounts well inside integer precision (a line at most 100 million SAR).
const BilingualTextSchema = z.object({
  ar: z.string().trim().min(1).max(200),
  en: z.string().trim().min(1).max(200),
});

export const IssueTaxInvoiceInputSchema = z.strictObject({
  tenantId: idSchema("ten"),
  paymentRef: z.string().trim().min(1).max(100),
  buyer: z.strictObject({
    name: z.string().trim().min(1).max(200),
    vatNumber: VatNumberSchema.optional(),
    address: z.string().trim().min(1).max(500).optional(),
  }),
  lines: z
    .array(
      z.strictObject({
        description: BilingualTextSchema,
        quantity: z.int().min(1).max(10_000),
        unitPriceHalalas: z.int().min(0).max(10_000_000_000),
      }),
    )
    .min(1)
    .max(50),
  issuedAt: z.date(),
});
export type IssueTaxInvoiceInput = z.input<typeof IssueTaxInvoiceInputSchema>;

export const IssueCreditNoteInputSchema = z.strictObject({
  tenantId: idSchema("ten"),
  invoiceId: idSchema("tax"),
  refundRef: z.string().trim().min(1).max(100),
  /** With VAT, as the refund was paid. */
  amountHalalas: z.int().min(1),
  reason: z.string().trim().min(1).max(500),
  issuedAt: z.date(),
});
export type IssueCreditNoteInput = z.input<typeof IssueCreditNoteInputSchema>;

const BilingualSchema = z.object({ ar: z.string(), en: z.string() });

const DOCUMENT_KIND_DESCRIPTION =
  "`invoice` charges the buyer; `credit_note` reverses part or all of `originalInvoiceId`. Amounts are positive on both.";

export const TaxInvoiceSummarySchema = z
  .object({
    id: idSchema("tax"),
    number: z.string().openapi({ example: "DLX-000042" }),
    kind: z.enum(["invoice", "credit_note"]).openapi({ description: DOCUMENT_KIND_DESCRIPTION }),
    invoiceType: z.enum(["standard", "simplified"]).openapi({
      description: "`standard` (B2B) when the buyer gave a VAT number, otherwise `simplified`",
    }),
    title: BilingualSchema.openapi({ example: { ar: "فاتورة ضريبية مبسطة", en: "Simplified Tax Invoice" } }),
    originalInvoiceId: idSchema("tax").nullable(),
    totalHalalas: HalalasSchema,
    vatHalalas: HalalasSchema,
    currency: z.literal("SAR"),
    issuedAt: DateTimeSchema,
  })
  .openapi("TaxInvoiceSummary");

const PartySchema = z.object({
  name: z.string(),
  vatNumber: z.string().nullable(),
  address: z.string().nullable(),
});

export const TaxInvoiceSchema = TaxInvoiceSummarySchema.extend({
  sequence: z.int().positive().openapi({ description: "Dealix's single, gap-free document sequence" }),
  paymentRef: z.string().openapi({ description: "The payment (invoice) or refund (credit note) it records" }),
  reason: z.string().nullable(),
  seller: z.object({ name: BilingualSchema, vatNumber: z.string(), address: z.string() }),
  buyer: PartySchema,
  lines: z.array(
    z.object({
      description: BilingualSchema,
      quantity: z.int().positive(),
      unitPriceHalalas: HalalasSchema,
      netHalalas: HalalasSchema,
    }),
  ),
  subtotalHalalas: HalalasSchema,
  vatRatePercent: z.literal(15),
  qr: z.object({
    payload: z.string().openapi({ description: "ZATCA Phase 1 QR: Base64 of TLV tags 1–5" }),
    decoded: z.object({
      sellerName: z.string(),
      vatNumber: z.string(),
      timestamp: z.string(),
      totalWithVat: z.string(),
      vatTotal: z.string(),
    }),
  }),
}).openapi("TaxInvoice");
