import type { Context } from "hono";
import { type Db, dbFor } from "../db/client";
import type { Bindings, Config } from "../env";
import type { Principal, PrincipalResolver } from "./access";
import type { ErrorReporter } from "./reporter";
import type { TenantScope } from "./tenant-scope";

/** Where a request came from, for audit records: the request id and the caller's IP. */
export interface RequestOrigin {
  requestId: string | null;
  ip: string | null;
}

export const requestOrigin = (c: Context<AppEnv>): RequestOrigin => ({
  requestId: c.get("requestId"),
  // Set by Cloudflare's edge (never a header the client controls); absent only in local tools.
  ip: c.req.header("CF-Connecting-IP") ?? null,
});

/** Who did something, as audit records and services name them. */
export type Actor = { type: "user"; id: string } | { type: "api_key"; id: string };

/**
 * A platform operator, from the operator session cookie alone (never a tenant credential). Times
 * are ms since the epoch.
 */
export interface OperatorPrincipal {
  userId: string;
  sessionId: string;
  createdAt: number;
  /** The session's absolute end. */
  expiresAt: number;
  /** When the session ends without further activity (idle limit, capped by the absolute end). */
  idleExpiresAt: number;
}

/** What a service needs for a request that has no tenant yet (sign-up, sign-in, links). */
export interface RequestContext {
  db: Db;
  config: Config;
  env: Bindings;
  origin: RequestOrigin;
  request: Request;
  now: number;
  /** Runs `task` after the response is sent (the request's waitUntil); a failure is reported. */
  waitUntil(task: Promise<unknown>): void;
}

/** What a service needs for a tenant's request: set once by requireAccess (or a signed-in page). */
export interface TenantContext {
  principal: Principal;
  actor: Actor;
  scope: TenantScope;
  origin: RequestOrigin;
  config: Config;
  env: Bindings;
  now: number;
  /** Runs `task` after the response is sent (the request's waitUntil); a failure is reported. */
  waitUntil(task: Promise<unknown>): void;
}

/** The Hono environment every router and middleware in Dealix is typed with. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: Config;
    reporter: ErrorReporter;
    locale: "ar" | "en";
    /** Wired in app.tsx: how bearer credentials become principals (the auth capability). */
    principalResolver: PrincipalResolver;
    /** Set by requireAccess() on routes that need a credential, or by a signed-in page. */
    principal?: Principal;
    tenant?: TenantContext;
    /** A platform operator's live session: set by requireOperator() and the console pages. */
    operator?: OperatorPrincipal;
    /** Built on first use by requestContext(). */
    requestContext?: RequestContext;
    /** Set once pages/session/page-session.ts has looked for a browser session in this request. */
    pageSessionChecked?: boolean;
    /** The page's CSRF token once issued in this request (pages/session/cookies.ts). */
    csrfToken?: string;
  };
}

/** The request's context for anonymous flows, built once per request. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  let context = c.get("requestContext");
  if (!context) {
    context = {
      db: dbFor(c.env.DB),
      config: c.get("config"),
      env: c.env,
      origin: requestOrigin(c),
      request: c.req.raw,
      now: Date.now(),
      waitUntil: afterResponse(c),
    };
    c.set("requestContext", context);
  }
  return context;
}

/** The request's waitUntil, reporting a failure of the task instead of dropping it. */
export const afterResponse =
  (c: Context<AppEnv>) =>
  (task: Promise<unknown>): void =>
    c.executionCtx.waitUntil(task.catch((error: unknown) => c.get("reporter").captureException(error)));
