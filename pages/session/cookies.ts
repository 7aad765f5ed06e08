import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_MS } from "../../src/auth/tokens";
import type { AppEnv } from "../../src/platform/context";
import { timingSafeEqualStrings } from "../../src/platform/crypto";
import { newSecret } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";

/**
 * Browser sessions carry the same token pair as the API, in `__Host-` cookies: HttpOnly (no
 * script can read them), Secure, SameSite=Lax, Path=/ and no Domain, so no subdomain can set or
 * read them. Browsers treat http://localhost and 127.0.0.1 as secure, so this works in dev too.
 */
export const ACCESS_COOKIE = "__Host-dlx_at";
export const REFRESH_COOKIE = "__Host-dlx_rt";
export const CSRF_COOKIE = "__Host-dlx_csrf";
export const CSRF_FIELD = "_csrf";

const base = { path: "/", secure: true, httpOnly: true, sameSite: "Lax" } as const;

export function setSessionCookies(c: Context<AppEnv>, tokens: { accessToken: string; refreshToken: string }) {
  setCookie(c, ACCESS_COOKIE, tokens.accessToken, { ...base, maxAge: ACCESS_TOKEN_TTL_SECONDS });
  setCookie(c, REFRESH_COOKIE, tokens.refreshToken, { ...base, maxAge: REFRESH_TOKEN_TTL_MS / 1000 });
}

export function clearSessionCookies(c: Context<AppEnv>) {
  deleteCookie(c, ACCESS_COOKIE, { ...base });
  deleteCookie(c, REFRESH_COOKIE, { ...base });
}

export const readAccessCookie = (c: Context<AppEnv>) => getCookie(c, ACCESS_COOKIE);
export const readRefreshCookie = (c: Context<AppEnv>) => getCookie(c, REFRESH_COOKIE);

/**
 * The CSRF token for this browser (double-submit): a random value in an HttpOnly cookie that
 * every form repeats in a hidden field. A cross-site page can make the browser send the cookie
 * but cannot read it to fill the field. Pairs with the Origin check on every form post.
 */
export function csrfToken(c: Context<AppEnv>): string {
  const issued = c.get("csrfToken");
  if (issued) return issued;
  const existing = getCookie(c, CSRF_COOKIE);
  const token = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : newSecret();
  if (token !== existing) setCookie(c, CSRF_COOKIE, token, base);
  // Every form on the page, and any later call in this request, must use the same value.
  c.set("csrfToken", token);
  return token;
}

export async function verifyCsrfToken(c: Context<AppEnv>) {
  const cookie = getCookie(c, CSRF_COOKIE);
  const form = await c.req.parseBody();
  const field = form[CSRF_FIELD];
  if (!cookie || typeof field !== "string" || !timingSafeEqualStrings(cookie, field)) {
    throw new ApiError(
      "CSRF_REJECTED",
      "The form expired or came from another site; reload the page and try again.",
    );
  }
}
