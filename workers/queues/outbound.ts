import { dbFor } from "../../src/db/client";
import { type DeadLetterQueue, storeDeadLetters } from "../../src/dead-letters/dead-letters.service";
import { type Bindings, loadConfig } from "../../src/env";
import { markDeadLettered } from "../../src/messaging/messaging.repo";
import type { OutboundJob } from "../../src/messaging/messaging.service";
import { RetryLaterError, sendQueuedMessage } from "../../src/messaging/outbound";
import { log } from "../../src/platform/logger";
import { createReporter } from "../../src/platform/reporter";
import { loadToucan } from "../../src/vendor/load-toucan";

/** The longest a send waits between attempts: an outage is retried at least every 10 minutes. */
const MAX_RETRY_DELAY_SECONDS = 600;

/** Exponential backoff: base, 2×base, 4×base … capped, with up to 20% jitter so retries spread out. */
export function retryDelaySeconds(base: number, attempts: number, hint: number | null) {
  if (hint !== null) return Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(1, Math.ceil(hint)));
  const exponential = Math.min(MAX_RETRY_DELAY_SECONDS, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 + Math.random() * 0.2));
}

/**
 * The `outbound` queue: each job sends one stored message (src/messaging/outbound.ts). Jobs are
 * acked one by one; a provider outage retries the job with a growing delay until the queue's
 * max_retries, then it goes to outbound-dlq.
 */
export async function consumeOutbound(
  batch: MessageBatch<OutboundJob>,
  env: Bindings,
  ctx: ExecutionContext,
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
        const outcome = await sendQueuedMessage(env, config, message.body);
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
        if (!(error instanceof RetryLaterError)) reporter.captureException(error);
        const hint = error instanceof RetryLaterError ? error.delaySeconds : null;
        const delaySeconds =
          config.QUEUE_RETRY_BASE_SECONDS === 0
            ? 0
            : retryDelaySeconds(config.QUEUE_RETRY_BASE_SECONDS, message.attempts, hint);
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

/**
 * How `outbound-dlq` stores a job in the dead-letter store: the job is two ids and nothing else
 * (the text and the phone stay in D1's messages row), so minimising keeps exactly those.
 */
export const outboundDeadLetters: DeadLetterQueue<OutboundJob> = {
  queue: "outbound",
  // wrangler.toml: max_retries = 8 for the outbound consumer.
  attempts: 9,
  minimise: (job) => ({ tenantId: job.tenantId, messageId: job.messageId }),
};

/**
 * `outbound-dlq`: a send that exhausted its retries is stored in the dead-letter store (for an
 * operator to retry or purge) and stays queued, marked dead_lettered, until then; a retry sends the
 * job back to `outbound`. Storing comes first and is idempotent, so a redelivered batch is stored once.
 */
export async function consumeOutboundDeadLetters(
  batch: MessageBatch<OutboundJob>,
  env: Bindings,
  _ctx: ExecutionContext,
) {
  const db = dbFor(env.DB);
  const now = Date.now();
  await storeDeadLetters(db, outboundDeadLetters, batch.messages, now);
  for (const message of batch.messages) {
    const { tenantId, messageId } = message.body;
    await db.batch([markDeadLettered(db, tenantId, messageId, now)]);
    log("error", "job", { job: "outbound_dead_letter", tenantId, messageId, queueMessageId: message.id });
    message.ack();
  }
}
