import { dbFor } from "../../src/db/client";
import { type Bindings, loadConfig } from "../../src/env";
import { log } from "../../src/platform/logger";
import { redactError } from "../../src/platform/redact";
import { createReporter } from "../../src/platform/reporter";
import { loadToucan } from "../../src/vendor/load-toucan";
import { purgeExpired } from "./purge-expired";

/** Entry point for wrangler `[triggers] crons`: one job per schedule, one reporter per run. */
export async function runScheduledJobs(
  controller: ScheduledController,
  env: Bindings,
  ctx: ExecutionContext,
) {
  const config = loadConfig(env);
  const reporter = createReporter({
    config,
    context: ctx,
    tags: { job: "purge_expired", cron: controller.cron },
    loadSentry: loadToucan,
  });
  const started = Date.now();
  try {
    const purged = await purgeExpired(dbFor(env.DB), controller.scheduledTime);
    log("info", "job", { job: "purge_expired", ...purged, ms: Date.now() - started });
  } catch (error) {
    reporter.captureException(error);
    // Rethrown so the run shows as failed; redacted, because the runtime logs what a job throws.
    throw redactError(error);
  }
}
