import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Messages that exhausted their queue's retries, stored by each dead-letter queue's consumer so an
 * operator can see, retry or purge them. Not tenant data: the body names the tenant where the
 * message did. The body is the producer's minimised form (src/dead-letters/dead-letters.service.ts):
 * ids enough to retry, no free text or phones.
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    /** The source queue ("imports"), where a retry re-enqueues the body. */
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    body: text("body", { mode: "json" }).$type<unknown>().notNull(),
    /** Deliveries the source queue made before giving up (max_retries + 1). */
    attempts: integer("attempts").notNull(),
    lastError: text("last_error").notNull(),
    deadAt: integer("dead_at").notNull(),
    /** Set once, when an operator's retry re-enqueued it: a message is never re-enqueued twice. */
    retriedAt: integer("retried_at"),
  },
  (t) => [
    // A dead-letter queue delivers at least once: its redelivery is stored once. The message id
    // leads so the planner never takes this index for a per-queue list or count.
    uniqueIndex("dead_letters_message_queue").on(t.messageId, t.queue),
    // The operator's list per queue, newest first, and the per-queue totals.
    index("dead_letters_queue_time").on(t.queue, t.deadAt, t.id),
    // What a retry picks up, oldest first, and the per-queue count still waiting.
    index("dead_letters_waiting").on(t.queue, t.deadAt, t.id).where(sql`${t.retriedAt} IS NULL`),
  ],
);
