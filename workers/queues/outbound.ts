import { type Db, dbFor } from "../../src/db/client";
import { type DeadLetterQueue, storeDeadLetters } from "../../src/dead-letters/dead-letters.service";
import { type Bindings, loadConfig } from "../../src/env";
import { markDeadLettered } from "../../src/messaging/messaging.repo";
import type { OutboundJob } from "../../src/messaging/messaging.service";
import { PacedError, RetryLaterError, sendQueuedMessage } from "../../src/messaging/outbound";
import { WHATSAPP_PACING, type WhatsAppPacing } from "../../src/messaging/pacing";
import { log } from "../../src/platform/logger";
import { createReporter } from "../../src/platform/reporter";
import { loadToucan } from "../../src/vendor/load-toucan";

/** The longest a send waits between attempts: an outage is retried at least every 10 minutes. */
const MAX_RETRY_DELAY_SECONDS = 600;

/** Exponential backoff: base, 2×base, 4×base … capped, with up to 20% jitter so retries spread out. */
export function retryDelaySeconds(base: number, attempts: number, hint: number | null) {
  // A base of 0 (the tests) retries at once, whatever the provider asked.
  if (base === 0) return 0;
  if (hint !== null) return Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(1, Math.ceil(hint)));
  const exponential = Math.min(MAX_RETRY_DELAY_SECONDS, base * 2 ** Math.max(0, attempts - 1));
  return Math.min(MAX_RETRY_DELAY_SECONDS, Math.round(exponential * (1 + Math.random() * 0.2)));
}

/**
 * The `outbound` queue: each job sends one stored message (src/messaging/outbound.ts). Jobs are
 * acked one by one; a provider outage retries the job with a growing delay until the queue's
 * max_retries, then it goes to outbound-dlq.
 *
 * A send Meta's pacing holds back on its first delivery is queued again as a new job after the
 * bucket's delay, not retried: retry() would spend one of the job's 9 attempts each time, so an
 * agent's burst of replies to one customer (each waiting 6 s behind the previous one) would end in
 * the dead-letter queue although nothing failed. A job already retried after a failure is retried
 * again instead, keeping its count: a new job would restart it, and during an outage (when every
 * message comes back at once and the number's bucket holds some back) messages would take far
 * longer than max_retries to reach the dead-letter queue. Only if the enqueue fails is a
 * first delivery retried.
 */
export async function consumeOutbound(
  batch: MessageBatch<OutboundJob>,
  env: Bindings,
  ctx: ExecutionContext,
  pacing: WhatsAppPacing = WHATSAPP_PACING,
) {
  const config = loadConfig(env);
  const reporter = createReporter({
    config,
    context: ctx,
    tags: { job: "outbound" },
    loadSentry: loadToucan,
  });
  await Promise.all(
    batch.messages.map(async (message) => {
      const started = Date.now();
      const { tenantId, messageId } = message.body;
      try {
        const outcome = await sendQueuedMessage(env, config, message.body, Date.now(), pacing);
        log("info", "job", {
          job: "outbound",
          tenantId,
          messageId,
          outcome,
          attempts: message.attempts,
          ms: Date.now() - started,
        });
        message.ack();
      } catch (error) {
        if (error instanceof PacedError) {
          await deferPaced(env, message, error.delaySeconds ?? 1);
          return;
        }
        if (!(error instanceof RetryLaterError)) reporter.captureException(error);
        const hint = error instanceof RetryLaterError ? error.delaySeconds : null;
        const delaySeconds = retryDelaySeconds(config.QUEUE_RETRY_BASE_SECONDS, message.attempts, hint);
        log("warn", "job", {
          job: "outbound",
          tenantId,
          messageId,
          outcome: "retry",
          reason: error instanceof RetryLaterError ? error.reason : "error",
          attempts: message.attempts,
          delaySeconds,
        });
        message.retry({ delaySeconds });
      }
    }),
  );
}

// The bucket's own delay, even where QUEUE_RETRY_BASE_SECONDS is 0 (the tests): retrying a paced
// send at once would only find the bucket still empty.
async function deferPaced(env: Bindings, message: Message<OutboundJob>, delaySeconds: number) {
  const { tenantId, messageId } = message.body;
  let requeued = false;
  if (message.attempts <= 1) {
    try {
      await env.OUTBOUND_QUEUE.send(message.body, { delaySeconds });
      message.ack();
      requeued = true;
    } catch (error) {
      log("warn", "outbound requeue failed", {
        tenantId,
        messageId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (!requeued) message.retry({ delaySeconds });
  log("info", "job", {
    job: "outbound",
    tenantId,
    messageId,
    outcome: requeued ? "paced" : "retry",
    reason: "paced",
    attempts: message.attempts,
    delaySeconds,
  });
}

/**
 * What the dead-letter store keeps of a dead send: the job is ids only (the phone and text are
 * re-read from D1 when it is sent), so it is stored as it is and a retry re-enqueues it unchanged.
 */
export const outboundDeadLetters: DeadLetterQueue<OutboundJob> = {
  queue: "outbound",
  // wrangler.toml: max_retries = 8 for the outbound consumer.
  attempts: 9,
  minimise: ({ tenantId, messageId }) => ({ tenantId, messageId }) satisfies OutboundJob,
};

/**
 * What `outbound-dlq` does with dead sends: stores them in the dead-letter store, then marks each
 * message dead_lettered (it stays queued until an operator retries it from the dead-letter page;
 * the job then goes back to `outbound`, whose claim on the row still keeps it from being sent
 * twice). Storing comes first and is idempotent, so a redelivered batch is stored once.
 */
export async function deadLetterOutboundJobs(
  db: Db,
  jobs: readonly { id: string; body: OutboundJob }[],
  now = Date.now(),
) {
  await storeDeadLetters(db, outboundDeadLetters, jobs, now);
  for (const job of jobs) {
    const { tenantId, messageId } = job.body;
    await db.batch([markDeadLettered(db, tenantId, messageId, now)]);
    log("error", "job", { job: "outbound_dead_letter", tenantId, messageId, queueMessageId: job.id });
  }
}

/** `outbound-dlq`: each dead send is stored and marked (deadLetterOutboundJobs), then acked. */
export async function consumeOutboundDeadLetters(
  batch: MessageBatch<OutboundJob>,
  env: Bindings,
  _ctx: ExecutionContext,
) {
  await deadLetterOutboundJobs(dbFor(env.DB), batch.messages);
  for (const message of batch.messages) message.ack();
}
