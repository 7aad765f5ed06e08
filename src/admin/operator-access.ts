import type { Context, MiddlewareHandler } from "hono";
import { dbFor } from "../db/client";
import { type AppEnv, type OperatorPrincipal, requestOrigin } from "../platform/context";
import { ApiError } from "../platform/problem";
import { cookieSecret, liveOperatorSession, OPERATOR_COOKIE } from "./operator-session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const notSignedIn = () =>
  new ApiError("UNAUTHENTICATED", "Operators only: sign in at /admin/login.", {
    headers: { "WWW-Authenticate": 'Cookie realm="dealix-operator"' },
  });

/**
 * Guard of every operator JSON endpoint. Only the operator session cookie counts: a tenant's
 * bearer token, API key or session cookie is ignored, so it gets a 401 here however high its role.
 * The session is re-checked in D1 on every request (live, within its limits, user still a platform
 * admin); that check also moves its idle clock, so it is one write before the handler runs.
 *
 * Unsafe methods also need the request to come from the console's own origin (APP_ORIGIN): the
 * SameSite=Strict cookie already stays home, and the Origin check keeps it so should a browser or
 * a same-site subdomain not honour that. JSON calls from the console's pages send Origin.
 */
export const requireOperator = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const token = cookieSecret(c, OPERATOR_COOKIE);
  if (!token) throw notSignedIn();
  if (!SAFE_METHODS.has(c.req.method) && c.req.header("Origin") !== c.get("config").APP_ORIGIN) {
    throw new ApiError("CSRF_REJECTED", "Operator changes must come from the operator console's own pages.");
  }
  const session = await liveOperatorSession(dbFor(c.env.DB), token, Date.now());
  if (!session) throw notSignedIn();
  c.set("operator", session);
  await next();
};

/**
 * The access part of an operator route contract, spread into createRoute like access(): the guard,
 * the security requirement (the operator cookie) and `x-operator`, from which test/access.test.ts
 * generates the refusals every operator route must give.
 */
export const operatorAccess = (...after: MiddlewareHandler<AppEnv>[]) => ({
  security: [{ OperatorSession: [] }],
  middleware: [requireOperator(), ...after],
  "x-operator": true as const,
});

/** The operator set by requireOperator(); on any other route a programming error. */
export function operatorOf(c: Context<AppEnv>): OperatorPrincipal {
  const operator = c.get("operator");
  if (!operator) throw new Error("operatorOf: route is missing operatorAccess()");
  return operator;
}

/** What an operator service acts with: the database, the signed-in operator and the request's origin. */
export const operatorActOf = (c: Context<AppEnv>) => ({
  db: dbFor(c.env.DB),
  operator: operatorOf(c),
  origin: requestOrigin(c),
});
