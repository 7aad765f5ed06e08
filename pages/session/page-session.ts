import type { Context, MiddlewareHandler } from "hono";
import { verifiedSession } from "../../src/auth/credentials";
import { ConcurrentRefreshError, refresh } from "../../src/auth/session.service";
import { type Principal, type ResolvedCredential, tenantContext } from "../../src/platform/access";
import { type AppEnv, requestContext } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { clearSessionCookies, readAccessCookie, readRefreshCookie, setSessionCookies } from "./cookies";

type UserPrincipal = Extract<Principal, { kind: "user" }>;

/**
 * The signed-in user of a page request, or null. An expired access cookie is renewed with the
 * refresh cookie (rotation, same rules as the API); a session that is refused clears both.
 */
export async function pageSession(c: Context<AppEnv>): Promise<UserPrincipal | null> {
  const cached = c.get("principal");
  if (cached?.kind === "user") return cached;
  // One attempt per request: a failed renewal must not be retried (and rate-limited) per call.
  if (c.get("pageSessionChecked")) return null;
  c.set("pageSessionChecked", true);
  const accessToken = readAccessCookie(c);
  let session: ResolvedCredential | null = accessToken ? await verifiedSession(c, accessToken) : null;
  const refreshToken = readRefreshCookie(c);
  if (!session && refreshToken) {
    try {
      const tokens = await refresh(requestContext(c), refreshToken);
      setSessionCookies(c, tokens);
      session = await verifiedSession(c, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Only a refused session is dropped; a rate-limited or unavailable renewal, or one another
      // tab won a moment ago, leaves the cookies for the next request, which may succeed.
      if (error.code === "UNAUTHENTICATED" && !(error instanceof ConcurrentRefreshError))
        clearSessionCookies(c);
    }
  }
  if (session?.principal.kind !== "user") return null;
  c.set("principal", session.principal);
  c.set("tenant", tenantContext(c, session, null));
  return session.principal;
}

/** Pages behind sign-in send visitors to /login and bring them back afterwards. */
export const requireSignedIn = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await pageSession(c))) {
    // The query too: an emailed link (/account/email/verify?token=…) must survive signing in.
    const { pathname, search } = new URL(c.req.url);
    const back = pathname + search;
    return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  }
  await next();
};

/** The signed-in user; only for handlers behind requireSignedIn(). */
export function signedInUser(c: Context<AppEnv>): UserPrincipal {
  const principal = c.get("principal");
  if (principal?.kind !== "user") throw new Error("signedInUser: page is missing requireSignedIn()");
  return principal;
}
