import { type Bindings, loadConfig } from "../../src/env";
import { processWhatsAppWebhook, UnmatchedStatusError, type WebhookJob } from "../../src/messaging/inbound";
import { log } from "../../src/platform/logger";
import { createReporter } from "../../src/platform/reporter";
import { loadToucan } from "../../src/vendor/load-toucan";
import { retryDelaySeconds } from "./outbound";

/**
 * The `webhooks` queue: each job is one verified provider webhook. Applying one is idempotent
 * (inbound messages are stored once per wamid, statuses only move forward), so a redelivery is
 * harmless. Jobs of one batch run one after another: a contact's messages keep their order.
 */
export async function consumeWebhooks(batch: MessageBatch<WebhookJob>, env: Bindings, ctx: ExecutionContext) {
  const config = loadConfig(env);
  const reporter = createReporter({
    config,
    context: ctx,
    tags: { job: "webhooks" },
    loadSentry: loadToucan,
  });
  for (const message of batch.messages) {
    const job = message.body;
    const started = Date.now();
    try {
      const result = await processWhatsAppWebhook(env, job, message.attempts);
      log("info", "job", {
        job: "webhooks",
        provider: job.provider,
        tenantId: job.tenantId,
        ...result,
        ms: Date.now() - started,
      });
      message.ack();
    } catch (error) {
      if (!(error instanceof UnmatchedStatusError)) reporter.captureException(error);
      const delaySeconds =
        config.QUEUE_RETRY_BASE_SECONDS === 0
          ? 0
          : retryDelaySeconds(config.QUEUE_RETRY_BASE_SECONDS, message.attempts, null);
      log("warn", "job", {
        job: "webhooks",
        tenantId: job.tenantId,
        outcome: "retry",
        attempts: message.attempts,
        delaySeconds,
      });
      message.retry({ delaySeconds });
    }
  }
}

/** `webhooks-dlq`: recorded for operators (the payload stays in the dead-letter store for a retry). */
export async function consumeWebhookDeadLetters(
  batch: MessageBatch<WebhookJob>,
  _env: Bindings,
  _ctx: ExecutionContext,
) {
  for (const message of batch.messages) {
    log("error", "job", {
      job: "webhooks_dead_letter",
      tenantId: message.body.tenantId,
      queueMessageId: message.id,
    });
    message.ack();
  }
}
