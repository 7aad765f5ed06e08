import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { memberships, tenants } from "../tenants/tenants.schema";
import { refreshFamilies, refreshTokens, users } from "./auth.schema";

/**
 * Everything a request needs to trust an access token, as one query to put in the request's first
 * D1 batch: the membership and its current role, the tenant's status, whether the session (refresh
 * family) was revoked, and the user's tokens-not-before.
 */
export const sessionStateQuery = (db: Db, userId: string, tenantId: string, familyId: string) =>
  db
    .select({
      tokensNotBefore: users.tokensNotBefore,
      role: memberships.role,
      tenantStatus: tenants.status,
      tenantTimeZone: tenants.timezone,
      familyRevokedAt: refreshFamilies.revokedAt,
    })
    .from(users)
    .leftJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.tenantId, tenantId)))
    .leftJoin(tenants, eq(tenants.id, tenantId))
    .leftJoin(refreshFamilies, and(eq(refreshFamilies.id, familyId), eq(refreshFamilies.userId, users.id)))
    .where(eq(users.id, userId))
    .limit(1);

export type SessionState = Awaited<ReturnType<typeof sessionStateQuery>>[number];

export const findSessionState = async (db: Db, userId: string, tenantId: string, familyId: string) =>
  (await sessionStateQuery(db, userId, tenantId, familyId))[0];

export const insertRefreshFamily = (db: Db, family: typeof refreshFamilies.$inferInsert) =>
  db.insert(refreshFamilies).values(family);

export const insertRefreshToken = (db: Db, token: typeof refreshTokens.$inferInsert) =>
  db.insert(refreshTokens).values(token);

/** The refresh token with its family, by the token's hash. */
export const findRefreshToken = (db: Db, tokenHash: string) =>
  db
    .select({
      id: refreshTokens.id,
      usedAt: refreshTokens.usedAt,
      expiresAt: refreshTokens.expiresAt,
      familyId: refreshFamilies.id,
      userId: refreshFamilies.userId,
      tenantId: refreshFamilies.tenantId,
      familyExpiresAt: refreshFamilies.expiresAt,
      familyRevokedAt: refreshFamilies.revokedAt,
    })
    .from(refreshTokens)
    .innerJoin(refreshFamilies, eq(refreshFamilies.id, refreshTokens.familyId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .get();

/** Marks a refresh token used, only if nobody else did first; true when this call won. */
export async function claimRefreshToken(db: Db, tokenId: string, now: number): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.id, tokenId), isNull(refreshTokens.usedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length === 1;
}

export const revokeFamily = (db: Db, familyId: string, reason: string, now: number) =>
  db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshFamilies.id, familyId), isNull(refreshFamilies.revokedAt)));

export const revokeFamiliesOfUser = (
  db: Db,
  userId: string,
  reason: string,
  now: number,
  tenantId?: string,
) =>
  db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(
        eq(refreshFamilies.userId, userId),
        isNull(refreshFamilies.revokedAt),
        tenantId === undefined ? undefined : eq(refreshFamilies.tenantId, tenantId),
      ),
    );
