import { and, asc, count, desc, eq, getTableColumns, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import { deadLetters } from "./dead-letters.schema";

export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** D1 refuses a statement with more than 100 bound parameters. */
const MAX_PARAMETERS = 100;

/** Splits `items` so a statement binding `perItem` parameters each, plus `fixed` others, fits D1's limit. */
export function chunked<T>(items: readonly T[], perItem: number, fixed = 0): T[][] {
  const size = Math.max(1, Math.floor((MAX_PARAMETERS - fixed) / perItem));
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Columns bound per inserted row: every column of the table. */
export const INSERT_PARAMETERS = Object.keys(getTableColumns(deadLetters)).length;

/** Inserts the rows, skipping any whose (queue, message id) is stored already; returns the new ids. */
export const insertDeadLetters = (db: Db, rows: DeadLetterRow[]) =>
  db
    .insert(deadLetters)
    .values(rows)
    .onConflictDoNothing({ target: [deadLetters.messageId, deadLetters.queue] })
    .returning({ id: deadLetters.id });

/** Letters per queue, and those still waiting for a retry, each read from an index alone. */
export const totalsByQueue = (db: Db) =>
  db.select({ queue: deadLetters.queue, total: count() }).from(deadLetters).groupBy(deadLetters.queue);

export const waitingByQueue = (db: Db, queue?: string) =>
  db
    .select({ queue: deadLetters.queue, waiting: count() })
    .from(deadLetters)
    .where(and(isNull(deadLetters.retriedAt), queue === undefined ? undefined : eq(deadLetters.queue, queue)))
    .groupBy(deadLetters.queue);

export const listByQueue = (db: Db, queue: string, after: CursorPosition | null, limit: number) =>
  db
    .select()
    .from(deadLetters)
    .where(
      and(eq(deadLetters.queue, queue), continuingAfter(deadLetters.deadAt, deadLetters.id, after, "desc")),
    )
    .orderBy(desc(deadLetters.deadAt), desc(deadLetters.id))
    .limit(limit + 1);

const claimed = { id: deadLetters.id, body: deadLetters.body };

/**
 * Marks up to `limit` of the queue's waiting letters retried, oldest first, and returns them. One
 * statement, so two retries running at once can never both claim a letter.
 */
export const claimOldestWaiting = (db: Db, queue: string, now: number, limit: number) =>
  db
    .update(deadLetters)
    .set({ retriedAt: now })
    .where(
      and(
        isNull(deadLetters.retriedAt),
        inArray(
          deadLetters.id,
          db
            .select({ id: deadLetters.id })
            .from(deadLetters)
            .where(and(eq(deadLetters.queue, queue), isNull(deadLetters.retriedAt)))
            .orderBy(asc(deadLetters.deadAt), asc(deadLetters.id))
            .limit(limit),
        ),
      ),
    )
    .returning(claimed);

/** As claimOldestWaiting, for the given ids of the queue (those not waiting are left out). */
export const claimWaiting = (db: Db, queue: string, ids: string[], now: number) =>
  db
    .update(deadLetters)
    .set({ retriedAt: now })
    .where(and(eq(deadLetters.queue, queue), isNull(deadLetters.retriedAt), inArray(deadLetters.id, ids)))
    .returning(claimed);

/** Undoes a claim whose messages could not be sent, so a later retry picks them up again. */
export const releaseClaim = (db: Db, ids: string[], claimedAt: number) =>
  db
    .update(deadLetters)
    .set({ retriedAt: null })
    .where(and(inArray(deadLetters.id, ids), eq(deadLetters.retriedAt, claimedAt)));

export const deleteByIds = (db: Db, queue: string, ids: string[]) =>
  db
    .delete(deadLetters)
    .where(and(eq(deadLetters.queue, queue), inArray(deadLetters.id, ids)))
    .returning({ id: deadLetters.id });

/** Deletes up to `limit` of the queue's letters: a bounded statement however many there are. */
export const deleteSome = (db: Db, queue: string, limit: number) =>
  db
    .delete(deadLetters)
    .where(
      inArray(
        deadLetters.id,
        db.select({ id: deadLetters.id }).from(deadLetters).where(eq(deadLetters.queue, queue)).limit(limit),
      ),
    )
    .returning({ id: deadLetters.id });
