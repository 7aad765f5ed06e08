import type { Db } from "../db/client";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import type { Role } from "../tenants/tenants.schema";
import { refreshFamilies, refreshTokens } from "./auth.schema";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  REFRESH_TOKEN_TTL_MS,
  SESSION_MAX_AGE_MS,
  signAccessToken,
} from "./tokens";

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
    db.insert(refreshFamilies).values({
      id: familyId,
      userId: subject.userId,
      tenantId: subject.tenantId,
      createdAt: now,
      expiresAt: now + SESSION_MAX_AGE_MS,
    }),
    db.insert(refreshTokens).values({
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

/** The next refresh token of an existing family, capped at the family's absolute expiry. */
export async function nextRefreshToken(db: Db, familyId: string, familyExpiresAt: number, now: number) {
  const refreshToken = newSecret();
  const insert = db.insert(refreshTokens).values({
    id: newId(idPrefixes.refreshToken),
    familyId,
    tokenHash: await sha256Hex(refreshToken),
    expiresAt: Math.min(now + REFRESH_TOKEN_TTL_MS, familyExpiresAt),
    createdAt: now,
  });
  return { refreshToken, insert };
}
