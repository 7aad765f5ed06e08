import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { etagOf, IfMatchHeadersSchema } from "../platform/versioning";
import {
  CompanyListQuerySchema,
  CompanySchema,
  CreateCompanyInputSchema,
  UpdateCompanyInputSchema,
} from "./companies.model";
import { createCompany, getCompany, listCompaniesFor, updateCompanyFor } from "./companies.service";

const companyId = pathId("companyId", "com");

const listCompaniesRoute = createRoute({
  method: "get",
  path: "/companies",
  tags: ["companies"],
  operationId: "listCompanies",
  summary: "Companies by name, a page at a time",
  description:
    "Agents see only the companies they own unless the tenant's visibility setting is `all`. `q` searches names, VAT and CR numbers. Custom fields filter as `custom.<key>=value` (`a,b` any of; `from..to` ranges for numbers, money and dates).",
  ...access({ role: "agent", scope: "crm:read" }),
  request: { query: CompanyListQuerySchema },
  responses: {
    200: { description: "A page of companies", ...jsonContent(pageSchema(CompanySchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const createCompanyRoute = createRoute({
  method: "post",
  path: "/companies",
  tags: ["companies"],
  operationId: "createCompany",
  summary: "Add a company (VAT number validated: 15 digits starting and ending with 3)",
  ...access({ role: "agent", scope: "crm:write" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(CreateCompanyInputSchema) },
  responses: {
    201: { description: "Created", ...jsonContent(CompanySchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const getCompanyRoute = createRoute({
  method: "get",
  path: "/companies/{companyId}",
  tags: ["companies"],
  operationId: "getCompany",
  summary: "One company, with its version as the ETag",
  ...access({ role: "agent", scope: "crm:read" }),
  request: { params: companyId },
  responses: {
    200: { description: "The company", ...jsonContent(CompanySchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const updateCompanyRoute = createRoute({
  method: "patch",
  path: "/companies/{companyId}",
  tags: ["companies"],
  operationId: "updateCompany",
  summary: "Change a company's fields (If-Match required)",
  ...access({ role: "agent", scope: "crm:write" }),
  request: { params: companyId, headers: IfMatchHeadersSchema, ...jsonBody(UpdateCompanyInputSchema) },
  responses: {
    200: { description: "The updated company", ...jsonContent(CompanySchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VERSION_MISMATCH",
      "VALIDATION_FAILED",
      "VERSION_REQUIRED",
    ),
  },
});

export const companiesApi = createRouter()
  .openapi(listCompaniesRoute, async (c) => {
    const customFilters = Object.fromEntries(
      Object.entries(c.req.query()).filter(([name]) => name.startsWith("custom.")),
    );
    return c.json(await listCompaniesFor(tenantOf(c), c.req.valid("query"), customFilters), 200);
  })
  .openapi(createCompanyRoute, async (c) => {
    const company = await createCompany(tenantOf(c), c.req.valid("json"));
    return c.json(company, 201, { ETag: etagOf(company.version) });
  })
  .openapi(getCompanyRoute, async (c) => {
    const company = await getCompany(tenantOf(c), c.req.valid("param").companyId);
    return c.json(company, 200, { ETag: etagOf(company.version) });
  })
  .openapi(updateCompanyRoute, async (c) => {
    const company = await updateCompanyFor(
      tenantOf(c),
      c.req.valid("param").companyId,
      c.req.valid("header")["if-match"],
      c.req.valid("json"),
    );
    return c.json(company, 200, { ETag: etagOf(company.version) });
  });
