import Papa from "papaparse";
import type { CustomValues } from "../contacts/contacts.schema";
import type { CustomFieldDefinitionRow } from "../custom-fields/custom-fields.repo";
import { customValueToText } from "../custom-fields/custom-values";

export type Lang = "ar" | "en";

/** What one list's CSV export needs; the streaming, encoding and custom columns are shared. */
export interface CsvExport<T> {
  /** The download's file name before the date, e.g. `contacts`. */
  fileName: string;
  /** The built-in columns' headers, per language. */
  headers: Record<Lang, readonly string[]>;
  /** The built-in cells of one record, in the headers' order. */
  cells: (record: T, lang: Lang) => string[];
  customValues: (record: T) => CustomValues;
  /** One keyset page through the list's own service (its filters and visibility). */
  page: (cursor: string | undefined) => Promise<{ data: T[]; nextCursor: string | null }>;
}

// escapeFormulae prefixes cells starting with = + - @ (or a tab or CR) with ', so a spreadsheet
// shows them as text instead of running them (CSV injection); CRLF is what Excel expects.
const toCsv = (rows: string[][]) => `${Papa.unparse(rows, { newline: "\r\n", escapeFormulae: true })}\r\n`;

/**
 * The list as a CSV stream, starting from its first page: each pull writes one page and reads the
 * next, so memory stays flat whatever the number of
 * records. UTF-8 with a BOM so Excel reads Arabic correctly. One column per given custom field
 * follows the built-in ones, headed by its label (values by customValueToText: amounts in SAR,
 * options by label, so a contacts file imports again).
 */
export function csvStream<T>(
  spec: CsvExport<T>,
  lang: Lang,
  customFields: CustomFieldDefinitionRow[],
  first: { data: T[]; nextCursor: string | null },
) {
  const encoder = new TextEncoder();
  const rowOf = (record: T) => [
    ...spec.cells(record, lang),
    ...customFields.map((field) => customValueToText(field, spec.customValues(record)[field.key], lang)),
  ];
  const header = [
    ...spec.headers[lang],
    ...customFields.map((field) => (lang === "ar" ? field.labelAr : field.labelEn)),
  ];
  let next: { data: T[]; nextCursor: string | null } | null = first;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`\uFEFF${toCsv([header])}`));
    },
    async pull(controller) {
      const page = next ?? { data: [], nextCursor: null };
      if (page.data.length > 0) controller.enqueue(encoder.encode(toCsv(page.data.map(rowOf))));
      if (page.nextCursor) next = await spec.page(page.nextCursor);
      else controller.close();
    },
  });
}

/**
 * The download response. The first page is read before the response starts (callers have read
 * the custom fields with the session check before that), so a refused caller or a bad filter
 * gets a problem or the sign-in page, not a half-written file.
 */
export async function csvResponse<T>(
  spec: CsvExport<T>,
  lang: Lang,
  customFields: CustomFieldDefinitionRow[],
  now: number,
) {
  const first = await spec.page(undefined);
  const day = new Date(now).toISOString().slice(0, 10);
  return new Response(csvStream(spec, lang, customFields, first), {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${spec.fileName}-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
