import { runBillingCycle } from "../../src/billing/dunning";
import { dbFor } from "../../src/db/client";
import { type Bindings, loadConfig } from "../../src/env";
import { requeueStrandedSends } from "../../src/messaging/outbound";
import { log } from "../../src/platform/logger";
import { redactError } from "../../src/platform/redact";
import { createReporter } from "../../src/platform/reporter";
import { deleteClosedTenants } from "../../src/tenant-export/tenant-closure";
import { loadToucan } from "../../src/vendor/load-toucan";
import { runPrivacyJobs } from "./privacy-daily";
import { purgeExpired } from "./purge-expired";

/** Every 5 minutes: sends nobody is working on go back to the outbound queue (wrangler.toml crons). */
export const SWEEP_CRON = "*/5 * * * *";
/** 05:00 UTC (08:00 in Riyadh) daily: trials and periods that ended, reminders, suspensions. */
export const BILLING_CRON = "0 5 * * *";
/** 02:40 UTC (05:40 in Riyadh) daily: consent expiry, then retention (workers/cron/privacy-daily.ts). */
export const PRIVACY_CRON = "40 2 * * *";

/** Entry point for wrangler `[triggers] crons`: one job per schedule, one reporter per run. */
export async function runScheduledJobs(
  controller: ScheduledController,
  env: Bindings,
  ctx: ExecutionContext,
) {
  const config = loadConfig(env);
  const job =
    controller.cron === SWEEP_CRON
      ? "requeue_stranded_sends"
      : controller.cron === BILLING_CRON
        ? "billing_cycle"
        : controller.cron === PRIVACY_CRON
          ? "privacy_daily"
          : "purge_expired";
  const reporter = createReporter({
    config,
    context: ctx,
    tags: { job, cron: controller.cron },
    loadSentry: loadToucan,
  });
  const started = Date.now();
  try {
    const result =
      job === "requeue_stranded_sends"
        ? await requeueStrandedSends(env, controller.scheduledTime)
        : job === "billing_cycle"
          ? await runBillingCycle(env, config, controller.scheduledTime)
          : job === "privacy_daily"
            ? await runPrivacyJobs(env, controller.scheduledTime)
            : {
                ...(await purgeExpired(dbFor(env.DB), controller.scheduledTime)),
                ...(await deleteClosedTenants(dbFor(env.DB), controller.scheduledTime)),
              };
    log("info", "job", { job, ...result, ms: Date.now() - started });
  } catch (error) {
    reporter.captureException(error);
    // Rethrown so the run shows as failed; redacted, because the runtime logs what a job throws.
    throw redactError(error);
  }
}
