import type { Context, MiddlewareHandler } from "hono";
import { API_KEY_PREFIXES, type Scope } from "../api-keys/api-keys.model";
import { resolveApiKey } from "../api-keys/api-keys.service";
import { findSessionState } from "../auth/auth.repo";
import { verifyAccessToken } from "../auth/tokens";
import { dbFor } from "../db/client";
import type { Role } from "../tenants/tenants.schema";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

/** Who is calling, resolved from the credential alone; the tenant never comes from the URL or body. */
export type Principal =
  | {
      kind: "user";
      userId: string;
      tenantId: string;
      role: Role;
      familyId: string;
      isPlatformAdmin: boolean;
      /** The tenant's time-zone setting, read with the session check; pages show dates in it. */
      tenantTimeZone: string | null;
    }
  | { kind: "api_key"; apiKeyId: string; tenantId: string; scopes: Scope[] };

const ROLE_RANK: Record<Role, number> = { agent: 1, manager: 2, owner: 3 };

export const hasRole = (role: Role, minimum: Role) => ROLE_RANK[role] >= ROLE_RANK[minimum];

const unauthenticated = (detail: string) =>
  new ApiError("UNAUTHENTICATED", detail, { headers: { "WWW-Authenticate": 'Bearer realm="dealix"' } });

/**
 * Resolves a bearer access token or API key into a principal. For user tokens one D1 query
 * re-reads what may have changed since the token was signed: the membership and its current role,
 * the tenant's status, whether the session (refresh family) was revoked, and the user's
 * tokens-not-before — so logout, removal and role changes apply to the very next request.
 */
export async function resolvePrincipal(c: Context<AppEnv>, now = Date.now()): Promise<Principal> {
  const header = c.req.header("Authorization");
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw unauthenticated("Send a bearer token: Authorization: Bearer <token>.");
  const db = dbFor(c.env.DB);

  if (API_KEY_PREFIXES.some((prefix) => token.startsWith(prefix))) {
    const key = await resolveApiKey(db, token, now, c.executionCtx);
    if (!key) throw unauthenticated("The API key is not valid.");
    return { kind: "api_key", apiKeyId: key.id, tenantId: key.tenantId, scopes: key.scopes };
  }

  const principal = await userPrincipalFromToken(c, token, now);
  if (!principal)
    throw unauthenticated("The session has ended or the access token is invalid; sign in again.");
  return principal;
}

/**
 * A user principal from an access token (Bearer header or the browser's session cookie), or null
 * when the token is invalid or its session no longer stands.
 */
export async function userPrincipalFromToken(c: Context<AppEnv>, token: string, now = Date.now()) {
  const claims = await verifyAccessToken(c.get("config").JWT_SECRET, token, now);
  if (!claims) return null;
  const state = await findSessionState(dbFor(c.env.DB), claims.userId, claims.tenantId, claims.familyId);
  if (
    !state ||
    state.role === null ||
    state.tenantStatus !== "active" ||
    state.familyRevokedAt !== null ||
    claims.issuedAt < state.tokensNotBefore
  ) {
    return null;
  }
  return {
    kind: "user" as const,
    userId: claims.userId,
    tenantId: claims.tenantId,
    role: state.role,
    familyId: claims.familyId,
    isPlatformAdmin: state.isPlatformAdmin,
    tenantTimeZone: state.tenantTimeZone,
  };
}

export interface AccessRule {
  /** Least tenant role a user needs. */
  role: Role;
  /** Scope an API key needs; without one, API keys cannot use the route at all. */
  scope?: Scope;
}

/** Per-route guard: authenticates, then checks the role (users) or scope (API keys). */
export const requireAccess =
  (rule: AccessRule): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const principal = await resolvePrincipal(c);
    c.set("principal", principal);
    if (principal.kind === "user" && !hasRole(principal.role, rule.role)) {
      throw new ApiError("FORBIDDEN", `This needs the ${rule.role} role or higher.`);
    }
    if (principal.kind === "api_key" && (!rule.scope || !principal.scopes.includes(rule.scope))) {
      throw new ApiError(
        "FORBIDDEN",
        rule.scope ? `This API key lacks the ${rule.scope} scope.` : "API keys cannot use this endpoint.",
      );
    }
    await next();
  };

/** The principal set by requireAccess; calling it on an unguarded route is a programming error. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  if (!principal) throw new Error("principalOf: route is missing requireAccess()");
  return principal;
}

/** The signed-in user, on routes whose requireAccess() has no scope (API keys never reach them). */
export function userPrincipalOf(c: Context<AppEnv>): Extract<Principal, { kind: "user" }> {
  const principal = principalOf(c);
  if (principal.kind !== "user") throw new Error("userPrincipalOf: route lets API keys in; use principalOf");
  return principal;
}

export const actorOf = (principal: Principal) =>
  principal.kind === "user"
    ? ({ type: "user", id: principal.userId } as const)
    : ({ type: "api_key", id: principal.apiKeyId } as const);
