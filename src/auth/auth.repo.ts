import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { memberships, tenants } from "../tenants/tenants.schema";
import { otpCodes, passwordResets, refreshFamilies, refreshTokens, users } from "./auth.schema";

export type User = typeof users.$inferSelect;

/** Everything a request needs to trust an access token, in one round trip. */
export async function findSessionState(db: Db, userId: string, tenantId: string, familyId: string) {
  return db
    .select({
      tokensNotBefore: users.tokensNotBefore,
      isPlatformAdmin: users.isPlatformAdmin,
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
    .get();
}

export const findUserByEmail = (db: Db, email: string) =>
  db.select().from(users).where(eq(users.email, email)).get();

export const findUserByPhone = (db: Db, phone: string) =>
  db.select().from(users).where(eq(users.phone, phone)).get();

export const findUserById = (db: Db, id: string) => db.select().from(users).where(eq(users.id, id)).get();

/** The user's workspaces, oldest membership first (the default one to sign in to). */
export const listMembershipsOfUser = (db: Db, userId: string) => membershipsOfUserQuery(db, userId).all();

const membershipsOfUserQuery = (db: Db, userId: string) =>
  db
    .select({
      tenantId: tenants.id,
      nameAr: tenants.nameAr,
      nameEn: tenants.nameEn,
      status: tenants.status,
      role: memberships.role,
    })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(memberships.createdAt);

/** The account page's user, tenant and workspaces in one D1 round trip. */
export async function findAccount(db: Db, userId: string, tenantId: string) {
  const [userRows, tenantRows, workspaces] = await db.batch([
    db.select().from(users).where(eq(users.id, userId)),
    db.select().from(tenants).where(eq(tenants.id, tenantId)),
    membershipsOfUserQuery(db, userId),
  ]);
  return { user: userRows[0], tenant: tenantRows[0], workspaces };
}

export const findTenant = (db: Db, tenantId: string) =>
  db.select().from(tenants).where(eq(tenants.id, tenantId)).get();

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

/** The newest unexpired, unconsumed code for a phone. */
export const findActiveOtp = (db: Db, phone: string, now: number) =>
  db
    .select()
    .from(otpCodes)
    .where(and(eq(otpCodes.phone, phone), isNull(otpCodes.consumedAt), gt(otpCodes.expiresAt, now)))
    .orderBy(desc(otpCodes.createdAt))
    .get();

export const countOtpAttempt = (db: Db, otpId: string) =>
  db
    .update(otpCodes)
    .set({ attempts: sql`${otpCodes.attempts} + 1` })
    .where(eq(otpCodes.id, otpId))
    .returning({ attempts: otpCodes.attempts })
    .get();

export async function consumeOtp(db: Db, otpId: string, now: number): Promise<boolean> {
  const rows = await db
    .update(otpCodes)
    .set({ consumedAt: now })
    .where(and(eq(otpCodes.id, otpId), isNull(otpCodes.consumedAt)))
    .returning({ id: otpCodes.id });
  return rows.length === 1;
}

export const findPasswordReset = (db: Db, tokenHash: string) =>
  db.select().from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash)).get();
