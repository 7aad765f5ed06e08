import { Toucan } from "toucan-js";
import type { Config } from "../env";
import { log } from "./logger";

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
}

/**
 * One reporter per request, cron run or queue batch: toucan clients hold per-invocation state
 * and must not be shared. Request data is scrubbed to method, URL path and user agent: no
 * cookies, no query string, no body, no IP address.
 */
export function createReporter({ config, context, request, tags }: ReporterScope): ErrorReporter {
  if (!config.SENTRY_DSN) {
    return {
      captureException(error) {
        log("error", "unhandled_error", { ...tags, error: describe(error) });
      },
    };
  }
  const sentry = new Toucan({
    dsn: config.SENTRY_DSN,
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
  });
  sentry.setTags(tags);
  return {
    captureException(error) {
      log("error", "unhandled_error", { ...tags, error: describe(error) });
      sentry.captureException(error);
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
