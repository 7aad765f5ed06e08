import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { dbFor } from "../db/client";
import type { AppEnv } from "./context";
import { sha256Hex } from "./crypto";
import { claimKey, completeKey, findKey, releaseKey } from "./idempotency.repo";
import { ApiError } from "./problem";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const ACCEPTABLE_KEY = /^[\x21-\x7e]{1,255}$/;

// Responses to input the caller must fix are not kept, so the same key can be retried once the
// request is corrected; neither are server errors, so a retry can succeed (as Stripe does).
const NOT_REMEMBERED = new Set([400, 413, 415, 422]);

/**
 * `Idempotency-Key` for a POST route that creates something: the first request with a key runs
 * and its response is kept for 24 hours; the same key with the same body replays that response;
 * with a different body it is a 409. Keys are scoped by caller (tenant and user or API key, set
 * by requireAccess, which must run first) and by method and path.
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

  const db = dbFor(c.env.DB);
  const principal = c.get("principal");
  const caller = !principal
    ? "anonymous"
    : `${principal.tenantId}:${principal.kind === "user" ? principal.userId : principal.apiKeyId}`;
  const scope = `${caller} ${c.req.method} ${c.req.path}`;
  const requestHash = await sha256Hex(await c.req.text());
  const now = Date.now();

  if (!(await claimKey(db, { scope, key, requestHash, now, expiresAt: now + IDEMPOTENCY_TTL_MS }))) {
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
  const status = c.res.status;
  if (status >= 500 || NOT_REMEMBERED.has(status)) {
    await releaseKey(db, scope, key);
    return;
  }
  await completeKey(db, scope, key, {
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
