import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "./context";

type LogLevel = "info" | "warn" | "error";

/** One JSON line per event. Callers pass ids and numbers only: no names, phones, emails or bodies. */
export function log(
  level: LogLevel,
  msg: string,
  fields: Record<string, string | number | boolean | undefined>,
) {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** The route pattern (`/api/v1/things/:id`), never the raw path, which may carry personal data. */
export function routePattern(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return handlers.at(-1)?.path ?? "unmatched";
}

export const requestLogger = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  log(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    route: routePattern(c),
    status,
    ms: Date.now() - started,
  });
};
