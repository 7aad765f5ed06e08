import type { Context, MiddlewareHandler } from "hono";
import { principalResolver } from "../../src/auth/credentials";
import { ConcurrentRefreshError, refresh } from "../../src/auth/session.service";
import { type Principal, type ResolvedCredential, tenantContext, tenantOf } from "../../src/platform/access";
import { type AppEnv, requestContext } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { hasRole, type Role } from "../../src/platform/roles";
import { clearSessionCookies, readAccessCookie, readRefreshCookie, setSessionCookies } from "./cookies";

type UserPrincipal = Extract<Principal, { kind: "user" }>;

async function userCredential(c: Context<AppEnv>, accessToken: string): Promise<ResolvedCredential | null> {
  const credential = await principalResolver.resolve(c, accessToken, Date.now());
  return credential?.principal.kind === "user" ? credential : null;
}

/**
 * The browser's session from its cookies, with the session check still pending: it rides with the
 * page's first D1 read (as on the API), so a signed-in page costs one round trip. An expired access
 * cookie is renewed with the refresh cookie (rotation, same rules as the API).
 */
async function pendingPageSession(c: Context<AppEnv>): Promise<UserPrincipal | null> {
  const cached = c.get("principal");
  if (cached?.kind === "user") return cached;
  // One attempt per request: a failed renewal must not be retried (and rate-limited) per call.
  if (c.get("pageSessionChecked")) return null;
  c.set("pageSessionChecked", true);
  const accessToken = readAccessCookie(c);
  let credential = accessToken ? await userCredential(c, accessToken) : null;
  const refreshToken = readRefreshCookie(c);
  if (!credential && refreshToken) {
    try {
      const tokens = await refresh(requestContext(c), refreshToken);
      setSessionCookies(c, tokens);
      credential = await userCredential(c, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Only a refused session is dropped; a rate-limited or unavailable renewal, or one another
      // tab won a moment ago, leaves the cookies for the next request, which may succeed.
      if (error.code === "UNAUTHENTICATED" && !(error instanceof ConcurrentRefreshError))
        clearSessionCookies(c);
    }
  }
  if (credential?.principal.kind !== "user") return null;
  c.set("principal", credential.principal);
  c.set("tenant", tenantContext(c, credential, null));
  return credential.principal;
}

/** Forgets a session the check refused (logged out elsewhere, removed, suspended). */
function endPageSession(c: Context<AppEnv>) {
  clearSessionCookies(c);
  c.set("principal", undefined);
  c.set("tenant", undefined);
}

const isSessionEnded = (error: unknown) => error instanceof ApiError && error.code === "UNAUTHENTICATED";

/**
 * The signed-in user of a page request, or null, with the session checked (at no extra cost when
 * a read already carried the check). A session that is refused clears the cookies.
 */
export async function pageSession(c: Context<AppEnv>): Promise<UserPrincipal | null> {
  const principal = await pendingPageSession(c);
  if (!principal) return null;
  try {
    await tenantOf(c).scope.settle();
  } catch (error) {
    if (!isSessionEnded(error)) throw error;
    endPageSession(c);
    return null;
  }
  return principal;
}

/** To /login and back afterwards, query included: an emailed link (/account/email/verify?token=…)
 * must survive signing in. */
function toLogin(c: Context<AppEnv>) {
  const { pathname, search } = new URL(c.req.url);
  return c.redirect(`/login?next=${encodeURIComponent(pathname + search)}`, 303);
}

/**
 * Pages behind sign-in send visitors to /login and bring them back afterwards. The session check
 * runs with the page's first read; if it finds the session ended, the visitor goes to /login too.
 */
export const requireSignedIn = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await pendingPageSession(c))) return toLogin(c);
  await next();
  let ended = isSessionEnded(c.error);
  if (!ended && c.get("tenant")) {
    try {
      await tenantOf(c).scope.settle();
    } catch (error) {
      if (!isSessionEnded(error)) throw error;
      ended = true;
    }
  }
  if (ended) {
    endPageSession(c);
    c.res = toLogin(c);
  }
};

/** The signed-in user; only for handlers behind requireSignedIn(). */
export function signedInUser(c: Context<AppEnv>): UserPrincipal {
  const principal = c.get("principal");
  if (principal?.kind !== "user") throw new Error("signedInUser: page is missing requireSignedIn()");
  return principal;
}

/**
 * Pages for managers and owners (after requireSignedIn()). The cookie's role may be stale, so the
 * session check tells the current one before a 403, and runs before every write even when the
 * cookie says manager: someone demoted since the cookie was issued must not change anything.
 */
export const requireManager = (): MiddlewareHandler<AppEnv> =>
  requireRole("manager", "Managers and owners only.");

/** Pages for owners only (billing), checked the same way as requireManager. */
export const requireOwner = (): MiddlewareHandler<AppEnv> => requireRole("owner", "Owners only.");

const requireRole =
  (role: Role, refusal: string): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (!hasRole(signedInUser(c).role, role) || c.req.method !== "GET") await tenantOf(c).scope.settle();
    if (!hasRole(signedInUser(c).role, role)) throw new ApiError("FORBIDDEN", refusal);
    await next();
  };
