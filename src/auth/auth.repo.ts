import { and, desc, eq, exists, gt, isNull, type SQL, sql } from "drizzle-orm";
import { subscriptions } from "../billing/subscriptions.schema";
import type { Db } from "../db/client";
import { memberships, tenants } from "../tenants/tenants.schema";
import { otpCodes, passwordResets, users } from "./auth.schema";

export type User = typeof users.$inferSelect;

export const insertUser = (db: Db, user: typeof users.$inferInsert) => db.insert(users).values(user);

/**
 * The account an email reaches (a reset link): the one that verified it, else the newest of those
 * holding it unverified (several may, see auth.schema).
 */
export const findUserByEmail = (db: Db, email: string) =>
  db
    .select()
    .from(users)
    .where(eq(users.email, email))
    .orderBy(sql`${users.emailVerifiedAt} IS NULL`, desc(users.createdAt))
    .get();

export const findUserById = (db: Db, id: string) => db.select().from(users).where(eq(users.id, id)).get();

/**
 * Sets a new password hash and refuses access tokens issued before `notBefore`; `onlyIf` guards it
 * inside a batch.
 */
export const updatePassword = (
  db: Db,
  userId: string,
  passwordHash: string,
  notBefore: number,
  now: number,
  onlyIf?: SQL,
) =>
  db
    .update(users)
    .set({ passwordHash, tokensNotBefore: notBefore, updatedAt: now })
    .where(and(eq(users.id, userId), onlyIf));

/**
 * The user's workspaces, oldest membership first (the default one to sign in to), each with its
 * plan, which a sign-in puts in the access token.
 */
export const listMembershipsOfUser = (db: Db, userId: string) => membershipsOfUserQuery(db, userId).all();

const membershipsOfUserQuery = (db: Db, userId: string) =>
  db
    .select({
      tenantId: tenants.id,
      nameAr: tenants.nameAr,
      nameEn: tenants.nameEn,
      status: tenants.status,
      role: memberships.role,
      plan: subscriptions.plan,
    })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .leftJoin(subscriptions, eq(subscriptions.tenantId, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(memberships.createdAt);

/** The account page's user, tenant and workspaces, as queries for one batch. */
export const accountQueries = (db: Db, userId: string, tenantId: string) =>
  [
    db.select().from(users).where(eq(users.id, userId)),
    db.select().from(tenants).where(eq(tenants.id, tenantId)),
    membershipsOfUserQuery(db, userId),
  ] as const;

export async function findAccount(db: Db, userId: string, tenantId: string) {
  const [userRows, tenantRows, workspaces] = await db.batch(accountQueries(db, userId, tenantId));
  return { user: userRows[0], tenant: tenantRows[0], workspaces };
}

export const insertOtp = (db: Db, otp: typeof otpCodes.$inferInsert) => db.insert(otpCodes).values(otp);

/** Ends every earlier unused code for the phone (a new one replaces them); used ones keep their time. */
export const consumeOtpsOfPhone = (db: Db, phone: string, now: number) =>
  db
    .update(otpCodes)
    .set({ consumedAt: now })
    .where(and(eq(otpCodes.phone, phone), isNull(otpCodes.consumedAt)));

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

export const insertPasswordReset = (db: Db, reset: typeof passwordResets.$inferInsert) =>
  db.insert(passwordResets).values(reset);

export const findPasswordReset = (db: Db, tokenHash: string) =>
  db.select().from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash)).get();

const isUsableReset = (resetId: string, now: number) =>
  and(eq(passwordResets.id, resetId), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now));

/** True while the reset link is unused and unexpired: the condition every write of a reset shares. */
export const passwordResetUsable = (db: Db, resetId: string, now: number) =>
  exists(db.select({ one: sql`1` }).from(passwordResets).where(isUsableReset(resetId, now)));

/** Uses the reset link up, only if it is still usable; returns the claimed row (none: too late). */
export const claimPasswordReset = (db: Db, resetId: string, now: number) =>
  db
    .update(passwordResets)
    .set({ usedAt: now })
    .where(isUsableReset(resetId, now))
    .returning({ id: passwordResets.id });
