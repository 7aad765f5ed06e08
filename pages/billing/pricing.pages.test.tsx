import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { issueTaxInvoice, sellerOf } from "../../src/billing/tax-invoices.service";
import { decodeZatcaQr } from "../../src/billing/zatca-qr";
import { dbFor } from "../../src/db/client";
import { loadConfig } from "../../src/env";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { call, escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";
import { TaxInvoicesSection } from "./tax-invoices.views";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

type Tenant = Awaited<ReturnType<typeof createTenant>>;
let home: Tenant;
let other: Tenant;

beforeAll(async () => {
  [home, other] = await Promise.all([createTenant("Home"), createTenant("Other")]);
});

let counter = 0;
const issue = (tenantId: string, vatNumber?: string) =>
  issueTaxInvoice(
    dbFor(env.DB),
    {
      tenantId,
      paymentRef: `pay_page_${Date.now()}_${counter++}`,
      buyer: { name: "عقارات الرياض", ...(vatNumber ? { vatNumber } : {}), address: "حي الملقا، الرياض" },
      lines: [
        {
          description: { ar: "اشتراك النمو — شهري", en: "Growth — monthly" },
          quantity: 1,
          unitPriceHalalas: 249_000,
        },
      ],
      issuedAt: new Date("2026-12-01T09:15:30Z"),
    },
    sellerOf(loadConfig(env)),
  );

describe("pricing page", () => {
  it("shows three plans in Arabic, right to left, with the price before VAT, '+ 15% VAT' and the total with VAT", async () => {
    const res = await call("/pricing");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('dir="rtl"');
    for (const plan of ["starter", "growth", "enterprise"])
      expect(html).toContain(`data-testid="plan-${plan}"`);
    expect(html).toContain(escaped("+ ١٥٪ ضريبة القيمة المضافة"));
    // Starter monthly: 990 before VAT, 1,138.50 with VAT, in Arabic-Indic digits.
    expect(html).toContain("٩٩٠ ر.س");
    expect(html).toContain("١٬١٣٨٫٥٠ ر.س");
    expect(html).toContain(escaped("صندوق واتساب الموحّد"));
    // Visitors start a trial; Enterprise goes to sales.
    expect(html).toContain('href="/signup" data-testid="start-trial"');
    expect(html).toContain('data-testid="contact-sales"');
    expect(html).not.toContain("/billing/checkout");
  });

  it("switches to yearly without JavaScript, and shows the saving, in English", async () => {
    const res = await new TestBrowser({ lang: "en" }).get("/pricing?period=yearly");
    const html = await res.text();
    expect(html).toContain('dir="ltr"');
    expect(html).toContain("SAR 24,900");
    expect(html).toContain("Total with VAT: SAR 28,635");
    expect(html).toContain("Save SAR 4,980 (17%) paying yearly");
    expect(html).toMatch(/href="\/pricing\?period=yearly" aria-current="page"/);
  });

  it("gives a signed-in owner a choose button to checkout; a manager still sees the trial", async () => {
    const owner = await (await signedIn(home.owner).get("/pricing?period=yearly")).text();
    expect(owner).toContain('href="/billing/checkout?plan=growth&amp;period=yearly"');
    expect(owner).toContain('href="/billing/checkout?plan=starter&amp;period=yearly"');
    const manager = await (await signedIn(home.manager).get("/pricing")).text();
    expect(manager).not.toContain("/billing/checkout");
  });

  it("is linked from the landing page", async () => {
    expect(await (await call("/")).text()).toContain('href="/pricing"');
  });
});

describe("printable tax invoice page", () => {
  it("shows the invoice in both languages with seller, buyer, lines, totals and the QR as an image", async () => {
    const invoice = await issue(home.tenantId);
    const res = await signedIn(home.owner).get(`/billing/invoices/${invoice.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(escaped("فاتورة ضريبية مبسطة"));
    expect(html).toContain("Simplified Tax Invoice");
    expect(html).toContain(invoice.number);
    expect(html).toContain(escaped("ديلكس (بائع تجريبي)"));
    expect(html).toContain("300000000000003");
    expect(html).toContain(escaped("عقارات الرياض"));
    expect(html).toContain("2490.00 SAR");
    expect(html).toContain("373.50 SAR");
    expect(html).toContain("2863.50 SAR");
    expect(html).toContain("/assets/plans-invoices.css");
    const image =
      /<img class="tax-invoice__qr" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html)?.[1] ?? "";
    expect(atob(image)).toMatch(/^<svg[^>]*>/);
    expect(decodeZatcaQr(invoice.qr).totalWithVat).toBe("2863.50");
  });

  it("titles a buyer with a VAT number's invoice a Tax Invoice", async () => {
    const invoice = await issue(home.tenantId, "310122393500003");
    const html = await (await signedIn(home.owner).get(`/billing/invoices/${invoice.id}`)).text();
    expect(html).toContain(`${escaped("فاتورة ضريبية")}</span> / <span lang="en" dir="ltr">Tax Invoice`);
  });

  it("is the owner's: 403 for a manager or agent, 404 for another tenant's or a malformed id, sign-in first", async () => {
    const invoice = await issue(home.tenantId);
    expect((await signedIn(home.manager).get(`/billing/invoices/${invoice.id}`)).status).toBe(403);
    expect((await signedIn(home.agent).get(`/billing/invoices/${invoice.id}`)).status).toBe(403);
    const foreign = await issue(other.tenantId);
    const notMine = await signedIn(home.owner).get(`/billing/invoices/${foreign.id}`);
    expect(notMine.status).toBe(404);
    expect(await notMine.text()).not.toContain(foreign.number);
    expect((await signedIn(home.owner).get("/billing/invoices/nonsense")).status).toBe(404);
    const anonymous = await new TestBrowser().get(`/billing/invoices/${invoice.id}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toBe(
      `/login?next=${encodeURIComponent(`/billing/invoices/${invoice.id}`)}`,
    );
  });
});

describe("invoices section (for the billing page)", () => {
  const invoice = {
    id: "tax_00000000000000000001",
    number: "DLX-000007",
    title: { ar: "فاتورة ضريبية مبسطة", en: "Simplified Tax Invoice" },
    totalHalalas: 286_350,
    issuedAt: "2026-12-01T09:15:30.000Z",
  };

  it("lists each invoice with its number, type, date, total and a link to its page, and a more link", async () => {
    const html = String(
      await (
        <TaxInvoicesSection
          t={en}
          locale="en"
          timeZone="Asia/Riyadh"
          invoices={[invoice]}
          nextCursor="abc"
          path="/billing"
        />
      ).toString(),
    );
    expect(html).toContain("DLX-000007");
    expect(html).toContain("Simplified Tax Invoice");
    expect(html).toContain("SAR 2,863.50");
    expect(html).toContain("December 1, 2026");
    expect(html).toContain('href="/billing/invoices/tax_00000000000000000001"');
    expect(html).toContain('href="/billing?invoices=abc"');
  });

  it("says so when there is none yet, in Arabic", async () => {
    const html = String(
      await (
        <TaxInvoicesSection
          t={ar}
          locale="ar"
          timeZone={null}
          invoices={[]}
          nextCursor={null}
          path="/billing"
        />
      ).toString(),
    );
    expect(html).toContain(escaped(ar.taxInvoices.empty));
    expect(html).not.toContain("<table");
  });
});
