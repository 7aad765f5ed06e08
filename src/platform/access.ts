import type { BatchItem } from "drizzle-orm/batch";
import type { Context, MiddlewareHandler } from "hono";
import { dbFor } from "../db/client";
import { type ApiPlanLimits, enforceApiQuota } from "./api-limits";
import type { AppEnv, TenantContext } from "./context";
import { afterResponse, requestOrigin } from "./context";
import { ApiError } from "./problem";
import { hasRole, type Role, type Scope } from "./roles";
import { type ReadOnlyReason, type SessionGate, tenantScope } from "./tenant-scope";

/** Who is calling, resolved from the credential alone; the tenant never comes from the URL or body. */
export type Principal =
  | {
      kind: "user";
      userId: string;
      tenantId: string;
      role: Role;
      familyId: string;
      /** The tenant's time-zone setting for dates shown to people; known once the session check ran. */
      tenantTimeZone: string | null;
      /** The tenant's account is read-only (suspended, canceled); known once the session check ran. */
      writesRefused?: boolean;
      /** The tenant's subscription is past due (suspension comes after the grace period). */
      paymentDue?: boolean;
      /** The tenant's owner closed the account: read-only until its data is deleted. */
      accountClosing?: boolean;
    }
  | { kind: "api_key"; apiKeyId: string; tenantId: string; scopes: Scope[] };

/**
 * The part of a user's session that can change after the access token was signed (logout, removal,
 * role change, suspension), as a query to run with the request's first read.
 */
export interface SessionCheck {
  query: BatchItem<"sqlite">;
  /**
   * The caller's current role (and tenant time zone) when the session still stands, else null;
   * `writesRefused` when the tenant's account is read-only (suspended for non-payment, canceled).
   */
  evaluate(rows: unknown): {
    role: Role;
    tenantTimeZone: string;
    writesRefused: boolean;
    paymentDue: boolean;
    accountClosing: boolean;
  } | null;
}

export interface ResolvedCredential {
  principal: Principal;
  /** Present for access tokens, whose session is re-checked on every request. */
  sessionCheck?: SessionCheck;
  /** For API keys, known when the key is read: the tenant's account is read-only. */
  writesRefused?: boolean;
  /** For API keys: read-only because the account is closing (else for non-payment). */
  accountClosing?: boolean;
  /**
   * The API quotas of the tenant's plan, known without a D1 read of its own (the key's lookup, the
   * access token's claims); without them the default quotas apply.
   */
  apiLimits?: ApiPlanLimits;
}

/**
 * Turns a bearer credential (access token or API key) into a principal, or null when it is not
 * valid. Implemented by the auth capability and wired in app.tsx, so platform depends on no
 * capability.
 */
export interface PrincipalResolver {
  resolve(c: Context<AppEnv>, credential: string, now: number): Promise<ResolvedCredential | null>;
}

export interface AccessRule {
  /** Least tenant role a user needs. */
  role: Role;
  /** Scope an API key needs; without one, API keys cannot use the route at all. */
  scope?: Scope;
}

const SESSION_ENDED = "The session has ended or the access token is invalid; sign in again.";

const unauthenticated = (detail = SESSION_ENDED) =>
  new ApiError("UNAUTHENTICATED", detail, { headers: { "WWW-Authenticate": 'Bearer realm="dealix"' } });

const forbiddenRole = (rule: AccessRule) =>
  new ApiError("FORBIDDEN", `This needs the ${rule.role} role or higher.`);

/** The bearer credential from the Authorization header, or null. */
export const bearerOf = (c: Context<AppEnv>) =>
  c.req.header("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;

/** Resolves the request's bearer credential; 401 when it is missing or invalid. */
export async function resolveCredential(c: Context<AppEnv>, now = Date.now()): Promise<ResolvedCredential> {
  const credential = bearerOf(c);
  if (!credential) throw unauthenticated("Send a bearer token: Authorization: Bearer <token>.");
  const resolved = await c.get("principalResolver").resolve(c, credential, now);
  if (!resolved) throw unauthenticated();
  return resolved;
}

/**
 * The session check as a gate for the tenant scope: handed out once, it enforces the rule with the
 * current role. Once it has failed, every later read or write of the request fails the same way,
 * even where a handler caught the first error.
 */
function sessionGate(principal: Principal, check: SessionCheck | undefined, rule: AccessRule | null) {
  if (!check || principal.kind !== "user") return null;
  let state: "pending" | "taken" | { failed: ApiError } = "pending";
  const fail = (error: ApiError): never => {
    state = { failed: error };
    throw error;
  };
  const gate: SessionGate = {
    take() {
      if (typeof state === "object") throw state.failed;
      if (state === "taken") return null;
      state = "taken";
      return check.query;
    },
    settle(rows) {
      const session = check.evaluate(rows);
      if (session === null) return fail(unauthenticated());
      principal.tenantTimeZone = session.tenantTimeZone;
      principal.writesRefused = session.writesRefused;
      principal.paymentDue = session.paymentDue;
      principal.accountClosing = session.accountClosing;
      const { role } = session;
      if (role === principal.role) return "ok";
      principal.role = role;
      if (rule && !hasRole(role, rule.role)) return fail(forbiddenRole(rule));
      return "role_changed";
    },
  };
  return gate;
}

/** Why the credential's tenant refuses writes now, or null: known for a key, or once the session check ran. */
function readOnlyReasonOf({
  principal,
  writesRefused,
  accountClosing,
}: ResolvedCredential): ReadOnlyReason | null {
  const refused = principal.kind === "user" ? principal.writesRefused : writesRefused;
  if (!refused) return null;
  return (principal.kind === "user" ? principal.accountClosing : accountClosing) ? "closing" : "unpaid";
}

/** The context a tenant route works in, from a resolved credential. */
export function tenantContext(
  c: Context<AppEnv>,
  credential: ResolvedCredential,
  rule: AccessRule | null,
  now = Date.now(),
): TenantContext {
  const { principal } = credential;
  return {
    principal,
    actor: actorOf(principal),
    scope: tenantScope(
      dbFor(c.env.DB),
      principal.tenantId,
      sessionGate(principal, credential.sessionCheck, rule),
      () => readOnlyReasonOf(credential),
    ),
    origin: requestOrigin(c),
    config: c.get("config"),
    env: c.env,
    now,
    waitUntil: afterResponse(c),
  };
}

/**
 * Per-route guard: authenticates from the credential alone, counts the request against the API
 * quotas, checks the role (users) or scope (API keys) and puts the principal and a tenant-scoped db
 * handle on the context. An access token's session check is not run here: it rides with the
 * handler's first D1 read (see TenantScope), and runs after the handler for a handler that read
 * nothing.
 *
 * The quota is counted once the credential is known good (a signed token, a live key) and before
 * anything else: a bad credential names no tenant to charge, and counting it would let anyone
 * drain a tenant's quota, so it is a 401 that touches no limiter; everything an authenticated
 * caller sends after that, refused for its role or not, is load on the tenant's database.
 */
export const requireAccess =
  (rule: AccessRule): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const credential = await resolveCredential(c);
    const { principal } = credential;
    const quotaHeaders = await enforceApiQuota(c, principal, credential.apiLimits);
    // Set before the handler so every response rendered through the context carries them, errors
    // included, and after it on a response a handler built itself (CSV exports, idempotent replays).
    setHeaders(c, quotaHeaders);
    const context = tenantContext(c, credential, rule);
    if (principal.kind === "user" && !hasRole(principal.role, rule.role)) {
      // The token's role may be stale: the current one decides before a 403.
      await context.scope.settle();
      if (!hasRole(principal.role, rule.role)) throw forbiddenRole(rule);
    }
    if (principal.kind === "api_key" && (!rule.scope || !principal.scopes.includes(rule.scope))) {
      throw new ApiError(
        "FORBIDDEN",
        rule.scope ? `This API key lacks the ${rule.scope} scope.` : "API keys cannot use this endpoint.",
      );
    }
    c.set("principal", principal);
    c.set("tenant", context);
    await next();
    if (!c.res.headers.has("RateLimit-Limit")) setHeaders(c, quotaHeaders);
    await context.scope.settle();
  };

function setHeaders(c: Context<AppEnv>, headers: Record<string, string>) {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
}

/**
 * The access part of a route contract: the guard, the security requirement and the rule itself
 * (`x-access` in the OpenAPI document), so integrators read who may call an operation and the
 * generated access tests (test/access.test.ts) check every operation against what it declares.
 */
export const access = (rule: AccessRule, ...after: MiddlewareHandler<AppEnv>[]) => ({
  security: [{ Bearer: [] }],
  // Guard first: middleware after it (e.g. idempotency(), which scopes keys by caller) sees the
  // principal. Middleware that writes before the handler's first read settles the session check
  // itself first (idempotency() does, only when a key is sent), so a request without one keeps the
  // check in the handler's first read.
  middleware: [requireAccess(rule), ...after],
  "x-access": rule,
});

/** The context set by requireAccess (or a signed-in page); on any other route a programming error. */
export function tenantOf(c: Context<AppEnv>): TenantContext {
  const context = c.get("tenant");
  if (!context) throw new Error("tenantOf: route is missing requireAccess()");
  return context;
}

export const actorOf = (principal: Principal) =>
  principal.kind === "user"
    ? ({ type: "user", id: principal.userId } as const)
    : ({ type: "api_key", id: principal.apiKeyId } as const);
