import {
  type MoyasarWebhookJob,
  PaymentNotAppliedError,
  processMoyasarEvent,
} from "../../src/billing/payments.service";
import { dbFor } from "../../src/db/client";
import { type DeadLetterQueue, storeDeadLetters } from "../../src/dead-letters/dead-letters.service";
import { type Bindings, type Config, loadConfig } from "../../src/env";
import { processWhatsAppWebhook, UnmatchedStatusError, type WebhookJob } from "../../src/messaging/inbound";
import { log } from "../../src/platform/logger";
import { createReporter } from "../../src/platform/reporter";
import { decryptSecret, encryptSecret } from "../../src/platform/secret-box";
import { loadToucan } from "../../src/vendor/load-toucan";
import { retryDelaySeconds } from "./outbound";

/**
 * A webhook job as the dead-letter store keeps it (and as a retry re-enqueues it): the ids in clear
 * for the operator's list, Meta's payload (phone numbers, names, message text) sealed.
 */
export interface SealedWebhookJob extends Omit<WebhookJob, "payload"> {
  sealedPayload: string;
}

/**
 * Every job of the `webhooks` queue, told apart by `provider`. Moyasar jobs hold ids only (the
 * payment is re-fetched), so they need no seal.
 */
export type WebhookQueueJob = WebhookJob | SealedWebhookJob | MoyasarWebhookJob;

// The clear fields are the additional data of the seal: a payload copied into a letter of another
// tenant, account or time does not open, so a retry can only ever apply it where it came from.
const payloadContext = (job: Omit<WebhookJob, "payload">) =>
  `dead-letter:webhooks:${job.tenantId}:${job.accountId}:${job.phoneNumberId}:${job.receivedAt}`;

function encryptionKey(config: Pick<Config, "DATA_ENCRYPTION_KEY">) {
  // A webhook job exists only for an account whose credentials were sealed with this key.
  if (!config.DATA_ENCRYPTION_KEY)
    throw new Error("DATA_ENCRYPTION_KEY is not set: webhook payloads cannot be sealed");
  return config.DATA_ENCRYPTION_KEY;
}

/** The dead-letter store's view of `webhooks`: the payload sealed; a letter that died again is already sealed. */
export const webhookDeadLetters = (
  config: Pick<Config, "DATA_ENCRYPTION_KEY">,
): DeadLetterQueue<WebhookQueueJob> => ({
  queue: "webhooks",
  // wrangler.toml: max_retries = 5 for the webhooks consumer.
  attempts: 6,
  minimise: async (job) => {
    if (job.provider === "moyasar" || "sealedPayload" in job) return job;
    const { payload, ...ids } = job;
    return {
      ...ids,
      sealedPayload: await encryptSecret(encryptionKey(config), payloadContext(ids), JSON.stringify(payload)),
    } satisfies SealedWebhookJob;
  },
});

/** The job a retried dead letter stands for, its payload opened only now that it is applied again. */
async function openWebhookJob(config: Config, job: WebhookJob | SealedWebhookJob): Promise<WebhookJob> {
  if (!("sealedPayload" in job)) return job;
  const { sealedPayload, ...ids } = job;
  const payload = await decryptSecret(encryptionKey(config), payloadContext(ids), sealedPayload);
  return { ...ids, payload: JSON.parse(payload) as unknown };
}

/**
 * The `webhooks` queue: each job is one verified provider webhook. Applying one is idempotent
 * (inbound messages are stored once per wamid, statuses only move forward), so a redelivery is
 * harmless. Jobs of one batch run one after another: a contact's messages keep their order.
 */
export async function consumeWebhooks(
  batch: MessageBatch<WebhookQueueJob>,
  env: Bindings,
  ctx: ExecutionContext,
) {
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
      const result =
        job.provider === "moyasar"
          ? await applyMoyasarJob(env, config, reporter, job)
          : await processWhatsAppWebhook(env, await openWebhookJob(config, job), message.attempts);
      log("info", "job", {
        job: "webhooks",
        provider: job.provider,
        tenantId: "tenantId" in job ? job.tenantId : undefined,
        ...result,
        ms: Date.now() - started,
      });
      message.ack();
    } catch (error) {
      if (!(error instanceof UnmatchedStatusError)) reporter.captureException(error);
      const delaySeconds = retryDelaySeconds(config.QUEUE_RETRY_BASE_SECONDS, message.attempts, null);
      log("warn", "job", {
        job: "webhooks",
        provider: job.provider,
        tenantId: "tenantId" in job ? job.tenantId : undefined,
        outcome: "retry",
        attempts: message.attempts,
        delaySeconds,
      });
      message.retry({ delaySeconds });
    }
  }
}

/**
 * One Moyasar event. A payment that matches no checkout, or does not match its own, is acked (a
 * retry cannot change what Moyasar confirmed) and reported for an operator to look at.
 */
async function applyMoyasarJob(
  env: Bindings,
  config: Config,
  reporter: ReturnType<typeof createReporter>,
  job: MoyasarWebhookJob,
) {
  const result = await processMoyasarEvent(env, config, job);
  if (result.outcome === "mismatch" || result.outcome === "unknown_checkout") {
    log("error", "moyasar payment not applied", {
      eventId: job.eventId,
      paymentId: job.paymentId,
      tenantId: result.tenantId ?? undefined,
      outcome: result.outcome,
      mismatch: result.mismatch,
    });
    reporter.captureException(new PaymentNotAppliedError(job.paymentId, result.mismatch ?? result.outcome));
  }
  return {
    eventId: job.eventId,
    eventType: job.eventType,
    outcome: result.outcome,
    tenantId: result.tenantId ?? undefined,
  };
}

/**
 * `webhooks-dlq`: a webhook that exhausted its retries is stored in the dead-letter store, its
 * payload sealed, for an operator to retry (the sealed job goes back to `webhooks`) or purge.
 * Storing is idempotent, so a redelivered batch is stored once.
 */
export async function consumeWebhookDeadLetters(
  batch: MessageBatch<WebhookQueueJob>,
  env: Bindings,
  _ctx: ExecutionContext,
) {
  await storeDeadLetters(dbFor(env.DB), webhookDeadLetters(loadConfig(env)), batch.messages);
  for (const message of batch.messages) {
    log("error", "job", {
      job: "webhooks_dead_letter",
      provider: message.body.provider,
      tenantId: "tenantId" in message.body ? message.body.tenantId : undefined,
      queueMessageId: message.id,
    });
    message.ack();
  }
}
