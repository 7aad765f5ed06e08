import { and, desc, eq, exists, getTableColumns, gt, isNotNull, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { identityVerifications, users } from "./auth.schema";

export type Channel = (typeof identityVerifications.$inferSelect)["channel"];
export type Verification = typeof identityVerifications.$inferSelect;

/** The account a verified phone belongs to (WhatsApp sign-in): an unverified phone belongs to no one. */
export const findUserByVerifiedPhone = (db: Db, phone: string) =>
  db
    .select()
    .from(users)
    .where(and(eq(users.phone, phone), isNotNull(users.phoneVerifiedAt)))
    .get();

/** The account that proved this email or phone, if any, as a query for a batch. */
export const verifiedHolderQuery = (db: Db, channel: Channel, value: string) =>
  channel === "email"
    ? db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.email, value), isNotNull(users.emailVerifiedAt)))
    : db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.phone, value), isNotNull(users.phoneVerifiedAt)));

export const verifiedHolderOf = (db: Db, channel: Channel, value: string) =>
  verifiedHolderQuery(db, channel, value).get();

/**
 * The accounts a password sign-in with this email may open: the one that verified it first, then
 * those holding it unverified, newest first. Several accounts hold one email only while none has
 * verified it (or as stale claims after someone did); `limit` bounds the password checks.
 */
export const accountsWithEmail = (db: Db, email: string, limit: number) =>
  db
    .select()
    .from(users)
    .where(eq(users.email, email))
    .orderBy(sql`${users.emailVerifiedAt} IS NULL`, desc(users.createdAt))
    .limit(limit)
    .all();

export const userByIdQuery = (db: Db, userId: string) => db.select().from(users).where(eq(users.id, userId));

export const insertVerification = (db: Db, row: typeof identityVerifications.$inferInsert) =>
  db.insert(identityVerifications).values(row);

/** Ends the user's earlier pending codes or links on this channel: only the newest one works. */
export const endPendingVerifications = (db: Db, userId: string, channel: Channel, now: number) =>
  db
    .update(identityVerifications)
    .set({ consumedAt: now })
    .where(
      and(
        eq(identityVerifications.userId, userId),
        eq(identityVerifications.channel, channel),
        isNull(identityVerifications.consumedAt),
      ),
    );

/** The user's newest live code for this phone. */
export const activePhoneVerificationQuery = (db: Db, userId: string, phone: string, now: number) =>
  db
    .select()
    .from(identityVerifications)
    .where(
      and(
        eq(identityVerifications.userId, userId),
        eq(identityVerifications.channel, "phone"),
        eq(identityVerifications.value, phone),
        isNull(identityVerifications.consumedAt),
        gt(identityVerifications.expiresAt, now),
      ),
    )
    .orderBy(desc(identityVerifications.createdAt))
    .limit(1);

/** An email link by its token's hash, with the account (if any) that has verified its address. */
export const emailVerificationQuery = (db: Db, secretHash: string) =>
  db
    .select({
      ...getTableColumns(identityVerifications),
      verifiedHolderId: sql<string | null>`(
        SELECT ${users.id} FROM ${users}
        WHERE ${users.email} = ${identityVerifications.value} AND ${users.emailVerifiedAt} IS NOT NULL
        LIMIT 1)`,
    })
    .from(identityVerifications)
    .where(and(eq(identityVerifications.secretHash, secretHash), eq(identityVerifications.channel, "email")));

export const countVerificationAttempt = (db: Db, id: string) =>
  db
    .update(identityVerifications)
    .set({ attempts: sql`${identityVerifications.attempts} + 1` })
    .where(eq(identityVerifications.id, id))
    .returning({ attempts: identityVerifications.attempts })
    .get();

export const consumeVerification = (db: Db, id: string, now: number) =>
  db
    .update(identityVerifications)
    .set({ consumedAt: now })
    .where(and(eq(identityVerifications.id, id), isNull(identityVerifications.consumedAt)));

// The statements that apply a proof run in one batch before the verification is claimed, each
// guarded by "still unclaimed": when two requests race with the same code, the loser's batch
// changes nothing, and its claim returns no row.
const stillUnclaimed = (db: Db, verificationId: string) =>
  exists(
    db
      .select({ one: sql`1` })
      .from(identityVerifications)
      .where(and(eq(identityVerifications.id, verificationId), isNull(identityVerifications.consumedAt))),
  );

/** Takes the phone from every other account that holds it unverified: proof beats a claim. */
export const releasePhoneFromOthers = (
  db: Db,
  phone: string,
  userId: string,
  verificationId: string,
  now: number,
) =>
  db
    .update(users)
    .set({ phone: null, updatedAt: now })
    .where(
      and(
        eq(users.phone, phone),
        isNull(users.phoneVerifiedAt),
        ne(users.id, userId),
        stillUnclaimed(db, verificationId),
      ),
    );

/** Makes the proved value the user's phone or email, verified now. */
export const setVerifiedIdentifier = (
  db: Db,
  userId: string,
  channel: Channel,
  value: string,
  verificationId: string,
  now: number,
) =>
  db
    .update(users)
    .set(
      channel === "email"
        ? { email: value, emailVerifiedAt: now, updatedAt: now }
        : { phone: value, phoneVerifiedAt: now, updatedAt: now },
    )
    .where(and(eq(users.id, userId), stillUnclaimed(db, verificationId)));

/** Claims the verification (single use); returns its id only for the request that claimed it. */
export const claimVerification = (db: Db, id: string, now: number) =>
  consumeVerification(db, id, now).returning({ id: identityVerifications.id });
