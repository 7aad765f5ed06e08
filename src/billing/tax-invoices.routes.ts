import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent, pathId } from "../platform/router";
import { TaxInvoiceSchema, TaxInvoiceSummarySchema } from "./tax-invoices.model";
import { taxInvoiceOf, taxInvoicesPage } from "./tax-invoices.service";

// Billing documents are the owner's: they carry what the tenant pays. API keys have no billing scope.
const OWNER_ONLY = { role: "owner" } as const;

const listRoute = createRoute({
  method: "get",
  path: "/billing/invoices",
  tags: ["billing"],
  operationId: "listTaxInvoices",
  summary: "The tenant's tax invoices and credit notes, newest first (owner only)",
  ...access(OWNER_ONLY),
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of documents", ...jsonContent(pageSchema(TaxInvoiceSummarySchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/billing/invoices/{invoiceId}",
  tags: ["billing"],
  operationId: "getTaxInvoice",
  summary: "One tax invoice or credit note, with its ZATCA QR payload and what it holds (owner only)",
  ...access(OWNER_ONLY),
  request: { params: pathId("invoiceId", "tax") },
  responses: {
    200: { description: "The document", ...jsonContent(TaxInvoiceSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

export const taxInvoicesApi = createRouter()
  .openapi(listRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await taxInvoicesPage(tenantOf(c), cursor, limit), 200);
  })
  .openapi(getRoute, async (c) =>
    c.json(await taxInvoiceOf(tenantOf(c), c.req.valid("param").invoiceId), 200),
  );
