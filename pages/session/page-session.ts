import type { Context, MiddlewareHandler } from "hono";
import { authContext } from "../../src/auth/auth.routes";
import { ConcurrentRefreshError, refresh } from "../../src/auth/auth.service";
import { type Principal, userPrincipalFromToken } from "../../src/platform/auth";
import type { AppEnv } from "../../src/platform/context";
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
  let principal = accessToken ? await userPrincipalFromToken(c, accessToken) : null;
  const refreshToken = readRefreshCookie(c);
  if (!principal && refreshToken) {
    try {
      const tokens = await refresh(authContext(c), refreshToken);
      setSessionCookies(c, tokens);
      principal = await userPrincipalFromToken(c, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Only a refused session is dropped; a rate-limited or unavailable renewal, or one another
      // tab won a moment ago, leaves the cookies for the next request, which may succeed.
      if (error.code === "UNAUTHENTICATED" && !(error instanceof ConcurrentRefreshError))
        clearSessionCookies(c);
    }
  }
  if (principal) c.set("principal", principal);
  return principal;
}

/** Pages behind sign-in send visitors to /login and bring them back afterwards. */
export const requireSignedIn = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await pageSession(c))) {
    const back = new URL(c.req.url).pathname;
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
