import type { Bindings } from "../../src/env";
import type { ImportMessage } from "../../src/imports/import-jobs";
import type { OutboundJob } from "../../src/messaging/messaging.service";
import { consumeImportDeadLetters, consumeImports } from "./imports";
import { consumeOutbound, consumeOutboundDeadLetters } from "./outbound";
import { consumeWebhookDeadLetters, consumeWebhooks, type WebhookQueueJob } from "./webhooks";

export const IMPORTS_QUEUE_NAME = "imports";
export const IMPORTS_DLQ_NAME = "imports-dlq";
export const OUTBOUND_QUEUE_NAME = "outbound";
export const OUTBOUND_DLQ_NAME = "outbound-dlq";
export const WEBHOOKS_QUEUE_NAME = "webhooks";
export const WEBHOOKS_DLQ_NAME = "webhooks-dlq";

export type QueueJob = ImportMessage | OutboundJob | WebhookQueueJob;

/** Entry point for wrangler `[[queues.consumers]]`: each queue's batch goes to its consumer. */
export async function runQueueConsumers(batch: MessageBatch<QueueJob>, env: Bindings, ctx: ExecutionContext) {
  switch (batch.queue) {
    case IMPORTS_QUEUE_NAME:
      return consumeImports(batch as MessageBatch<ImportMessage>, env, ctx);
    case IMPORTS_DLQ_NAME:
      return consumeImportDeadLetters(batch as MessageBatch<ImportMessage>, env, ctx);
    case OUTBOUND_QUEUE_NAME:
      return consumeOutbound(batch as MessageBatch<OutboundJob>, env, ctx);
    case OUTBOUND_DLQ_NAME:
      return consumeOutboundDeadLetters(batch as MessageBatch<OutboundJob>, env, ctx);
    case WEBHOOKS_QUEUE_NAME:
      return consumeWebhooks(batch as MessageBatch<WebhookQueueJob>, env, ctx);
    case WEBHOOKS_DLQ_NAME:
      return consumeWebhookDeadLetters(batch as MessageBatch<WebhookQueueJob>, env, ctx);
    default:
      // A queue bound by mistake: leave its messages for their retries and dead-letter queue.
      batch.retryAll();
  }
}
