import { auditInsert } from "../audit/audit.service";
import type { PlanId } from "../billing/plans";
import type { Db } from "../db/client";
import type { RequestContext } from "../platform/context";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import type { Role } from "../platform/roles";
import {
  claimRefreshToken,
  findRefreshToken,
  insertRefreshFamily,
  insertRefreshToken,
  insertRefreshTokenIfClaimed,
  revokeFamily,
  rotationStateQuery,
} from "./sessions.repo";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  REFRESH_TOKEN_TTL_MS,
  SESSION_MAX_AGE_MS,
  signAccessToken,
} from "./tokens";

// Two tabs refreshing at once present the same token twice within moments; that second use is
// refused but does not end the session. Any later reuse is treated as theft (ASVS 10.4.5).
export const REFRESH_REUSE_GRACE_MS = 10_000;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

interface SessionSubject {
  userId: string;
  tenantId: string;
  role: Role;
  /** The tenant's plan, read with the sign-in's other data; null when unknown (default API quotas). */
  plan: PlanId | null;
}

/**
 * A new sign-in: the refresh family, its first refresh token and an access token. Returns the
 * inserts rather than running them so the caller commits them in one batch with its other writes
 * (sign-up creates the tenant, user and session atomically).
 */
export async function newSession(db: Db, jwtSecret: string, subject: SessionSubject, now: number) {
  const familyId = newId(idPrefixes.refreshFamily);
  const refreshToken = newSecret();
  const inserts = [
    insertRefreshFamily(db, {
      id: familyId,
      userId: subject.userId,
      tenantId: subject.tenantId,
      createdAt: now,
      expiresAt: now + SESSION_MAX_AGE_MS,
    }),
    insertRefreshToken(db, {
      id: newId(idPrefixes.refreshToken),
      familyId,
      tokenHash: await sha256Hex(refreshToken),
      expiresAt: now + REFRESH_TOKEN_TTL_MS,
      createdAt: now,
    }),
  ] as const;
  const tokens: TokenPair = {
    accessToken: await signAccessToken(jwtSecret, { ...subject, familyId }, now),
    refreshToken,
    tokenType: "Bearer",
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
  return { familyId, inserts, tokens };
}

const SESSION_ENDED = "The session has ended; sign in again.";

/**
 * A refresh token that another request exchanged moments ago (two tabs renewing at once). Refused
 * like any used token, but the session stands: the other request holds its newer tokens, so a
 * browser must keep its cookies rather than sign out.
 */
export class ConcurrentRefreshError extends ApiError {
  constructor() {
    super("UNAUTHENTICATED", SESSION_ENDED);
  }
}

/**
 * Exchanges a refresh token for a new pair (rotation). Presenting a token that was already
 * exchanged revokes its whole family: whoever holds the newer token is signed out too.
 */
export async function refresh(ctx: RequestContext, refreshToken: string): Promise<TokenPair> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.refreshPerIp, clientIp(ctx.request));
  const { db, now } = ctx;
  const token = await findRefreshToken(db, await sha256Hex(refreshToken));
  if (!token || token.familyRevokedAt !== null) throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
  if (token.usedAt !== null) {
    if (now - token.usedAt > REFRESH_REUSE_GRACE_MS) {
      await db.batch([
        revokeFamily(db, token.familyId, "refresh_token_reuse", now),
        auditInsert(
          db,
          {
            tenantId: token.tenantId,
            actor: { type: "anonymous" },
            action: "auth.refresh_reuse_detected",
            target: { type: "user", id: token.userId },
          },
          ctx.origin,
          now,
        ),
      ]);
      throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
    }
    throw new ConcurrentRefreshError();
  }
  if (token.expiresAt <= now || token.familyExpiresAt <= now)
    throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);

  // One batch: the state the claim is decided on, the guarded claim, and the next token inserted
  // only if the claim changed a row. A failure anywhere rolls all of it back, so a crash can never
  // leave a used token without a successor (which the next refresh would take for theft).
  const nextToken = newSecret();
  const [[state], claimed] = await db.batch([
    rotationStateQuery(db, token.id),
    claimRefreshToken(db, token, now),
    insertRefreshTokenIfClaimed(db, {
      id: newId(idPrefixes.refreshToken),
      familyId: token.familyId,
      tokenHash: await sha256Hex(nextToken),
      expiresAt: Math.min(now + REFRESH_TOKEN_TTL_MS, token.familyExpiresAt),
      createdAt: now,
    }),
  ]);
  if (claimed.length === 1 && state?.role) {
    return {
      accessToken: await signAccessToken(
        ctx.config.JWT_SECRET,
        {
          userId: token.userId,
          tenantId: token.tenantId,
          role: state.role,
          familyId: token.familyId,
          // Read in the same batch: a plan change reaches the quota with this new token.
          plan: state.plan,
        },
        now,
      ),
      refreshToken: nextToken,
      tokenType: "Bearer",
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    };
  }
  // Not claimed: the state read in the same batch says why.
  if (!state || state.familyRevokedAt !== null) throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
  if (state.usedAt !== null) throw new ConcurrentRefreshError();
  if (state.role === null || state.tenantStatus !== "active") {
    await revokeFamily(db, token.familyId, "membership_ended", now);
  }
  throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
}

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export async function logout(ctx: RequestContext, refreshToken: string): Promise<void> {
  const token = await findRefreshToken(ctx.db, await sha256Hex(refreshToken));
  if (!token || token.familyRevokedAt !== null) return;
  await ctx.db.batch([
    revokeFamily(ctx.db, token.familyId, "logout", ctx.now),
    auditInsert(
      ctx.db,
      { tenantId: token.tenantId, actor: { type: "user", id: token.userId }, action: "auth.signed_out" },
      ctx.origin,
      ctx.now,
    ),
  ]);
}
