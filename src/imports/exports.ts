import { createRoute, z } from "@hono/zod-openapi";
import Papa from "papaparse";
import { ar } from "../../pages/i18n/ar";
import { en } from "../../pages/i18n/en";
import type { ContactView } from "../contacts/contact-view";
import { ContactListQuerySchema } from "../contacts/contacts.model";
import { listContactsFor } from "../contacts/contacts.service";
import {
  type CustomFieldDefinitionRow,
  customFieldDefinitionsFor,
} from "../custom-fields/custom-fields.repo";
import { customValueToText } from "../custom-fields/custom-values";
import { access, tenantOf } from "../platform/access";
import type { TenantContext } from "../platform/context";
import { MAX_PAGE_SIZE } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter } from "../platform/router";

const COLUMNS = [
  "name",
  "phones",
  "email",
  "source",
  "status",
  "tags",
  "notes",
  "ownerId",
  "createdAt",
] as const;

const HEADERS = {
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
} as const satisfies Record<"ar" | "en", Record<number, string>>;

const LABELS = { ar: ar.contacts, en: en.contacts };

export const ExportQuerySchema = ContactListQuerySchema.omit({ cursor: true, limit: true }).extend({
  lang: z
    .enum(["ar", "en"])
    .default("en")
    .openapi({ description: "Language of the header row and of the source and status labels." }),
});
type ExportQuery = z.infer<typeof ExportQuerySchema>;

type Lang = "ar" | "en";

const rowOf = (contact: ContactView, lang: Lang, customFields: CustomFieldDefinitionRow[]) => {
  const labels = LABELS[lang];
  const cells: Record<(typeof COLUMNS)[number], string> = {
    name: contact.name,
    phones: contact.phones.join(" / "),
    email: contact.email ?? "",
    source: labels.sources[contact.source],
    status: labels.statuses[contact.status],
    tags: contact.tags.join(", "),
    notes: contact.notes ?? "",
    ownerId: contact.ownerId ?? "",
    createdAt: contact.createdAt,
  };
  return [
    ...COLUMNS.map((column) => cells[column]),
    ...customFields.map((field) => customValueToText(field, contact.custom[field.key], lang)),
  ];
};

/** The header row: the built-in columns, then one per active contact custom field, by its label. */
const headerRow = (lang: Lang, customFields: CustomFieldDefinitionRow[]) => [
  ...HEADERS[lang],
  ...customFields.map((field) => (lang === "ar" ? field.labelAr : field.labelEn)),
];

// escapeFormulae prefixes cells starting with = + - @ (or a tab or CR) with ', so a spreadsheet
// shows them as text instead of running them (CSV injection); CRLF is what Excel expects.
const toCsv = (rows: string[][]) => `${Papa.unparse(rows, { newline: "\r\n", escapeFormulae: true })}\r\n`;

/**
 * The contacts the caller may see, filtered as GET /contacts, as a CSV stream: each pull reads
 * one keyset page through the contacts service (same filters, same visibility), so memory stays
 * flat whatever the number of contacts. UTF-8 with a BOM so Excel reads Arabic correctly. Values
 * of the given custom fields follow the built-in columns (customValueToText, options by label,
 * so the file imports again).
 */
export function contactsCsvStream(
  ctx: TenantContext,
  query: ExportQuery,
  customFields: CustomFieldDefinitionRow[],
) {
  const { lang, ...filters } = query;
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`\uFEFF${toCsv([headerRow(lang, customFields)])}`));
      }
      const page = await listContactsFor(ctx, { ...filters, cursor, limit: MAX_PAGE_SIZE });
      if (page.data.length > 0)
        controller.enqueue(encoder.encode(toCsv(page.data.map((c) => rowOf(c, lang, customFields)))));
      if (page.nextCursor) cursor = page.nextCursor;
      else controller.close();
    },
  });
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

/**
 * The CSV download response. The session check runs (with the read of the custom fields) before
 * the response starts, so a refused caller gets a problem (or the sign-in page), not a
 * half-written file.
 */
export async function contactsCsvResponse(ctx: TenantContext, query: ExportQuery) {
  const [definitions] = await ctx.scope.read(
    () => [customFieldDefinitionsFor(ctx.scope, "contact")] as const,
  );
  const customFields = definitions.filter((field) => field.archivedAt === null);
  const day = new Date(ctx.now).toISOString().slice(0, 10);
  return new Response(contactsCsvStream(ctx, query, customFields), {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="contacts-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

export const exportsApi = createRouter().openapi(exportRoute, async (c) =>
  contactsCsvResponse(tenantOf(c), c.req.valid("query")),
);
