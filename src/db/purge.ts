import { inArray, lte, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

const BATCH_SIZE = 500;
const MAX_BATCHES = 40;

/**
 * Deletes rows whose expiry has passed, in bounded batches so one run stays well inside D1's
 * per-query time and the Worker's per-invocation query limit; anything left goes next run.
 */
export async function purgeExpiredRows(db: Db, table: SQLiteTable, expiresAt: SQLiteColumn, now: number) {
  let purged = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const expired = db
      .select({ rowid: sql<number>`rowid` })
      .from(table)
      .where(lte(expiresAt, now))
      .limit(BATCH_SIZE);
    const result = await db.delete(table).where(inArray(sql`rowid`, expired));
    purged += result.meta.changes;
    if (result.meta.changes < BATCH_SIZE) break;
  }
  return purged;
}
