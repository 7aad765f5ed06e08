import { createRoute, z } from "@hono/zod-openapi";
import { ar } from "../../pages/i18n/ar";
import { en } from "../../pages/i18n/en";
import { CompanyListQuerySchema } from "../companies/companies.model";
import { type CompanyView, listCompaniesFor } from "../companies/companies.service";
import type { ContactView } from "../contacts/contact-view";
import { ContactListQuerySchema } from "../contacts/contacts.model";
import { listContactsFor } from "../contacts/contacts.service";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import type { DealView } from "../deals/deal-view";
import { DealListQuerySchema } from "../deals/deals.model";
import { findDeals } from "../deals/deals.service";
import { listPipelines, listStages } from "../pipelines/pipelines.repo";
import { access, tenantOf } from "../platform/access";
import type { TenantContext } from "../platform/context";
import { MAX_PAGE_SIZE } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter } from "../platform/router";
import { type CsvExport, csvResponse } from "./csv-export";

const CONTACT_HEADERS = {
  en: ["Name", "Phones", "Email", "Source", "Status", "Tags", "Notes", "Owner id", "Created (UTC)"],
  ar: [
    "الاسم",
    "الجوال",
    "البريد",
    "المصدر",
    "الحالة",
    "الوسوم",
    "ملاحظات",
    "معرّف المسؤول",
    "تاريخ الإضافة (UTC)",
  ],
} as const;

const CONTACT_LABELS = { ar: ar.contacts, en: en.contacts };

const lang = z
  .enum(["ar", "en"])
  .default("en")
  .openapi({ description: "Language of the header row and of the labels in the cells." });

export const ExportQuerySchema = ContactListQuerySchema.omit({ cursor: true, limit: true }).extend({ lang });
type ExportQuery = z.infer<typeof ExportQuerySchema>;

const contactsExport = (
  ctx: TenantContext,
  query: ExportQuery,
  customFilters: Record<string, string>,
): CsvExport<ContactView> => {
  const { lang: _lang, ...filters } = query;
  return {
    fileName: "contacts",
    headers: CONTACT_HEADERS,
    cells: (contact, lang) => [
      contact.name,
      contact.phones.join(" / "),
      contact.email ?? "",
      CONTACT_LABELS[lang].sources[contact.source],
      CONTACT_LABELS[lang].statuses[contact.status],
      contact.tags.join(", "),
      contact.notes ?? "",
      contact.ownerId ?? "",
      contact.createdAt,
    ],
    customValues: (contact) => contact.custom,
    page: (cursor) => listContactsFor(ctx, { ...filters, cursor, limit: MAX_PAGE_SIZE }, customFilters),
  };
};

/** Active custom fields of an object, read with the session check before the file starts. */
async function activeFields(ctx: TenantContext, object: "contact" | "deal" | "company") {
  const [definitions] = await ctx.scope.read(() => [customFieldDefinitionsFor(ctx.scope, object)] as const);
  return definitions.filter((field) => field.archivedAt === null);
}

/** The contacts the caller may see, filtered as GET /contacts, as a streamed CSV download. */
export async function contactsCsvResponse(
  ctx: TenantContext,
  query: ExportQuery,
  customFilters: Record<string, string> = {},
) {
  const fields = await activeFields(ctx, "contact");
  return csvResponse(contactsExport(ctx, query, customFilters), query.lang, fields, ctx.now);
}

const exportRoute = createRoute({
  method: "get",
  path: "/exports/contacts.csv",
  tags: ["imports"],
  operationId: "exportContactsCsv",
  summary: "The contacts list as CSV (same filters as GET /contacts), streamed",
  description:
    "UTF-8 with BOM and CRLF line ends, so Excel opens Arabic text correctly. Cells that a spreadsheet would run as a formula are prefixed with `'`. Agents get only the contacts they may see. After the built-in columns comes one column per active contact custom field, headed by its label in `lang` (amounts in SAR, options by label, lists joined with `, `).",
  ...access({ role: "agent", scope: "crm:read" }),
  request: { query: ExportQuerySchema },
  responses: {
    200: {
      description: "The CSV file",
      content: { "text/csv": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const DEAL_HEADERS = {
  en: [
    "Title",
    "Pipeline",
    "Stage",
    "Status",
    "Amount (SAR)",
    "Expected close",
    "Contact id",
    "Company id",
    "Owner id",
    "Lost reason",
    "Created (UTC)",
  ],
  ar: [
    "العنوان",
    "المسار",
    "المرحلة",
    "الحالة",
    "المبلغ (ر.س)",
    "الإغلاق المتوقع",
    "معرّف العميل",
    "معرّف الشركة",
    "معرّف المسؤول",
    "سبب الخسارة",
    "تاريخ الإضافة (UTC)",
  ],
} as const;

const DEAL_STATUS_LABELS = { ar: ar.companies.dealStatuses, en: en.companies.dealStatuses };

export const DealExportQuerySchema = DealListQuerySchema.omit({ cursor: true, limit: true }).extend({ lang });
type DealExportQuery = z.infer<typeof DealExportQuerySchema>;

/**
 * The deals the caller may see, filtered as GET /deals (custom.<key> filters included), as a
 * streamed CSV download; pipeline and stage names are read once, with the custom fields.
 */
export async function dealsCsvResponse(
  ctx: TenantContext,
  query: DealExportQuery,
  customFilters: Record<string, string>,
) {
  const { lang: language, sort, ...filters } = query;
  const [definitions, pipelineRows, stageRows] = await ctx.scope.read(
    () =>
      [
        customFieldDefinitionsFor(ctx.scope, "deal"),
        listPipelines(ctx.scope, true),
        listStages(ctx.scope),
      ] as const,
  );
  const pipelineNames = new Map(pipelineRows.map((row) => [row.id, row.name]));
  const stageNames = new Map(stageRows.map((row) => [row.id, row.name]));
  const spec: CsvExport<DealView> = {
    fileName: "deals",
    headers: DEAL_HEADERS,
    cells: (deal, lang) => [
      deal.title,
      pipelineNames.get(deal.pipelineId) ?? deal.pipelineId,
      stageNames.get(deal.stageId) ?? deal.stageId,
      DEAL_STATUS_LABELS[lang][deal.status],
      (deal.amountHalalas / 100).toFixed(2),
      deal.expectedCloseOn ?? "",
      deal.contactId ?? "",
      deal.companyId ?? "",
      deal.ownerId ?? "",
      deal.lostReason ?? "",
      deal.createdAt,
    ],
    customValues: (deal) => deal.custom,
    page: (cursor) => findDeals(ctx, filters, sort, cursor, MAX_PAGE_SIZE, customFilters),
  };
  const active = definitions.filter((field) => field.archivedAt === null);
  return csvResponse(spec, language, active, ctx.now);
}

const COMPANY_HEADERS = {
  en: [
    "Name",
    "VAT number",
    "CR number",
    "Website",
    "Building number",
    "Street",
    "District",
    "City",
    "Postal code",
    "Additional number",
    "Owner id",
    "Created (UTC)",
  ],
  ar: [
    "الاسم",
    "الرقم الضريبي",
    "السجل التجاري",
    "الموقع",
    "رقم المبنى",
    "الشارع",
    "الحي",
    "المدينة",
    "الرمز البريدي",
    "الرقم الإضافي",
    "معرّف المسؤول",
    "تاريخ الإضافة (UTC)",
  ],
} as const;

export const CompanyExportQuerySchema = CompanyListQuerySchema.omit({ cursor: true, limit: true }).extend({
  lang,
});
type CompanyExportQuery = z.infer<typeof CompanyExportQuerySchema>;

/** The companies the caller may see, filtered as GET /companies, as a streamed CSV download. */
export async function companiesCsvResponse(
  ctx: TenantContext,
  query: CompanyExportQuery,
  customFilters: Record<string, string>,
) {
  const { lang: language, ...filters } = query;
  const spec: CsvExport<CompanyView> = {
    fileName: "companies",
    headers: COMPANY_HEADERS,
    cells: (company) => {
      const address = company.nationalAddress ?? {};
      return [
        company.name,
        company.vatNumber ?? "",
        company.crNumber ?? "",
        company.website ?? "",
        address.buildingNumber ?? "",
        address.street ?? "",
        address.district ?? "",
        address.city ?? "",
        address.postalCode ?? "",
        address.additionalNumber ?? "",
        company.ownerId ?? "",
        company.createdAt,
      ];
    },
    customValues: (company) => company.custom,
    page: (cursor) => listCompaniesFor(ctx, { ...filters, cursor, limit: MAX_PAGE_SIZE }, customFilters),
  };
  return csvResponse(spec, language, await activeFields(ctx, "company"), ctx.now);
}

const csvContent = {
  description: "The CSV file",
  content: { "text/csv": { schema: z.string().openapi({ format: "binary" }) } },
};
const CSV_DESCRIPTION =
  "UTF-8 with BOM and CRLF line ends, so Excel opens Arabic text correctly. Cells that a spreadsheet would run as a formula are prefixed with `'`. Streamed a page at a time. Agents get only the records they may see. After the built-in columns comes one column per active custom field of the object, headed by its label in `lang` (amounts in SAR, options by label, lists joined with `, `).";

const dealsExportRoute = createRoute({
  method: "get",
  path: "/exports/deals.csv",
  tags: ["imports"],
  operationId: "exportDealsCsv",
  summary: "The deals list as CSV (same filters as GET /deals, custom.<key> included), streamed",
  description: CSV_DESCRIPTION,
  ...access({ role: "agent", scope: "crm:read" }),
  request: { query: DealExportQuerySchema },
  responses: { 200: csvContent, ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED") },
});

const companiesExportRoute = createRoute({
  method: "get",
  path: "/exports/companies.csv",
  tags: ["imports"],
  operationId: "exportCompaniesCsv",
  summary: "The companies list as CSV (same filters as GET /companies, custom.<key> included), streamed",
  description: CSV_DESCRIPTION,
  ...access({ role: "agent", scope: "crm:read" }),
  request: { query: CompanyExportQuerySchema },
  responses: { 200: csvContent, ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED") },
});

/** The `custom.<key>` query parameters, for the lists that filter by custom fields. */
export const customFiltersOf = (query: Record<string, string>) =>
  Object.fromEntries(Object.entries(query).filter(([name]) => name.startsWith("custom.")));

export const exportsApi = createRouter()
  .openapi(exportRoute, async (c) =>
    contactsCsvResponse(tenantOf(c), c.req.valid("query"), customFiltersOf(c.req.query())),
  )
  .openapi(dealsExportRoute, async (c) =>
    dealsCsvResponse(tenantOf(c), c.req.valid("query"), customFiltersOf(c.req.query())),
  )
  .openapi(companiesExportRoute, async (c) =>
    companiesCsvResponse(tenantOf(c), c.req.valid("query"), customFiltersOf(c.req.query())),
  );
