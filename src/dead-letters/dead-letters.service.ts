import type { Db } from "../db/client";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import {
  chunked,
  claimOldestWaiting,
  claimWaiting,
  type DeadLetterRow,
  deleteByIds,
  deleteSome,
  INSERT_PARAMETERS,
  insertDeadLetters,
  listByQueue,
  releaseClaim,
  totalsByQueue,
  waitingByQueue,
} from "./dead-letters.repo";

/**
 * What the producer of a queue tells the dead-letter store about its messages.
 *
 * The rule for `minimise`: keep what a retry needs to redo the work (ids, row ranges, kinds) and
 * drop anything the consumer can read again from D1 by those ids: message text, phone numbers,
 * emails, names. A dead letter can sit for weeks and is shown to platform operators, who need to
 * see what failed, not whom it concerned (PDPL data minimisation). A retry re-enqueues exactly the
 * minimised body, so the consumer must accept it. What a retry needs but must not sit in clear (a
 * provider's payload with phones and text) is sealed by `minimise` and opened by the consumer.
 */
export interface DeadLetterQueue<Body> {
  /** The source queue: where the letters came from and where a retry sends them. */
  readonly queue: string;
  /** Deliveries the source queue makes before giving up: its max_retries + 1 in wrangler.toml. */
  readonly attempts: number;
  readonly minimise: (body: Body) => unknown | Promise<unknown>;
}

/** The producers a retry may send to, by source queue name. */
export type DeadLetterProducers = Readonly<Record<string, Queue<unknown> | undefined>>;

export type DeadLetter = DeadLetterRow;

// Cloudflare Queues moves a message to the dead-letter queue without the error its consumer threw,
// so this is all the store can say; the error itself is in the source consumer's log line and in
// Sentry, found by the message id.
export const EXHAUSTED_RETRIES = "exhausted retries (the error is in the source consumer's log and Sentry)";

/** Letters a retry claims and sends at a time: one claim statement, one sendBatch (max 100 messages). */
const RETRY_CHUNK = 100;
/** Letters a purge deletes per statement, so a big purge never holds D1 in one long statement. */
const PURGE_CHUNK = 500;
/** Letters one call re-enqueues at most: a long drain is a page calling again and showing `waiting`. */
export const MAX_RETRY_PER_CALL = 1_000;

/**
 * Stores the dead messages of `source`'s dead-letter queue, minimised. A message already stored
 * (the DLQ redelivered it) is stored once. Returns how many were new.
 */
export async function storeDeadLetters<Body>(
  db: Db,
  source: DeadLetterQueue<Body>,
  messages: readonly { id: string; body: Body }[],
  now = Date.now(),
): Promise<number> {
  const rows: DeadLetterRow[] = await Promise.all(
    messages.map(async (message) => ({
      id: newId(idPrefixes.deadLetter),
      queue: source.queue,
      messageId: message.id,
      body: await source.minimise(message.body),
      attempts: source.attempts,
      lastError: EXHAUSTED_RETRIES,
      deadAt: now,
      retriedAt: null,
    })),
  );
  const statements = chunked(rows, INSERT_PARAMETERS).map((chunk) => insertDeadLetters(db, chunk));
  const [first, ...rest] = statements;
  if (!first) return 0;
  const results = await db.batch([first, ...rest]);
  return results.reduce((stored, inserted) => stored + inserted.length, 0);
}

/** Per source queue: letters stored and those not retried yet. */
export async function countByQueue(db: Db): Promise<{ queue: string; total: number; waiting: number }[]> {
  const [totals, waiting] = await db.batch([totalsByQueue(db), waitingByQueue(db)]);
  const waitingOf = new Map(waiting.map((row) => [row.queue, row.waiting]));
  return totals.map((row) => ({
    queue: row.queue,
    total: row.total,
    waiting: waitingOf.get(row.queue) ?? 0,
  }));
}

/** One page of a queue's letters, newest first (cursor pagination as every list). */
export async function listDeadLetters(db: Db, queue: string, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const rows = await listByQueue(db, queue, after, limit);
  return toPage(rows, limit, (row) => ({ sort: row.deadAt, id: row.id }));
}

export interface RetryProgress {
  /** Re-enqueued by this call. */
  retried: number;
  /** Claimed but not sent (the queue refused): released, so a later retry sends them. */
  failed: number;
  /** Selected ids that were not waiting: retried before, purged, or of another queue. */
  skipped: number;
  /** The queue's letters still waiting after this call. */
  waiting: number;
}

/**
 * Re-enqueues the selected letters of `queue` to that queue, each ONCE: a chunk of letters is
 * claimed (marked retried) by one conditional UPDATE … RETURNING before it is sent, so two retries
 * running at once never send the same letter. If sending fails after the claim, the claim is
 * released and the call stops: those letters wait for the next retry, and nothing was sent twice
 * (a send that failed enqueued nothing). `"all"` re-enqueues at most MAX_RETRY_PER_CALL letters,
 * oldest first; `waiting` tells the caller whether to call again.
 */
export async function retryDeadLetters(
  db: Db,
  producers: DeadLetterProducers,
  queue: string,
  selection: readonly string[] | "all",
  now = Date.now(),
): Promise<RetryProgress> {
  const producer = producers[queue];
  if (!producer) throw new ApiError("NOT_FOUND", `No queue named "${queue}" takes retries.`);
  const progress: RetryProgress = { retried: 0, failed: 0, skipped: 0, waiting: 0 };

  const sendClaimed = async (letters: { id: string; body: unknown }[]) => {
    if (letters.length === 0) return true;
    try {
      await producer.sendBatch(letters.map((letter) => ({ body: letter.body })));
    } catch {
      await releaseClaim(
        db,
        letters.map((letter) => letter.id),
        now,
      );
      progress.failed += letters.length;
      return false;
    }
    progress.retried += letters.length;
    return true;
  };

  if (selection === "all") {
    while (progress.retried < MAX_RETRY_PER_CALL) {
      const letters = await claimOldestWaiting(
        db,
        queue,
        now,
        Math.min(RETRY_CHUNK, MAX_RETRY_PER_CALL - progress.retried),
      );
      if (letters.length === 0 || !(await sendClaimed(letters))) break;
    }
  } else {
    const ids = [...new Set(selection)];
    // Two parameters besides the ids: the queue and the claim time.
    for (const chunk of chunked(ids, 1, 2)) {
      const letters = await claimWaiting(db, queue, chunk, now);
      progress.skipped += chunk.length - letters.length;
      if (!(await sendClaimed(letters))) break;
    }
  }
  const [row] = await waitingByQueue(db, queue);
  progress.waiting = row?.waiting ?? 0;
  return progress;
}

/** Deletes the selected letters of `queue` (or all of them); returns how many were deleted. */
export async function purgeDeadLetters(
  db: Db,
  queue: string,
  selection: readonly string[] | "all",
): Promise<number> {
  let purged = 0;
  if (selection === "all") {
    for (;;) {
      const deleted = await deleteSome(db, queue, PURGE_CHUNK);
      purged += deleted.length;
      if (deleted.length < PURGE_CHUNK) return purged;
    }
  }
  for (const chunk of chunked([...new Set(selection)], 1, 1)) {
    purged += (await deleteByIds(db, queue, chunk)).length;
  }
  return purged;
}
