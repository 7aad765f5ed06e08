import { and, eq, exists, gt, isNull, type SQL, sql } from "drizzle-orm";
import { subscriptions } from "../billing/subscriptions.schema";
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
      // Aliased: D1 names result columns by their bare name, and tenants has a `status` too.
      // A closing account (src/tenant-export/tenant-closure.ts) is read-only as a suspended one is.
      subscriptionStatus: sql<
        string | null
      >`CASE WHEN ${tenants.deleteAfter} IS NOT NULL THEN 'closing' ELSE ${subscriptions.status} END`.as(
        "subscription_status",
      ),
    })
    .from(users)
    .leftJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.tenantId, tenantId)))
    .leftJoin(tenants, eq(tenants.id, tenantId))
    .leftJoin(refreshFamilies, and(eq(refreshFamilies.id, familyId), eq(refreshFamilies.userId, users.id)))
    .leftJoin(subscriptions, eq(subscriptions.tenantId, tenantId))
    .where(eq(users.id, userId))
    .limit(1);

export type SessionState = Awaited<ReturnType<typeof sessionStateQuery>>[number];

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

/**
 * What a rotation decides on, read in the rotating batch just before the claim: whether the token
 * was used meanwhile, and whether its session, membership and tenant still stand; and the tenant's
 * plan, for the new access token.
 */
export const rotationStateQuery = (db: Db, tokenId: string) =>
  db
    .select({
      usedAt: refreshTokens.usedAt,
      familyRevokedAt: refreshFamilies.revokedAt,
      role: memberships.role,
      tenantStatus: tenants.status,
      plan: subscriptions.plan,
    })
    .from(refreshTokens)
    .innerJoin(refreshFamilies, eq(refreshFamilies.id, refreshTokens.familyId))
    .leftJoin(
      memberships,
      and(eq(memberships.userId, refreshFamilies.userId), eq(memberships.tenantId, refreshFamilies.tenantId)),
    )
    .leftJoin(tenants, eq(tenants.id, refreshFamilies.tenantId))
    .leftJoin(subscriptions, eq(subscriptions.tenantId, refreshFamilies.tenantId))
    .where(eq(refreshTokens.id, tokenId));

/**
 * Marks a refresh token used, only if nobody else did first and its session may still go on: the
 * token and its family unexpired, the family not revoked, the member still in an active tenant.
 * Returns the claimed row: none when this call lost or the session has ended.
 */
export const claimRefreshToken = (db: Db, token: { id: string; familyId: string }, now: number) =>
  db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(refreshTokens.id, token.id),
        isNull(refreshTokens.usedAt),
        gt(refreshTokens.expiresAt, now),
        exists(
          db
            .select({ one: sql`1` })
            .from(refreshFamilies)
            .innerJoin(
              memberships,
              and(
                eq(memberships.userId, refreshFamilies.userId),
                eq(memberships.tenantId, refreshFamilies.tenantId),
              ),
            )
            .innerJoin(tenants, and(eq(tenants.id, refreshFamilies.tenantId), eq(tenants.status, "active")))
            .where(
              and(
                eq(refreshFamilies.id, token.familyId),
                isNull(refreshFamilies.revokedAt),
                gt(refreshFamilies.expiresAt, now),
              ),
            ),
        ),
      ),
    )
    .returning({ id: refreshTokens.id });

/**
 * Inserts the next refresh token only if the statement just before it in the batch (the claim)
 * changed a row, so the claim and its successor commit together or not at all.
 */
export function insertRefreshTokenIfClaimed(db: Db, token: typeof refreshTokens.$inferInsert) {
  const value = (v: string | number | null, name: string) => sql`${v}`.as(name);
  return db.insert(refreshTokens).select(
    db
      .select({
        id: value(token.id, "id"),
        familyId: value(token.familyId, "family_id"),
        tokenHash: value(token.tokenHash, "token_hash"),
        expiresAt: value(token.expiresAt, "expires_at"),
        usedAt: value(null, "used_at"),
        createdAt: value(token.createdAt, "created_at"),
      })
      .from(sql`(SELECT 1)`)
      .where(sql`changes() > 0`),
  );
}

export const revokeFamily = (db: Db, familyId: string, reason: string, now: number) =>
  db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshFamilies.id, familyId), isNull(refreshFamilies.revokedAt)));

/** Ends the user's sessions (in one tenant when given); `onlyIf` guards it inside a batch. */
export const revokeFamiliesOfUser = (
  db: Db,
  userId: string,
  reason: string,
  now: number,
  options: { tenantId?: string; onlyIf?: SQL } = {},
) =>
  db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(
        eq(refreshFamilies.userId, userId),
        isNull(refreshFamilies.revokedAt),
        options.tenantId === undefined ? undefined : eq(refreshFamilies.tenantId, options.tenantId),
        options.onlyIf,
      ),
    );
