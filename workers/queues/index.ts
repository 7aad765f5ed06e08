import type { Bindings } from "../../src/env";
import type { ImportMessage } from "../../src/imports/import-jobs";
import { consumeImportDeadLetters, consumeImports } from "./imports";

export const IMPORTS_QUEUE_NAME = "imports";
export const IMPORTS_DLQ_NAME = "imports-dlq";

/** Entry point for wrangler `[[queues.consumers]]`: each queue's batch goes to its consumer. */
export async function runQueueConsumers(
  batch: MessageBatch<ImportMessage>,
  env: Bindings,
  ctx: ExecutionContext,
) {
  if (batch.queue === IMPORTS_QUEUE_NAME) return consumeImports(batch, env, ctx);
  if (batch.queue === IMPORTS_DLQ_NAME) return consumeImportDeadLetters(batch, env, ctx);
  // A queue bound by mistake: leave its messages for their retries and dead-letter queue.
  batch.retryAll();
}
