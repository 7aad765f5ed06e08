import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../env";
import type { AppEnv } from "./context";
import { log } from "./logger";
import { ApiError, type ProblemCode, problemResponse } from "./problem";
import { describeError } from "./redact";

const CODE_FOR_HTTP_STATUS: Partial<Record<number, ProblemCode>> = {
  400: "MALFORMED_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "VALIDATION_FAILED",
  429: "RATE_LIMITED",
  503: "UNAVAILABLE",
};

/** Anything thrown becomes an ApiError; only our own messages reach the caller, never internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ConfigError) {
    return new ApiError("CONFIG_INVALID", "The service is misconfigured; the operators have been alerted.");
  }
  if (error instanceof HTTPException && error.status < 500) {
    const code = CODE_FOR_HTTP_STATUS[error.status] ?? "MALFORMED_REQUEST";
    return new ApiError(code, error.message || undefined);
  }
  return new ApiError("INTERNAL", "Something went wrong on our side; try again later.");
}

// Machine-facing paths answer errors in problem+json; everything else is a page for people.
const MACHINE_PATHS = /^\/(api|webhooks)(\/|$)|^\/(health(\/deep)?|ready|openapi\.json|dev\/seed)$/;

export const isMachinePath = (path: string) => MACHINE_PATHS.test(path);

const OPERATOR_PATHS = /^\/admin(\/|$)/;

/**
 * Whether an error answers in problem+json. Operator paths hold both the console's pages and its
 * JSON endpoints (a later page and endpoint may even share a path), so there the caller decides: a
 * browser navigating asks for text/html and gets a page, anything else (scripts, tools) a problem.
 */
export const answersWithProblem = (req: { path: string; header(name: string): string | undefined }) =>
  isMachinePath(req.path) ||
  (OPERATOR_PATHS.test(req.path) && !/\btext\/html\b/.test(req.header("Accept") ?? ""));

/**
 * Reports what we did not expect (5xx) and renders the error for the caller. `renderHtml` draws
 * the page version for browsers.
 */
export function handleError(
  error: unknown,
  c: Context<AppEnv>,
  renderHtml: (c: Context<AppEnv>, apiError: ApiError) => Response | Promise<Response>,
) {
  const apiError = toApiError(error);
  if (error instanceof ConfigError) {
    log("error", "config_invalid", { requestId: c.get("requestId"), problems: error.problems.join("; ") });
  } else if (apiError.status >= 500) {
    const reporter = c.get("reporter");
    if (reporter) reporter.captureException(error);
    else log("error", "unhandled_error", { requestId: c.get("requestId"), error: describeError(error) });
  }
  return answersWithProblem(c.req) ? problemResponse(c, apiError) : renderHtml(c, apiError);
}

/** True for a UNIQUE constraint failure, however the driver wraps it (drizzle keeps D1's error as `cause`). */
export const isUniqueViolation = (error: unknown) => isDatabaseError(error, /UNIQUE constraint failed/);

/** True when a D1 error (or the one drizzle wraps as `cause`) says `pattern`, e.g. a trigger's RAISE. */
export const isDatabaseError = (error: unknown, pattern: RegExp) =>
  error instanceof Error &&
  pattern.test(String(error.message) + String((error as { cause?: unknown }).cause ?? ""));
