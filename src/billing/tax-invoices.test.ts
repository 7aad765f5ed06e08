import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, callCountingD1, countRows, expectProblem } from "../../test/helpers";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import { ApiError } from "../platform/problem";
import { PLANS, vatOf } from "./plans";
import type { IssueTaxInvoiceInput } from "./tax-invoices.model";
import { issueCreditNote, issueTaxInvoice, sellerOf, splitRefund } from "./tax-invoices.service";
import { decodeZatcaQr } from "./zatca-qr";

const db = dbFor(env.DB);
const seller = sellerOf(loadConfig(env));
const ISSUED_AT = new Date("2026-12-01T09:15:30.456Z");

let refCounter = 0;
const paymentRef = () => `pay_test_${Date.now().toString(36)}_${refCounter++}`;

const growthMonthly = (
  tenantId: string,
  overrides: Partial<IssueTaxInvoiceInput> = {},
): IssueTaxInvoiceInput => ({
  tenantId,
  paymentRef: paymentRef(),
  buyer: { name: "عقارات الرياض" },
  lines: [
    {
      description: { ar: "اشتراك النمو — شهري", en: "Growth plan — monthly" },
      quantity: 1,
      unitPriceHalalas: PLANS.growth.priceHalalas?.monthly ?? 0,
    },
  ],
  issuedAt: ISSUED_AT,
  ...overrides,
});

async function expectApiError(promise: Promise<unknown>, code: ApiError["code"]) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(code);
  return error as ApiError;
}

const storedRow = (id: string) =>
  env.DB.prepare("SELECT * FROM tax_invoices WHERE id = ?").bind(id).first<Record<string, unknown>>();

type Tenant = Awaited<ReturnType<typeof createTenant>>;
let home: Tenant;
let other: Tenant;

beforeAll(async () => {
  [home, other] = await Promise.all([createTenant("Home Realty"), createTenant("Other Clinic")]);
});

describe("VAT rounding", () => {
  it("is 15 % of the amount before VAT, half up to the halala", () => {
    const table: [net: number, vat: number][] = [
      [0, 0],
      [1, 0], // 0.15
      [3, 0], // 0.45
      [4, 1], // 0.60
      [7, 1], // 1.05
      [10, 2], // 1.50: the half goes up
      [30, 5], // 4.50
      [33, 5], // 4.95
      [99_000, 14_850], // Starter monthly
      [249_000, 37_350], // Growth monthly
      [2_490_000, 373_500], // Growth yearly
      [99_999, 15_000], // 14,999.85
    ];
    for (const [net, vat] of table) expect([net, vatOf(net)]).toEqual([net, vat]);
  });

  it("rounds the invoice's subtotal once, not each line", async () => {
    const invoice = await issueTaxInvoice(
      db,
      growthMonthly(home.tenantId, {
        lines: [
          { description: { ar: "أ", en: "A" }, quantity: 1, unitPriceHalalas: 10 },
          { description: { ar: "ب", en: "B" }, quantity: 1, unitPriceHalalas: 10 },
          { description: { ar: "ج", en: "C" }, quantity: 3, unitPriceHalalas: 10 },
        ],
      }),
      seller,
    );
    // Per line: 1.50 + 1.50 + 4.50 → 2 + 2 + 5 = 9 halalas; on the subtotal of 50: 7.5 → 8.
    expect([invoice.subtotalHalalas, invoice.vatHalalas, invoice.totalHalalas]).toEqual([50, 8, 58]);
    expect(invoice.lines.map((line) => line.netHalalas)).toEqual([10, 10, 30]);
  });

  it("splits a refund with VAT into its parts, exactly when it takes back what is left", () => {
    expect(splitRefund(113_850, { net: 99_000, vat: 14_850 })).toEqual({ net: 99_000, vat: 14_850 });
    expect(splitRefund(115, { net: 99_000, vat: 14_850 })).toEqual({ net: 100, vat: 15 });
    // 1 halala with VAT: 0.87 net half up → 1, no VAT.
    expect(splitRefund(1, { net: 99_000, vat: 14_850 })).toEqual({ net: 1, vat: 0 });
    // Never more VAT than the invoice has left.
    expect(splitRefund(1_150, { net: 5_000, vat: 100 })).toEqual({ net: 1_050, vat: 100 });
  });
});

describe("issuing a tax invoice", () => {
  it("stores a simplified invoice with the seller from config, the lines, VAT, total and a QR that decodes to them", async () => {
    const input = growthMonthly(home.tenantId, { buyer: { name: "عقارات الرياض", address: "Riyadh" } });
    const invoice = await issueTaxInvoice(db, input, seller);
    expect(invoice).toMatchObject({
      kind: "invoice",
      invoiceType: "simplified",
      tenantId: home.tenantId,
      paymentRef: input.paymentRef,
      seller: {
        name: { ar: "ديلكس (بائع تجريبي)", en: "Dealix (TEST seller)" },
        vatNumber: "300000000000003",
        address: expect.stringContaining("TEST ADDRESS"),
      },
      buyer: { name: "عقارات الرياض", vatNumber: null, address: "Riyadh" },
      subtotalHalalas: 249_000,
      vatHalalas: 37_350,
      totalHalalas: 286_350,
      currency: "SAR",
      // Whole seconds: the QR's timestamp has no milliseconds.
      issuedAt: Date.parse("2026-12-01T09:15:30Z"),
    });
    expect(invoice.number).toBe(`DLX-${String(invoice.sequence).padStart(6, "0")}`);
    expect(decodeZatcaQr(invoice.qr)).toEqual({
      sellerName: "ديلكس (بائع تجريبي)",
      vatNumber: "300000000000003",
      timestamp: "2026-12-01T09:15:30Z",
      totalWithVat: "2863.50",
      vatTotal: "373.50",
    });
    const row = await storedRow(invoice.id);
    expect(row).toMatchObject({
      total_halalas: 286_350,
      vat_halalas: 37_350,
      qr: invoice.qr,
      number: invoice.number,
    });
  });

  it("is a standard tax invoice when the buyer gives a VAT number (normalised from Arabic digits)", async () => {
    const invoice = await issueTaxInvoice(
      db,
      growthMonthly(home.tenantId, { buyer: { name: "Riyadh Realty Co", vatNumber: "٣١٠١٢٢٣٩٣٥٠٠٠٠٣" } }),
      seller,
    );
    expect(invoice.invoiceType).toBe("standard");
    expect(invoice.buyer.vatNumber).toBe("310122393500003");
  });

  it("refuses bad input and stores nothing", async () => {
    const before = await countRows("tax_invoices");
    const bad: IssueTaxInvoiceInput[] = [
      growthMonthly(home.tenantId, { buyer: { name: "X", vatNumber: "123456789012345" } }),
      growthMonthly(home.tenantId, { lines: [] }),
      growthMonthly(home.tenantId, {
        lines: [{ description: { ar: "أ", en: "A" }, quantity: 0, unitPriceHalalas: 100 }],
      }),
      growthMonthly(home.tenantId, {
        lines: [{ description: { ar: "أ", en: "A" }, quantity: 1, unitPriceHalalas: 10.5 }],
      }),
      growthMonthly(home.tenantId, { paymentRef: " " }),
      growthMonthly("not-a-tenant"),
    ];
    for (const input of bad) {
      const error = await expectApiError(issueTaxInvoice(db, input, seller), "VALIDATION_FAILED");
      expect(error.errors?.length).toBeGreaterThan(0);
    }
    expect(await countRows("tax_invoices")).toBe(before);
  });

  it("is idempotent per payment: issuing again returns the first invoice and takes no number", async () => {
    const input = growthMonthly(home.tenantId);
    const first = await issueTaxInvoice(db, input, seller);
    const before = await countRows("tax_invoices");
    const again = await issueTaxInvoice(db, { ...input, issuedAt: new Date("2026-12-02T00:00:00Z") }, seller);
    expect(again).toEqual(first);
    expect(await countRows("tax_invoices")).toBe(before);
    const next = await issueTaxInvoice(db, growthMonthly(home.tenantId), seller);
    expect(next.sequence).toBe(first.sequence + 1);
    // The same payment reference for another tenant is a conflict, not that tenant's invoice.
    await expectApiError(issueTaxInvoice(db, { ...input, tenantId: other.tenantId }, seller), "CONFLICT");
  });

  it("numbers concurrent issues 1..N in one platform-wide sequence: no gaps, no duplicates", async () => {
    const inputs = Array.from({ length: 60 }, (_, i) =>
      growthMonthly(i % 2 ? home.tenantId : other.tenantId),
    );
    // Replays of some payments race with their first issue: they must take no number.
    const replays = inputs.slice(0, 10);
    const issued = await Promise.all(
      [...inputs, ...replays].map((input) => issueTaxInvoice(db, input, seller)),
    );
    expect(new Set(issued.map((invoice) => invoice.id)).size).toBe(60);
    const { results } = await env.DB.prepare(
      "SELECT sequence, number FROM tax_invoices ORDER BY sequence",
    ).all<{ sequence: number; number: string }>();
    expect(results.map((row) => row.sequence)).toEqual(results.map((_, i) => i + 1));
    expect(results.map((row) => row.number)).toEqual(
      results.map((_, i) => `DLX-${String(i + 1).padStart(6, "0")}`),
    );
  });

  it("is immutable: the database refuses any UPDATE or DELETE of an issued document", async () => {
    const invoice = await issueTaxInvoice(db, growthMonthly(home.tenantId), seller);
    await expect(
      env.DB.prepare("UPDATE tax_invoices SET total_halalas = 1 WHERE id = ?").bind(invoice.id).run(),
    ).rejects.toThrow(/immutable/);
    await expect(
      env.DB.prepare("DELETE FROM tax_invoices WHERE id = ?").bind(invoice.id).run(),
    ).rejects.toThrow(/immutable/);
    expect(await storedRow(invoice.id)).toMatchObject({
      total_halalas: invoice.totalHalalas,
      qr: invoice.qr,
    });
  });
});

describe("credit notes", () => {
  it("credit part of an invoice, then the rest, with their own numbers and never more than its total", async () => {
    const invoice = await issueTaxInvoice(db, growthMonthly(home.tenantId), seller);
    const partial = await issueCreditNote(db, {
      tenantId: home.tenantId,
      invoiceId: invoice.id,
      refundRef: paymentRef(),
      amountHalalas: 115_000,
      reason: "Downgrade refund",
      issuedAt: ISSUED_AT,
    });
    expect(partial).toMatchObject({
      kind: "credit_note",
      invoiceType: "simplified",
      originalInvoiceId: invoice.id,
      subtotalHalalas: 100_000,
      vatHalalas: 15_000,
      totalHalalas: 115_000,
      buyer: invoice.buyer,
      seller: invoice.seller,
      reason: "Downgrade refund",
    });
    expect(partial.sequence).toBeGreaterThan(invoice.sequence);
    expect(partial.lines[0]?.description.en).toBe(`Refund against invoice ${invoice.number}`);
    expect(decodeZatcaQr(partial.qr)).toMatchObject({ totalWithVat: "1150.00", vatTotal: "150.00" });

    const tooMuch = await expectApiError(
      issueCreditNote(db, {
        tenantId: home.tenantId,
        invoiceId: invoice.id,
        refundRef: paymentRef(),
        amountHalalas: invoice.totalHalalas - 115_000 + 1,
        reason: "Too much",
        issuedAt: ISSUED_AT,
      }),
      "VALIDATION_FAILED",
    );
    expect(tooMuch.message).toContain("1713.50");

    const rest = await issueCreditNote(db, {
      tenantId: home.tenantId,
      invoiceId: invoice.id,
      refundRef: paymentRef(),
      amountHalalas: invoice.totalHalalas - 115_000,
      reason: "Cancelled",
      issuedAt: ISSUED_AT,
    });
    // Together the credit notes take back exactly the invoice's subtotal and VAT.
    expect(partial.vatHalalas + rest.vatHalalas).toBe(invoice.vatHalalas);
    expect(partial.subtotalHalalas + rest.subtotalHalalas).toBe(invoice.subtotalHalalas);
  });

  it("is idempotent per refund, and concurrent refunds cannot over-credit an invoice", async () => {
    const invoice = await issueTaxInvoice(db, growthMonthly(home.tenantId), seller);
    const refund = {
      tenantId: home.tenantId,
      invoiceId: invoice.id,
      refundRef: paymentRef(),
      amountHalalas: 100_000,
      reason: "Partial refund",
      issuedAt: ISSUED_AT,
    };
    const first = await issueCreditNote(db, refund);
    expect(await issueCreditNote(db, { ...refund, amountHalalas: 5 })).toEqual(first);
    // 186,350 left: of five concurrent refunds of 60,000 only three fit.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        issueCreditNote(db, { ...refund, refundRef: paymentRef(), amountHalalas: 60_000 }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        expect(["VALIDATION_FAILED", "CONFLICT"]).toContain((outcome.reason as ApiError).code);
      }
    }
    const credited = await env.DB.prepare(
      "SELECT sum(total_halalas) AS total FROM tax_invoices WHERE original_invoice_id = ?",
    )
      .bind(invoice.id)
      .first<{ total: number }>();
    expect(credited?.total).toBe(280_000);
  });

  it("is refused for another tenant's invoice, for a credit note, and for bad input", async () => {
    const invoice = await issueTaxInvoice(db, growthMonthly(other.tenantId), seller);
    const refund = {
      tenantId: home.tenantId,
      invoiceId: invoice.id,
      refundRef: paymentRef(),
      amountHalalas: 100,
      reason: "Not mine",
      issuedAt: ISSUED_AT,
    };
    const before = await countRows("tax_invoices");
    await expectApiError(issueCreditNote(db, refund), "NOT_FOUND");
    const creditNote = await issueCreditNote(db, { ...refund, tenantId: other.tenantId });
    await expectApiError(
      issueCreditNote(db, {
        ...refund,
        tenantId: other.tenantId,
        invoiceId: creditNote.id,
        refundRef: paymentRef(),
      }),
      "NOT_FOUND",
    );
    await expectApiError(issueCreditNote(db, { ...refund, amountHalalas: 0 }), "VALIDATION_FAILED");
    await expectApiError(issueCreditNote(db, { ...refund, reason: "" }), "VALIDATION_FAILED");
    expect(await countRows("tax_invoices")).toBe(before + 1);
  });
});

describe("GET /api/v1/billing/invoices", () => {
  it("lists the owner's documents newest first, a page at a time, never another tenant's", async () => {
    const tenant = await createTenant("Paging Realty");
    const issued = [];
    for (let i = 0; i < 3; i++)
      issued.push(await issueTaxInvoice(db, growthMonthly(tenant.tenantId), seller));
    await issueTaxInvoice(db, growthMonthly(other.tenantId), seller);
    const first = await call("/api/v1/billing/invoices?limit=2", { headers: tenant.owner.auth });
    expect(first.status).toBe(200);
    const page = (await first.json()) as {
      data: { id: string; number: string; title: { en: string } }[];
      nextCursor: string;
    };
    expect(page.data.map((d) => d.id)).toEqual([issued[2]?.id, issued[1]?.id]);
    expect(page.data[0]?.title.en).toBe("Simplified Tax Invoice");
    const second = await call(`/api/v1/billing/invoices?limit=2&cursor=${page.nextCursor}`, {
      headers: tenant.owner.auth,
    });
    expect(await second.json()).toMatchObject({ data: [{ id: issued[0]?.id }], nextCursor: null });
    await expectProblem(
      await call("/api/v1/billing/invoices?cursor=nonsense", { headers: tenant.owner.auth }),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("is for owners only: managers and agents get 403", async () => {
    await expectProblem(
      await call("/api/v1/billing/invoices", { headers: home.manager.auth }),
      403,
      "FORBIDDEN",
    );
    await expectProblem(
      await call("/api/v1/billing/invoices", { headers: home.agent.auth }),
      403,
      "FORBIDDEN",
    );
    await expectProblem(await call("/api/v1/billing/invoices"), 401, "UNAUTHENTICATED");
  });
});

describe("GET /api/v1/billing/invoices/{id}", () => {
  it("returns the document with its QR payload and what the QR holds", async () => {
    const invoice = await issueTaxInvoice(
      db,
      growthMonthly(home.tenantId, { buyer: { name: "Home Realty LLC", vatNumber: "310122393500003" } }),
      seller,
    );
    const res = await call(`/api/v1/billing/invoices/${invoice.id}`, { headers: home.owner.auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: invoice.id,
      number: invoice.number,
      kind: "invoice",
      invoiceType: "standard",
      title: { ar: "فاتورة ضريبية", en: "Tax Invoice" },
      buyer: { name: "Home Realty LLC", vatNumber: "310122393500003" },
      subtotalHalalas: 249_000,
      vatHalalas: 37_350,
      totalHalalas: 286_350,
      vatRatePercent: 15,
      issuedAt: "2026-12-01T09:15:30.000Z",
      qr: {
        payload: invoice.qr,
        decoded: {
          sellerName: seller.name.ar,
          vatNumber: seller.vatNumber,
          totalWithVat: "2863.50",
          vatTotal: "373.50",
        },
      },
    });
  });

  it("reads in one D1 round trip, the session check included, as the list does", async () => {
    const invoice = await issueTaxInvoice(db, growthMonthly(home.tenantId), seller);
    for (const path of [`/api/v1/billing/invoices/${invoice.id}`, "/api/v1/billing/invoices"]) {
      const { res, d1RoundTrips } = await callCountingD1(path, { headers: home.owner.auth });
      expect([res.status, d1RoundTrips]).toEqual([200, 1]);
    }
  });

  it("answers 404 for another tenant's invoice, 403 for a manager or agent, 422 for a malformed id", async () => {
    const foreign = await issueTaxInvoice(db, growthMonthly(other.tenantId), seller);
    await expectProblem(
      await call(`/api/v1/billing/invoices/${foreign.id}`, { headers: home.owner.auth }),
      404,
      "NOT_FOUND",
    );
    const own = await issueTaxInvoice(db, growthMonthly(home.tenantId), seller);
    for (const member of [home.manager, home.agent]) {
      await expectProblem(
        await call(`/api/v1/billing/invoices/${own.id}`, { headers: member.auth }),
        403,
        "FORBIDDEN",
      );
    }
    await expectProblem(
      await call("/api/v1/billing/invoices/inv_123", { headers: home.owner.auth }),
      422,
      "VALIDATION_FAILED",
    );
  });
});
