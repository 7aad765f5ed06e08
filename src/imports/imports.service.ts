import { eq } from "drizzle-orm";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import { hasRole } from "../platform/roles";
import {
  CsvError,
  decodeCsv,
  MAX_COLUMNS,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  parseCsv,
  suggestMapping,
} from "./csv";
import type { ImportMessage } from "./import-jobs";
import {
  failedRows,
  firstRows,
  type ImportRow,
  importById,
  insertImport,
  insertRawRows,
  listImports,
  markQueued,
  saveMapping,
} from "./imports.repo";
import {
  CUSTOM_TARGET_PREFIX,
  type DuplicateAction,
  IMPORT_FIELDS,
  type ImportMapping,
  imports,
  isCustomTarget,
} from "./imports.schema";

const PREVIEW_ROWS = 5;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const importView = (row: ImportRow) => ({
  id: row.id,
  status: row.status,
  fileName: row.fileName,
  encoding: row.encoding as "utf-8" | "utf-8-bom" | "windows-1256",
  headers: row.headers,
  mapping: row.mapping,
  duplicateAction: row.duplicateAction,
  totalRows: row.totalRows,
  processedRows: row.processedRows,
  createdCount: row.createdCount,
  updatedCount: row.updatedCount,
  skippedCount: row.skippedCount,
  errorCount: row.errorCount,
  failureReason: row.failureReason,
  createdAt: new Date(row.createdAt).toISOString(),
  startedAt: iso(row.startedAt),
  finishedAt: iso(row.finishedAt),
  rowsPurgedAt: iso(row.rowsPurgedAt),
});
export type ImportView = ReturnType<typeof importView>;

const notFound = () => new ApiError("NOT_FOUND", "No such import.");

/** Agents see their own imports; managers, owners and API keys see every import of the tenant. */
const visibleImports = (ctx: TenantContext) => {
  const { principal } = ctx;
  return principal.kind === "user" && !hasRole(principal.role, "manager")
    ? eq(imports.createdBy, principal.userId)
    : undefined;
};

const invalidFile = (code: string, message: string) =>
  new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "file", code, message }] });

/** The problem for a file that cannot be imported, in Arabic and English (people read it in the wizard). */
function fileProblem(error: CsvError): ApiError {
  const { problem } = error;
  switch (problem.kind) {
    case "empty":
      return invalidFile("empty", "الملف فارغ أو بلا صف عناوين. / The file is empty or has no header row.");
    case "not_text":
      return invalidFile(
        "not_csv",
        'هذا ليس ملف CSV؛ احفظه من Excel بصيغة "CSV UTF-8". / This is not a CSV file; save it from Excel as "CSV UTF-8".',
      );
    case "too_many_rows":
      return new ApiError(
        "PAYLOAD_TOO_LARGE",
        `الملف فيه ${problem.rows} صفاً والحد ${MAX_IMPORT_ROWS}؛ قسّمه إلى ملفات أصغر. / The file has ${problem.rows} rows; the limit is ${MAX_IMPORT_ROWS}. Split it into smaller files.`,
      );
    case "too_many_columns":
      return invalidFile(
        "too_many_columns",
        `The file has ${problem.columns} columns; at most ${MAX_COLUMNS} can be imported.`,
      );
    case "malformed":
      return invalidFile(
        "malformed",
        `تعذّرت قراءة الملف عند الصف ${problem.row}. / The file could not be read at row ${problem.row}: ${problem.message}`,
      );
  }
}

/**
 * Stores an uploaded CSV: decodes it (UTF-8 with or without BOM, else Windows-1256), parses it,
 * and writes the import and every raw row in one batch. Nothing is stored for a file that cannot
 * be read. Answers with a preview and a mapping guessed from the headers.
 */
export async function uploadImport(ctx: TenantContext, bytes: Uint8Array, fileName: string | null) {
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    throw new ApiError("PAYLOAD_TOO_LARGE", `The file must be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`);
  }
  let parsed: { headers: string[]; rows: string[][] };
  let encoding: string;
  try {
    const decoded = decodeCsv(bytes);
    encoding = decoded.encoding;
    parsed = parseCsv(decoded.text);
  } catch (error) {
    if (error instanceof CsvError) throw fileProblem(error);
    throw error;
  }
  if (parsed.rows.length === 0) {
    throw invalidFile("no_rows", "الملف فيه صف العناوين فقط. / The file has a header row but no data rows.");
  }
  const { scope, principal, actor, now } = ctx;
  const id = newId(idPrefixes.import);
  const [definitions] = await scope.read(() => [customFieldDefinitionsFor(scope, "contact")] as const);
  const suggestedMapping = suggestMapping(parsed.headers, definitions);
  await scope.write([
    insertImport(scope, {
      id,
      status: "uploaded",
      fileName,
      encoding,
      headers: parsed.headers,
      mapping: suggestedMapping,
      totalRows: parsed.rows.length,
      createdBy: actor.id,
      createdByType: actor.type,
      createdByRole: principal.kind === "user" ? principal.role : null,
      createdAt: now,
      updatedAt: now,
    }),
    ...insertRawRows(scope, id, parsed.rows),
  ]);
  const [[row]] = await scope.read(() => [importById(scope, id)] as const);
  if (!row) throw new Error("uploadImport: the import was not stored");
  return { import: importView(row), preview: parsed.rows.slice(0, PREVIEW_ROWS), suggestedMapping };
}

export async function getImport(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(() => [importById(ctx.scope, id, visibleImports(ctx))] as const);
  if (!row) throw notFound();
  return importView(row);
}

/** The import with the first rows and the active contact custom fields, for the wizard's pages. */
export async function importWithPreview(ctx: TenantContext, id: string) {
  const [[row], preview, definitions] = await ctx.scope.read(
    () =>
      [
        importById(ctx.scope, id, visibleImports(ctx)),
        firstRows(ctx.scope, id, PREVIEW_ROWS),
        customFieldDefinitionsFor(ctx.scope, "contact"),
      ] as const,
  );
  if (!row) throw notFound();
  return {
    import: importView(row),
    preview: preview.map((r) => r.raw),
    customFields: definitions.filter((field) => field.archivedAt === null),
  };
}

const mappingError = (message: string) =>
  new ApiError("VALIDATION_FAILED", message, {
    errors: [{ path: "mapping", code: "invalid_mapping", message }],
  });

/** A page of the imports the caller may see, newest first. */
export async function listImportsFor(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(
    () => [listImports(ctx.scope, after, limit, visibleImports(ctx))] as const,
  );
  const page = toPage(rows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return { data: page.data.map(importView), nextCursor: page.nextCursor };
}

/**
 * Sets the column mapping and duplicate action while the import has not started. A column maps to
 * a built-in field or to an active contact custom field (`custom.<key>`); every active required
 * custom field must be mapped, unless duplicates are updated (rows then mostly change stored
 * contacts, and a new contact without it fails on its own row).
 */
export async function setMapping(
  ctx: TenantContext,
  id: string,
  input: { mapping: Record<string, string>; duplicateAction: DuplicateAction },
) {
  const { scope, now } = ctx;
  const [[current], definitions] = await scope.read(
    () => [importById(scope, id, visibleImports(ctx)), customFieldDefinitionsFor(scope, "contact")] as const,
  );
  if (!current) throw notFound();
  const fields = Object.values(input.mapping);
  if (Object.keys(input.mapping).some((column) => Number(column) >= current.headers.length)) {
    throw mappingError(`Columns are numbered 0 to ${current.headers.length - 1}.`);
  }
  const active = new Map(
    definitions.filter((field) => field.archivedAt === null).map((field) => [field.key, field]),
  );
  for (const field of fields) {
    if (isCustomTarget(field) && !active.has(field.slice(CUSTOM_TARGET_PREFIX.length))) {
      throw mappingError(`"${field}" is not an active contact custom field.`);
    }
    if (!isCustomTarget(field) && !(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw mappingError(`"${field}" is not a contact field.`);
    }
  }
  if (new Set(fields).size !== fields.length) throw mappingError("Map each field from one column only.");
  if (!fields.includes("name")) throw mappingError("Map a column to the name: every contact needs one.");
  if (input.duplicateAction !== "update") {
    const unmapped = [...active.values()].filter(
      (field) => field.required && !fields.includes(`${CUSTOM_TARGET_PREFIX}${field.key}`),
    );
    if (unmapped.length > 0) {
      throw mappingError(
        `Map a column to each required custom field: ${unmapped.map((field) => `${field.labelEn} (${field.labelAr})`).join(", ")}.`,
      );
    }
  }
  if (current.status !== "uploaded" && current.status !== "mapped") {
    throw new ApiError("CONFLICT", "This import has started; its mapping can no longer change.");
  }
  const [changed] = await scope.write([
    saveMapping(scope, id, input.mapping as ImportMapping, input.duplicateAction, now, visibleImports(ctx)),
  ]);
  if (changed.length === 0)
    throw new ApiError("CONFLICT", "This import has started; its mapping can no longer change.");
  return getImport(ctx, id);
}

/** Starts the background processing: one "prepare" message; the queue does the rest. */
export async function startImport(ctx: TenantContext, queue: Queue<ImportMessage>, id: string) {
  const { scope, now } = ctx;
  const [[current]] = await scope.read(() => [importById(scope, id, visibleImports(ctx))] as const);
  if (!current) throw notFound();
  if (current.status === "uploaded") {
    throw new ApiError("CONFLICT", "Set the column mapping first (PUT …/mapping).");
  }
  if (current.status !== "mapped") return importView(current);
  const [changed] = await scope.write([markQueued(scope, id, now, visibleImports(ctx))]);
  if (changed.length > 0) await queue.send({ kind: "prepare", tenantId: scope.tenantId, importId: id });
  return getImport(ctx, id);
}

/** A page of the rows that failed validation, in row order. */
export async function importErrors(
  ctx: TenantContext,
  id: string,
  cursor: string | undefined,
  limit: number,
) {
  const after = cursor ? Number(cursor) : 0;
  const [[row], rows] = await ctx.scope.read(
    () => [importById(ctx.scope, id, visibleImports(ctx)), failedRows(ctx.scope, id, after, limit)] as const,
  );
  if (!row) throw notFound();
  const data = rows
    .slice(0, limit)
    .map((r) => ({ rowNumber: r.rowNumber, values: r.raw, errors: r.error ?? [] }));
  const last = data.at(-1);
  return { data, nextCursor: rows.length > limit && last ? String(last.rowNumber) : null };
}
