import { createRoute, z } from "@hono/zod-openapi";
import Papa from "papaparse";
import { ar } from "../../pages/i18n/ar";
import { en } from "../../pages/i18n/en";
import type { ContactView } from "../contacts/contact-view";
import { ContactListQuerySchema } from "../contacts/contacts.model";
import { listContactsFor } from "../contacts/contacts.service";
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

const rowOf = (contact: ContactView, lang: "ar" | "en") => {
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
  return COLUMNS.map((column) => cells[column]);
};

// escapeFormulae prefixes cells starting with = + - @ (or a tab or CR) with ', so a spreadsheet
// shows them as text instead of running them (CSV injection); CRLF is what Excel expects.
const toCsv = (rows: string[][]) => `${Papa.unparse(rows, { newline: "\r\n", escapeFormulae: true })}\r\n`;

/**
 * The contacts the caller may see, filtered as GET /contacts, as a CSV stream: each pull reads
 * one keyset page through the contacts service (same filters, same visibility), so memory stays
 * flat whatever the number of contacts. UTF-8 with a BOM so Excel reads Arabic correctly.
 */
export function contactsCsvStream(ctx: TenantContext, query: ExportQuery) {
  const { lang, ...filters } = query;
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`\uFEFF${toCsv([[...HEADERS[lang]]])}`));
      }
      const page = await listContactsFor(ctx, { ...filters, cursor, limit: MAX_PAGE_SIZE });
      if (page.data.length > 0)
        controller.enqueue(encoder.encode(toCsv(page.data.map((c) => rowOf(c, lang)))));
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
    "UTF-8 with BOM and CRLF line ends, so Excel opens Arabic text correctly. Cells that a spreadsheet would run as a formula are prefixed with `'`. Agents get only the contacts they may see.",
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
 * The CSV download response. The session check runs before the response starts, so a refused
 * caller gets a problem (or the sign-in page), not a half-written file.
 */
export async function contactsCsvResponse(ctx: TenantContext, query: ExportQuery) {
  await ctx.scope.settle();
  const day = new Date(ctx.now).toISOString().slice(0, 10);
  return new Response(contactsCsvStream(ctx, query), {
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
