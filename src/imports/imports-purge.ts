import { and, asc, eq, inArray, isNull, lte, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { importRows, imports } from "./imports.schema";

/**
 * How long an import keeps the raw values of its file after it finishes (done or failed). The
 * rows are personal data (names, phones, emails) already written to contacts, or refused; a
 * week is long enough to read the errors page and fix the file.
 */
export const IMPORT_ROWS_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

const BATCH_SIZE = 500;
const MAX_BATCHES = 40;
const IMPORTS_PER_LOOKUP = 10;

/** Finished imports whose rows are still stored, oldest first (the partial index imports_rows_to_purge). */
export const importsDueForPurge = (db: Db, finishedBefore: number) =>
  db
    .select({ id: imports.id })
    .from(imports)
    .where(and(isNull(imports.rowsPurgedAt), lte(imports.finishedAt, finishedBefore)))
    .orderBy(asc(imports.finishedAt))
    .limit(IMPORTS_PER_LOOKUP);

/** The reason an import never started shows once the purge has expired it. */
export const NOT_STARTED_REASON =
  "Not started within 7 days of the upload: the file's values were deleted. Upload the file again to import it.";

/** Imports uploaded but never started, older than the retention (the partial index imports_unstarted). */
export const unstartedImportsBefore = (db: Db, createdBefore: number) =>
  db
    .select({ id: imports.id })
    .from(imports)
    // Literal statuses, as in the index's WHERE: with bound ones SQLite cannot use the partial index.
    .where(and(sql`${imports.status} IN ('uploaded', 'mapped')`, lte(imports.createdAt, createdBefore)))
    .orderBy(asc(imports.createdAt))
    .limit(IMPORTS_PER_LOOKUP);

/**
 * Ends imports nobody started within the retention: they fail with NOT_STARTED_REASON, so they
 * can no longer be started, and become finished imports whose rows the purge then removes. The
 * status condition makes a start that wins the race keep its import.
 */
async function expireUnstartedImports(db: Db, now: number) {
  const due = await unstartedImportsBefore(db, now - IMPORT_ROWS_RETENTION_MS);
  if (due.length === 0) return 0;
  const expired = await db
    .update(imports)
    .set({
      status: "failed",
      failureReason: NOT_STARTED_REASON,
      finishedAt: now - IMPORT_ROWS_RETENTION_MS,
      updatedAt: now,
    })
    .where(
      and(
        inArray(
          imports.id,
          due.map(({ id }) => id),
        ),
        inArray(imports.status, ["uploaded", "mapped"]),
      ),
    )
    .returning({ id: imports.id });
  return expired.length;
}

/** A batch of an import's rows that are not errors: nothing shows them once the import is over. */
export const deleteProcessedRows = (db: Db, importId: string) =>
  db.delete(importRows).where(
    inArray(
      sql`rowid`,
      db
        .select({ rowid: sql<number>`rowid` })
        .from(importRows)
        .where(and(eq(importRows.importId, importId), ne(importRows.status, "failed")))
        .limit(BATCH_SIZE),
    ),
  );

/**
 * A batch of an import's rows in error, emptied of the file's values: the row number, the field
 * and the error code and message stay for the errors page (they hold no value from the file).
 */
export const blankFailedRows = (db: Db, importId: string) =>
  db
    .update(importRows)
    .set({ raw: [] })
    .where(
      inArray(
        sql`rowid`,
        db
          .select({ rowid: sql<number>`rowid` })
          .from(importRows)
          .where(
            and(
              eq(importRows.importId, importId),
              eq(importRows.status, "failed"),
              sql`${importRows.raw} <> '[]'`,
            ),
          )
          .limit(BATCH_SIZE),
      ),
    );

/**
 * Removes the raw CSV values of imports that finished more than IMPORT_ROWS_RETENTION_MS ago (and
 * of imports never started within it, first expired), in
 * bounded batches like the other purges (src/db/purge.ts); an import is marked purged once none
 * of its rows holds a value, and what is left over goes next run. Keeps the import itself (file
 * name, header, mapping, counters) and, for each row in error, its number and errors.
 */
export async function purgeImportRows(db: Db, now: number) {
  // Their finish is dated at the retention's cut-off, so the loop below takes their rows at once.
  const expiredImports = await expireUnstartedImports(db, now);
  let rows = 0;
  let purgedImports = 0;
  let batches = 0;
  while (batches < MAX_BATCHES) {
    const due = await importsDueForPurge(db, now - IMPORT_ROWS_RETENTION_MS);
    if (due.length === 0) break;
    for (const { id } of due) {
      let emptied = false;
      while (!emptied && batches < MAX_BATCHES) {
        batches++;
        const deleted = (await deleteProcessedRows(db, id)).meta.changes;
        const blanked = (await blankFailedRows(db, id)).meta.changes;
        rows += deleted + blanked;
        emptied = deleted < BATCH_SIZE && blanked < BATCH_SIZE;
      }
      if (!emptied) break;
      await db.update(imports).set({ rowsPurgedAt: now }).where(eq(imports.id, id));
      purgedImports++;
    }
  }
  return { importRows: rows, imports: purgedImports, expiredImports };
}
