import Papa from "papaparse";
import { normaliseText } from "../platform/text-normalise";
import type { CustomTarget, ImportField, ImportMapping } from "./imports.schema";

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;
export const MAX_COLUMNS = 50;
export const MAX_CELL_LENGTH = 5000;

export type CsvEncoding = "utf-8" | "utf-8-bom" | "windows-1256";

export type CsvProblem =
  | { kind: "empty" }
  | { kind: "not_text" }
  | { kind: "too_many_rows"; rows: number }
  | { kind: "too_many_columns"; columns: number }
  | { kind: "malformed"; row: number; message: string };

export class CsvError extends Error {
  constructor(readonly problem: CsvProblem) {
    super(problem.kind);
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Text from the uploaded bytes. UTF-8 (with or without a BOM) is read strictly; bytes that are not
 * valid UTF-8 are read as Windows-1256, what Arabic Excel writes for "CSV (Comma delimited)".
 * workerd's TextDecoder knows windows-1256 (checked in csv.test.ts). A file with NUL bytes is not
 * a text file (a spreadsheet saved as .xlsx, say) and is refused.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  if (bytes.includes(0)) throw new CsvError({ kind: "not_text" });
  const hasBom = UTF8_BOM.every((byte, index) => bytes[index] === byte);
  const body = hasBom ? bytes.subarray(3) : bytes;
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
    return { text, encoding: hasBom ? "utf-8-bom" : "utf-8" };
  } catch {
    return { text: new TextDecoder("windows-1256").decode(bytes), encoding: "windows-1256" };
  }
}

/**
 * The header and data rows of CSV text, with papaparse (quotes, embedded commas and line breaks,
 * CRLF or LF). The delimiter is detected, so Excel's semicolon CSVs (some locales) read too.
 * Blank lines are dropped; cells are trimmed and cut to MAX_CELL_LENGTH.
 */
export function parseCsv(text: string): { headers: string[]; rows: string[][] } {
  const result = Papa.parse<string[]>(text, {
    skipEmptyLines: "greedy",
    delimitersToGuess: [",", ";", "\t"],
  });
  const quoteError = result.errors.find((error) => error.type === "Quotes");
  if (quoteError) {
    throw new CsvError({ kind: "malformed", row: (quoteError.row ?? 0) + 1, message: quoteError.message });
  }
  const [headerRow, ...rows] = result.data;
  if (!headerRow || headerRow.every((cell) => cell.trim() === "")) throw new CsvError({ kind: "empty" });
  if (headerRow.length > MAX_COLUMNS) {
    throw new CsvError({ kind: "too_many_columns", columns: headerRow.length });
  }
  if (rows.length > MAX_IMPORT_ROWS) throw new CsvError({ kind: "too_many_rows", rows: rows.length });
  // A leading ' before = + - @ is how exports (ours, and others') keep a cell from running as a
  // formula: it is not part of the value.
  const clean = (cell: string | undefined) =>
    (cell ?? "")
      .trim()
      .replace(/^'(?=[=+\-@])/, "")
      .slice(0, MAX_CELL_LENGTH);
  return {
    headers: headerRow.map(clean),
    rows: rows.map((row) => headerRow.map((_, index) => clean(row[index]))),
  };
}

/** Header words (normalised as normaliseText does) that name each field, Arabic and English. */
const HEADER_WORDS: Record<ImportField, string[]> = {
  name: ["الاسم", "اسم", "الاسم الكامل", "اسم العميل", "name", "full name", "contact", "contact name"],
  phone: [
    "الجوال",
    "جوال",
    "رقم الجوال",
    "رقم الهاتف",
    "الهاتف",
    "هاتف",
    "الموبايل",
    "واتساب",
    "phone",
    "mobile",
    "phone number",
    "mobile number",
    "whatsapp",
    "tel",
  ],
  email: ["البريد", "البريد الالكتروني", "الايميل", "ايميل", "email", "e-mail", "email address"],
  source: ["المصدر", "مصدر", "source", "lead source"],
  status: ["الحاله", "حاله", "status", "lead status"],
  tags: ["الوسوم", "وسوم", "الوسم", "تصنيف", "tags", "tag", "labels"],
  notes: ["ملاحظات", "الملاحظات", "ملاحظه", "notes", "note", "comments"],
};

const FIELD_BY_WORD = new Map(
  Object.entries(HEADER_WORDS).flatMap(([field, words]) =>
    words.map((word) => [normaliseText(word), field as ImportField] as const),
  ),
);

const headerWord = (header: string) =>
  normaliseText(header).replace(/[_*:]/g, " ").replace(/\s+/g, " ").trim();

/**
 * A mapping guessed from the headers: each field at most once, the first column that names it.
 * A header that is an active contact custom field's Arabic or English label (or its key) maps to
 * `custom.<key>`; the built-in fields' words come first.
 */
export function suggestMapping(
  headers: string[],
  customFields: readonly { key: string; labelAr: string; labelEn: string; archivedAt: number | null }[] = [],
): ImportMapping {
  const customByWord = new Map<string, CustomTarget>();
  for (const field of customFields) {
    if (field.archivedAt !== null) continue;
    for (const word of [field.labelAr, field.labelEn, field.key]) {
      const normalised = headerWord(word);
      if (normalised && !customByWord.has(normalised)) customByWord.set(normalised, `custom.${field.key}`);
    }
  }
  const mapping: ImportMapping = {};
  const taken = new Set<string>();
  headers.forEach((header, index) => {
    const word = headerWord(header);
    const target = FIELD_BY_WORD.get(word) ?? customByWord.get(word);
    if (target && !taken.has(target)) {
      mapping[String(index)] = target;
      taken.add(target);
    }
  });
  return mapping;
}
