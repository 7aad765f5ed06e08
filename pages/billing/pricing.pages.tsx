import { Hono } from "hono";
import { PUBLIC_PLANS } from "../../src/billing/plans.view";
import { taxInvoiceOf } from "../../src/billing/tax-invoices.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { renderPage } from "../render";
import { pageSession, requireOwner, requireSignedIn } from "../session/page-session";
import { PricingPage } from "./pricing.views";
import { TaxInvoiceDocument } from "./tax-invoices.views";

export const pricingPages = new Hono<AppEnv>();

/** The pricing page: public; for a signed-in owner each self-serve plan links to checkout. */
pricingPages.get("/pricing", async (c) => {
  const period = c.req.query("period") === "yearly" ? "yearly" : "monthly";
  const session = await pageSession(c);
  return renderPage(c, {
    title: (t) => t.pricing.title,
    stylesheets: ["/assets/plans-invoices.css"],
    body: (t) => (
      <PricingPage
        t={t}
        locale={c.get("locale")}
        period={period}
        plans={PUBLIC_PLANS.data}
        canChoose={session?.role === "owner"}
      />
    ),
  });
});

pricingPages.use("/billing/invoices/*", requireSignedIn(), requireOwner());

/** The printable tax invoice or credit note; another tenant's, or a malformed id, is a 404. */
pricingPages.get("/billing/invoices/:invoiceId", async (c) => {
  const invoiceId = c.req.param("invoiceId");
  if (!isId("tax", invoiceId)) throw new ApiError("NOT_FOUND");
  const invoice = await taxInvoiceOf(tenantOf(c), invoiceId);
  return renderPage(c, {
    title: (t) => t.taxInvoices.title.replace("{number}", invoice.number),
    stylesheets: ["/assets/plans-invoices.css"],
    body: (t) => <TaxInvoiceDocument t={t} invoice={invoice} />,
  });
});
