import { dbFor } from "../../src/db/client";
import { storeDeadLetters } from "../../src/dead-letters/dead-letters.service";
import { type Bindings, loadConfig } from "../../src/env";
import {
  failImport,
  type ImportMessage,
  importDeadLetters,
  prepareImport,
  processChunk,
} from "../../src/imports/import-jobs";
import { isAlreadyProcessedError } from "../../src/imports/imports.repo";
import { log } from "../../src/platform/logger";
import { createReporter } from "../../src/platform/reporter";
import { loadToucan } from "../../src/vendor/load-toucan";

const isStaleTurnError = (error: unknown) =>
  error instanceof Error &&
  /NOT NULL constraint failed: crm_settings\.round_robin_turn/.test(
    String(error.message) + String((error as { cause?: unknown }).cause ?? ""),
  );

/**
 * The `imports` queue: each message prepares an import or writes one chunk of its rows. Messages
 * are acked one by one, so a failing chunk is retried (then dead-lettered) without its batch mates.
 */
export async function consumeImports(
  batch: MessageBatch<ImportMessage>,
  env: Bindings,
  ctx: ExecutionContext,
) {
  const reporter = createReporter({
    config: loadConfig(env),
    context: ctx,
    tags: { job: "imports" },
    loadSentry: loadToucan,
  });
  // The messages of a batch run side by side: one's validation overlaps another's D1 round trip.
  // Each is acked or retried on its own.
  await Promise.all(
    batch.messages.map(async (message) => {
      const started = Date.now();
      const body = message.body;
      try {
        const outcome =
          body.kind === "prepare" ? await prepareImport(env, body) : await processChunk(env, body);
        log("info", "job", {
          job: "imports",
          kind: body.kind,
          importId: body.importId,
          tenantId: body.tenantId,
          outcome,
          attempts: message.attempts,
          ms: Date.now() - started,
        });
        message.ack();
      } catch (error) {
        if (isAlreadyProcessedError(error)) {
          // Another delivery of this chunk wrote it first: nothing was written by this one.
          log("info", "job", { job: "imports", importId: body.importId, outcome: "already_processed" });
          message.ack();
        } else if (isStaleTurnError(error)) {
          // A lead was assigned by round-robin meanwhile: redo the chunk with the new turn at once.
          message.retry({ delaySeconds: 0 });
        } else {
          reporter.captureException(error);
          log("error", "job", {
            job: "imports",
            importId: body.importId,
            outcome: "retry",
            attempts: message.attempts,
          });
          message.retry();
        }
      }
    }),
  );
}

/**
 * The `imports-dlq` queue: a message that exhausted its retries is stored in the dead-letter store
 * (for an operator to retry or purge), marks its import failed (the rows of other chunks stay as
 * they were written) and is recorded in the log, then acked. Storing comes first and is idempotent,
 * so if anything fails the batch is redelivered and stored once.
 */
export async function consumeImportDeadLetters(
  batch: MessageBatch<ImportMessage>,
  env: Bindings,
  _ctx: ExecutionContext,
) {
  await storeDeadLetters(dbFor(env.DB), importDeadLetters, batch.messages);
  for (const message of batch.messages) {
    const body = message.body;
    const changed = await failImport(env, body);
    log("error", "job", {
      job: "imports_dead_letter",
      kind: body.kind,
      importId: body.importId,
      tenantId: body.tenantId,
      fromRow: body.kind === "chunk" ? body.fromRow : undefined,
      markedFailed: changed,
      messageId: message.id,
    });
    message.ack();
  }
}
