import { asc, desc, eq, getTableColumns, gt, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { contactPhones, contacts, contactTags } from "../contacts/contacts.schema";
import { crmSettings } from "../crm/crm.schema";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { type DuplicateAction, type ImportMapping, importRows, imports } from "./imports.schema";

export type ImportRow = typeof imports.$inferSelect;
export type Statement = BatchItem<"sqlite">;

/** D1 refuses a statement with more than 100 bound parameters. */
const MAX_PARAMETERS = 100;

/** Splits rows for multi-row inserts so each statement stays within D1's parameter limit. */
export function chunksFor<T extends object>(rows: T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columnsPerRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}

export const insertImport = (scope: TenantScope, row: Omit<typeof imports.$inferInsert, "tenantId">) =>
  scope.db.insert(imports).values({ ...row, tenantId: scope.tenantId });

// Raw rows are stored as JSON arrays read back by json_each, so a statement carries four
// parameters whatever the number of rows; ROWS_JSON_BYTES keeps each well under D1's size limits.
const ROWS_JSON_BYTES = 400_000;

/** The statements that store an upload's rows, numbered from 1. */
export function insertRawRows(scope: TenantScope, importId: string, rows: string[][]): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  while (start < rows.length) {
    let end = start;
    let bytes = 0;
    while (end < rows.length && (end === start || bytes < ROWS_JSON_BYTES)) {
      bytes += JSON.stringify(rows[end]).length * 2;
      end++;
    }
    const json = JSON.stringify(rows.slice(start, end));
    statements.push(
      scope.db
        .insert(importRows)
        .select(
          sql`SELECT ${scope.tenantId}, ${importId}, ${start + 1} + key, value, 'pending', NULL, NULL, NULL FROM json_each(${json})`,
        ),
    );
    start = end;
  }
  return statements;
}

export const importById = (scope: TenantScope, id: string, visible?: SQL) =>
  scope.db
    .select()
    .from(imports)
    .where(scope.where(imports.tenantId, eq(imports.id, id), visible));

/** A page of imports, newest first (the tenant's created-at index, read backwards). */
export const listImports = (scope: TenantScope, after: CursorPosition | null, limit: number, visible?: SQL) =>
  scope.db
    .select()
    .from(imports)
    .where(
      scope.where(imports.tenantId, visible, continuingAfter(imports.createdAt, imports.id, after, "desc")),
    )
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(limit + 1);

/** The first rows of an upload, for the mapping step's preview. */
export const firstRows = (scope: TenantScope, importId: string, limit: number) =>
  scope.db
    .select({ rowNumber: importRows.rowNumber, raw: importRows.raw })
    .from(importRows)
    .where(scope.where(importRows.tenantId, eq(importRows.importId, importId)))
    .orderBy(asc(importRows.rowNumber))
    .limit(limit);

/** Saves the mapping while the import has not started; no row comes back once it has. */
export const saveMapping = (
  scope: TenantScope,
  id: string,
  mapping: ImportMapping,
  duplicateAction: DuplicateAction,
  now: number,
  visible?: SQL,
) =>
  scope.db
    .update(imports)
    .set({ mapping, duplicateAction, status: "mapped", updatedAt: now })
    .where(
      scope.where(
        imports.tenantId,
        eq(imports.id, id),
        inArray(imports.status, ["uploaded", "mapped"]),
        visible,
      ),
    )
    .returning({ id: imports.id });

/** uploaded/mapped → queued, once: a second start (or a start racing another) changes nothing. */
export const markQueued = (scope: TenantScope, id: string, now: number, visible?: SQL) =>
  scope.db
    .update(imports)
    .set({ status: "queued", startedAt: now, updatedAt: now })
    .where(scope.where(imports.tenantId, eq(imports.id, id), eq(imports.status, "mapped"), visible))
    .returning({ id: imports.id });

/** A page of the rows that failed validation, by row number. */
export const failedRows = (scope: TenantScope, importId: string, afterRow: number, limit: number) =>
  scope.db
    .select({ rowNumber: importRows.rowNumber, raw: importRows.raw, error: importRows.error })
    .from(importRows)
    .where(
      scope.where(
        importRows.tenantId,
        eq(importRows.importId, importId),
        eq(importRows.status, "failed"),
        gt(importRows.rowNumber, afterRow),
      ),
    )
    .orderBy(asc(importRows.rowNumber))
    .limit(limit + 1);

/** Every row's raw values, for finding repeats within the file before the chunks run. */
export const allRawRows = (scope: TenantScope, importId: string) =>
  scope.db
    .select({ rowNumber: importRows.rowNumber, raw: importRows.raw })
    .from(importRows)
    .where(scope.where(importRows.tenantId, eq(importRows.importId, importId)))
    .orderBy(asc(importRows.rowNumber));

/** Marks rows that repeat an earlier row of the file (same statement shape as insertRawRows). */
export function markRepeats(scope: TenantScope, importId: string, repeats: [row: number, of: number][]) {
  const statements: Statement[] = [];
  for (let start = 0; start < repeats.length; start += 2000) {
    const json = JSON.stringify(repeats.slice(start, start + 2000));
    const repeatOf = sql`(SELECT json_extract(r.value, '$[1]') FROM json_each(${json}) AS r WHERE json_extract(r.value, '$[0]') = ${importRows.rowNumber})`;
    statements.push(
      scope.db
        .update(importRows)
        .set({ duplicateOfRow: repeatOf })
        .where(
          scope.where(
            importRows.tenantId,
            eq(importRows.importId, importId),
            sql`${importRows.rowNumber} IN (SELECT json_extract(value, '$[0]') FROM json_each(${json}))`,
          ),
        ),
    );
  }
  return statements;
}

/** queued → processing, once; the chunk messages are sent after it. */
export const markProcessing = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(imports)
    .set({ status: "processing", updatedAt: now })
    .where(scope.where(imports.tenantId, eq(imports.id, id), eq(imports.status, "queued")))
    .returning({ id: imports.id });

/** The first row number of each chunk that still has rows to process (a resend after a crash). */
export const pendingRowNumbers = (scope: TenantScope, importId: string) =>
  scope.db
    .select({ rowNumber: importRows.rowNumber })
    .from(importRows)
    .where(
      scope.where(importRows.tenantId, eq(importRows.importId, importId), eq(importRows.status, "pending")),
    )
    .orderBy(asc(importRows.rowNumber));

export const chunkRows = (scope: TenantScope, importId: string, fromRow: number, toRow: number) =>
  scope.db
    .select()
    .from(importRows)
    .where(
      scope.where(
        importRows.tenantId,
        eq(importRows.importId, importId),
        sql`${importRows.rowNumber} BETWEEN ${fromRow} AND ${toRow}`,
      ),
    )
    .orderBy(asc(importRows.rowNumber));

/**
 * Stored contacts that share a phone, an email or a name key with any row of a chunk, with their
 * phones; the lists travel as JSON so the statement has a handful of parameters however many
 * rows the chunk has.
 */
export function storedMatches(
  scope: TenantScope,
  probe: { phones: string[]; emails: string[]; nameKeys: string[] },
) {
  const inJson = (column: SQL | SQLiteColumn, values: string[]) =>
    sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
  return scope.db
    .select({
      ...getTableColumns(contacts),
      phonesJson: sql<string>`(SELECT json_group_array(${contactPhones.phone}) FROM ${contactPhones} WHERE ${contactPhones.contactId} = ${contacts.id})`,
    })
    .from(contacts)
    .where(
      scope.where(
        contacts.tenantId,
        isNull(contacts.mergedIntoId),
        or(
          sql`${contacts.id} IN (SELECT ${contactPhones.contactId} FROM ${contactPhones} WHERE ${contactPhones.tenantId} = ${scope.tenantId} AND ${inJson(sql`${contactPhones.phone}`, probe.phones)})`,
          inJson(contacts.email, probe.emails),
          inJson(contacts.nameKey, probe.nameKeys),
        ),
      ),
    )
    .orderBy(asc(contacts.createdAt), asc(contacts.id));
}

export type ContactInsert = typeof contacts.$inferInsert;

// Every column is given, so each row costs exactly this many parameters.
const CONTACT_COLUMNS = Object.keys(getTableColumns(contacts)).length;

export const insertContacts = (scope: TenantScope, rows: ContactInsert[]) =>
  chunksFor(rows, CONTACT_COLUMNS).map((chunk) => scope.db.insert(contacts).values(chunk));

export const insertPhoneRows = (scope: TenantScope, rows: (typeof contactPhones.$inferInsert)[]) =>
  chunksFor(rows, 4).map((chunk) => scope.db.insert(contactPhones).values(chunk).onConflictDoNothing());

export const insertTagRows = (scope: TenantScope, rows: (typeof contactTags.$inferInsert)[]) =>
  chunksFor(rows, 3).map((chunk) => scope.db.insert(contactTags).values(chunk).onConflictDoNothing());

/**
 * An "update" of a stored duplicate: the row's non-empty values win; phones and tags are added;
 * custom values are merged into the stored ones (json_patch, in SQL, so two rows of a chunk
 * updating one contact both count).
 */
export const updateMatchedContact = (
  scope: TenantScope,
  id: string,
  {
    custom,
    ...changes
  }: Partial<
    Pick<ContactInsert, "name" | "nameNorm" | "nameKey" | "email" | "status" | "notes" | "phone">
  > & {
    custom: Record<string, unknown>;
  },
  now: number,
) =>
  scope.db
    .update(contacts)
    .set({
      ...changes,
      ...(Object.keys(custom).length > 0
        ? { custom: sql`json_patch(${contacts.custom}, ${JSON.stringify(custom)})` }
        : {}),
      phone: sql`COALESCE(${contacts.phone}, ${changes.phone ?? null})`,
      updatedAt: now,
      version: sql`${contacts.version} + 1`,
    })
    .where(scope.where(contacts.tenantId, eq(contacts.id, id)));

/**
 * Takes `count` round-robin turns at once, failing the batch (turn is NOT NULL) when another
 * create took a turn since `seenTurn` was read: the chunk is then retried with the new turn, so
 * imported and hand-made leads never share a turn.
 */
export const takeTurns = (scope: TenantScope, seenTurn: number, count: number, now: number) =>
  scope.db
    .update(crmSettings)
    .set({
      roundRobinTurn: sql`CASE WHEN ${crmSettings.roundRobinTurn} = ${seenTurn} THEN ${seenTurn + count} END`,
      updatedAt: now,
    })
    .where(eq(crmSettings.tenantId, scope.tenantId));

export interface ChunkOutcome {
  pending: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

/**
 * The chunk's counters, guarded: when any row of the chunk is no longer pending (another delivery
 * of the same message got there first) processed_rows would become NULL and the whole batch fails,
 * so nothing of this delivery is written twice.
 */
export const addChunkCounts = (
  scope: TenantScope,
  importId: string,
  rowNumbers: number[],
  outcome: ChunkOutcome,
  now: number,
) =>
  scope.db
    .update(imports)
    .set({
      processedRows: sql`CASE WHEN (SELECT COUNT(*) FROM ${importRows} WHERE ${importRows.importId} = ${importId}
        AND ${importRows.status} = 'pending'
        AND ${importRows.rowNumber} IN (SELECT value FROM json_each(${JSON.stringify(rowNumbers)}))) = ${outcome.pending}
        THEN ${imports.processedRows} + ${outcome.pending} END`,
      createdCount: sql`${imports.createdCount} + ${outcome.created}`,
      updatedCount: sql`${imports.updatedCount} + ${outcome.updated}`,
      skippedCount: sql`${imports.skippedCount} + ${outcome.skipped}`,
      errorCount: sql`${imports.errorCount} + ${outcome.failed}`,
      updatedAt: now,
    })
    .where(scope.where(imports.tenantId, eq(imports.id, importId)));

export const isAlreadyProcessedError = (error: unknown) =>
  error instanceof Error &&
  /NOT NULL constraint failed: imports\.processed_rows/.test(
    String(error.message) + String((error as { cause?: unknown }).cause ?? ""),
  );

export type RowResult = {
  rowNumber: number;
  status: "created" | "updated" | "skipped" | "failed";
  contactId: string | null;
  error: { field: string; code: string; message: string }[] | null;
};

/** Writes each row's outcome (the rows exist: an upsert is a multi-row update). */
export const saveRowResults = (scope: TenantScope, importId: string, results: RowResult[]) =>
  chunksFor(results, 7).map((chunk) =>
    scope.db
      .insert(importRows)
      .values(
        chunk.map((result) => ({
          tenantId: scope.tenantId,
          importId,
          rowNumber: result.rowNumber,
          raw: [],
          status: result.status,
          contactId: result.contactId,
          error: result.error,
        })),
      )
      .onConflictDoUpdate({
        target: [importRows.importId, importRows.rowNumber],
        set: {
          status: sql`excluded.status`,
          contactId: sql`excluded.contact_id`,
          error: sql`excluded.error`,
        },
      }),
  );

/** processing → done once every row is processed; the audit insert after it depends on it. */
export const finishIfComplete = (scope: TenantScope, importId: string, now: number) =>
  scope.db
    .update(imports)
    .set({ status: "done", finishedAt: now, updatedAt: now })
    .where(
      scope.where(
        imports.tenantId,
        eq(imports.id, importId),
        eq(imports.status, "processing"),
        sql`${imports.processedRows} >= ${imports.totalRows}`,
      ),
    );

export const markFailed = (scope: TenantScope, importId: string, reason: string, now: number) =>
  scope.db
    .update(imports)
    .set({ status: "failed", failureReason: reason, finishedAt: now, updatedAt: now })
    .where(
      scope.where(
        imports.tenantId,
        eq(imports.id, importId),
        inArray(imports.status, ["queued", "processing"]),
      ),
    )
    .returning({ id: imports.id });
