import type { Toucan } from "toucan-js";
import type { Config } from "../env";
import { log } from "./logger";
import { describeError, redactError, redactText } from "./redact";

/** Where unexpected errors (5xx, failed jobs) go: Sentry when a DSN is set, the log otherwise. */
export interface ErrorReporter {
  captureException(error: unknown): void;
}

interface ReporterScope {
  config: Config;
  context: Pick<ExecutionContext, "waitUntil">;
  /** The incoming request, for request reporters; jobs and queue batches have none. */
  request?: Request;
  tags: Record<string, string>;
  /** Loads the Sentry client module (src/vendor/load-toucan.ts, wired by the entry points): it is
   * a module of its own, loaded by the first error an isolate reports. */
  loadSentry: () => Promise<{ Toucan: typeof Toucan }>;
}

type SentryEvent = Parameters<NonNullable<ConstructorParameters<typeof Toucan>[0]["beforeSend"]>>[0];

/**
 * One reporter per request, cron run or queue batch: toucan clients hold per-invocation state
 * and must not be shared. Making a reporter costs nothing: toucan is loaded and its client built
 * only when an error is captured, which almost no request does. Request data is scrubbed to
 * method, URL path and user agent (no cookies, query string, body or IP address), and query
 * parameters are redacted from the log line and from every text Sentry receives.
 */
export function createReporter({ config, context, request, tags, loadSentry }: ReporterScope): ErrorReporter {
  let sentry: Promise<Toucan> | undefined;
  const sentryClient = async (dsn: string) => {
    // A module of its own (scripts/vendor-assets.mjs), loaded by the first error an isolate reports.
    const { Toucan } = await loadSentry();
    const client = new Toucan({
      dsn,
      release: config.release,
      environment: config.ENVIRONMENT,
      context,
      ...(request ? { request } : {}),
      requestDataOptions: {
        allowedHeaders: ["user-agent"],
        allowedCookies: false,
        allowedSearchParams: false,
        allowedIps: false,
      },
      beforeSend: redactEvent,
    });
    client.setTags(tags);
    return client;
  };
  return {
    captureException(error) {
      const safeError = redactError(error);
      log("error", "unhandled_error", { ...tags, error: describeError(safeError) });
      if (!config.SENTRY_DSN) return;
      sentry ??= sentryClient(config.SENTRY_DSN);
      context.waitUntil(
        sentry
          .then((client) => {
            client.captureException(safeError);
          })
          .catch((failure) => log("error", "sentry_unavailable", { ...tags, error: describeError(failure) })),
      );
    },
  };
}

/**
 * The last check before an event leaves: every message, exception value and breadcrumb goes
 * through `redactText`, whatever integration produced it.
 */
function redactEvent(event: SentryEvent): SentryEvent {
  if (event.message) event.message = redactText(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = redactText(exception.value);
  }
  for (const breadcrumb of event.breadcrumbs ?? []) {
    if (breadcrumb.message) breadcrumb.message = redactText(breadcrumb.message);
  }
  return event;
}
