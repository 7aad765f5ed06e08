import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { dbFor } from "../db/client";
import type { AppEnv } from "./context";
import { sha256Hex } from "./crypto";
import { claimKey, completeKey, findKey, type KeyClaim, releaseKey } from "./idempotency.repo";
import { ApiError } from "./problem";
import { clientNetwork } from "./rate-limit";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
// How long a first request holds its key while it runs. Workers answer within seconds; a record
// still in progress after a minute belongs to a request that crashed, and a retry may take it over.
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;
const ACCEPTABLE_KEY = /^[\x21-\x7e]{1,255}$/;

// Responses to input the caller must fix are not kept, so the same key can be retried once the
// request is corrected; neither are server errors, so a retry can succeed (as Stripe does), nor
// rate limiting (429), which says "later", not "this is the answer".
const NOT_REMEMBERED = new Set([400, 413, 415, 422, 429]);

/**
 * Whose keys these are: the tenant and user or API key, set by requireAccess (which must run
 * first). An anonymous caller is its client network (an IPv4 address, an IPv6 /64), hashed so no
 * address is stored, so two clients never share one anonymous scope; without a known network
 * (the request did not come through Cloudflare's edge) there is no caller to scope by: null.
 */
async function callerOf(c: Context<AppEnv>): Promise<string | null> {
  const principal = c.get("principal");
  if (principal) {
    return `${principal.tenantId}:${principal.kind === "user" ? principal.userId : principal.apiKeyId}`;
  }
  const network = clientNetwork(c.req.raw);
  return network === null ? null : `anonymous:${await sha256Hex(network)}`;
}

/**
 * `Idempotency-Key` for a POST route that creates something: the first request with a key runs
 * and its response is kept for 24 hours; the same key with the same body replays that response;
 * with a different body it is a 409. Keys are scoped by caller (see callerOf) and by method and
 * path. An anonymous request with no known client network runs without the key's protection.
 * A request still in progress holds its key for IDEMPOTENCY_LEASE_MS at most.
 *
 * Routes opt in. A route whose response carries a secret (tokens, an API key, an invitation
 * link) must not: the stored response would keep that secret in D1 in clear.
 */
export const idempotency = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const key = c.req.header("Idempotency-Key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!ACCEPTABLE_KEY.test(key)) {
    throw new ApiError("INVALID_HEADER", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
  }

  const caller = await callerOf(c);
  if (caller === null) return next();
  // Claiming the key is a write: a session that has ended (logout, removal, role change) must be
  // refused before it, so the check that would ride with the handler's first read runs now.
  await c.get("tenant")?.scope.settle();
  const db = dbFor(c.env.DB);
  const scope = `${caller} ${c.req.method} ${c.req.path}`;
  const requestHash = await sha256Hex(await c.req.text());
  const now = Date.now();

  const claimed = await claimKey(db, {
    scope,
    key,
    requestHash,
    now,
    expiresAt: now + IDEMPOTENCY_TTL_MS,
    leaseExpiredBefore: now - IDEMPOTENCY_LEASE_MS,
  });
  if (!claimed) {
    const existing = await findKey(db, scope, key);
    if (!existing) {
      throw new ApiError("IDEMPOTENCY_IN_PROGRESS", "Retry the request.", {
        headers: { "Retry-After": "1" },
      });
    }
    if (existing.requestHash !== requestHash) {
      throw new ApiError(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used with a different request body; use a new key for a new request.",
      );
    }
    if (existing.state !== "completed" || existing.responseStatus === null) {
      throw new ApiError("IDEMPOTENCY_IN_PROGRESS", "The first request with this key has not finished yet.", {
        headers: { "Retry-After": "1" },
      });
    }
    return new Response(existing.responseBody, {
      status: existing.responseStatus,
      headers: {
        ...(existing.responseContentType ? { "Content-Type": existing.responseContentType } : {}),
        "Idempotent-Replayed": "true",
      },
    });
  }

  // A handler's thrown error has already been rendered into c.res by the app's onError here.
  await next();
  const claim: KeyClaim = { scope, key, claimedAt: now };
  const status = c.res.status;
  if (status >= 500 || NOT_REMEMBERED.has(status)) {
    await releaseKey(db, claim);
    return;
  }
  await completeKey(db, claim, {
    status,
    contentType: c.res.headers.get("Content-Type"),
    body: await c.res.clone().text(),
  });
};

/** Declares the header in a route's OpenAPI contract; the middleware above enforces it. */
export const IdempotencyKeyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .max(255)
    .optional()
    .openapi({ description: "Any unique string (a UUID works). Replays the first response for 24 hours." }),
});
