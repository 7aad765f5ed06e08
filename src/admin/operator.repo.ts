import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import { operatorAuditEvents, operatorChallenges, operatorSessions } from "./admin.schema";

const isPlatformAdmin = (userId: SQLiteColumn) =>
  sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${userId} AND ${users.isPlatformAdmin} = 1)`;

/** Platform operators with this (lowercased) email; a non-operator account is never returned. */
export const operatorsWithEmail = (db: Db, email: string) =>
  db
    .select()
    .from(users)
    .where(and(eq(users.email, email), eq(users.isPlatformAdmin, true)))
    .orderBy(sql`${users.emailVerifiedAt} IS NULL`, desc(users.createdAt))
    .limit(3)
    .all();

/** Ends the operator's earlier pending challenges: only the newest code works. */
export const endPendingChallenges = (db: Db, userId: string, now: number) =>
  db
    .update(operatorChallenges)
    .set({ consumedAt: now })
    .where(and(eq(operatorChallenges.userId, userId), isNull(operatorChallenges.consumedAt)));

export const insertChallenge = (db: Db, row: typeof operatorChallenges.$inferInsert) =>
  db.insert(operatorChallenges).values(row);

export const findActiveChallenge = (db: Db, tokenHash: string, now: number) =>
  db
    .select()
    .from(operatorChallenges)
    .where(
      and(
        eq(operatorChallenges.tokenHash, tokenHash),
        isNull(operatorChallenges.consumedAt),
        gt(operatorChallenges.expiresAt, now),
      ),
    )
    .get();

export const countChallengeAttempt = (db: Db, challengeId: string) =>
  db
    .update(operatorChallenges)
    .set({ attempts: sql`${operatorChallenges.attempts} + 1` })
    .where(eq(operatorChallenges.id, challengeId))
    .returning({ attempts: operatorChallenges.attempts })
    .get();

/**
 * Uses up a challenge once. With `stillOperator`, only while its user is still a platform admin:
 * the code that passes is the one that starts the session, and a demotion in between wins.
 */
export async function consumeChallenge(db: Db, challengeId: string, now: number, stillOperator = false) {
  const rows = await db
    .update(operatorChallenges)
    .set({ consumedAt: now })
    .where(
      and(
        eq(operatorChallenges.id, challengeId),
        isNull(operatorChallenges.consumedAt),
        stillOperator ? isPlatformAdmin(operatorChallenges.userId) : undefined,
      ),
    )
    .returning({ userId: operatorChallenges.userId });
  return rows[0] ?? null;
}

export const insertOperatorSession = (db: Db, row: typeof operatorSessions.$inferInsert) =>
  db.insert(operatorSessions).values(row);

/**
 * The live session behind a cookie, touched: it stands only if not ended, within its absolute and
 * idle limits, and its user is still a platform admin. One statement, so checking and moving the
 * idle clock cannot disagree.
 */
export const touchLiveSession = (db: Db, tokenHash: string, now: number, idleMs: number) =>
  db
    .update(operatorSessions)
    .set({ lastSeenAt: now })
    .where(
      and(
        eq(operatorSessions.tokenHash, tokenHash),
        isNull(operatorSessions.endedAt),
        gt(operatorSessions.expiresAt, now),
        gt(operatorSessions.lastSeenAt, now - idleMs),
        isPlatformAdmin(operatorSessions.userId),
      ),
    )
    .returning({
      id: operatorSessions.id,
      userId: operatorSessions.userId,
      createdAt: operatorSessions.createdAt,
      expiresAt: operatorSessions.expiresAt,
    });

export const endOperatorSession = (db: Db, sessionId: string, reason: string, now: number) =>
  db
    .update(operatorSessions)
    .set({ endedAt: now, endedReason: reason })
    .where(and(eq(operatorSessions.id, sessionId), isNull(operatorSessions.endedAt)));

export const operatorProfile = (db: Db, userId: string) =>
  db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, userId));

export type OperatorAuditRow = typeof operatorAuditEvents.$inferInsert;

export const insertOperatorAuditEvent = (db: Db, row: OperatorAuditRow) =>
  db.insert(operatorAuditEvents).values(row);

/** Newest first; `after` continues below the last row of the previous page. */
export const listOperatorAuditEvents = (
  db: Db,
  filters: { operatorId?: string },
  after: CursorPosition | null,
  limit: number,
) =>
  db
    .select()
    .from(operatorAuditEvents)
    .where(
      and(
        filters.operatorId ? eq(operatorAuditEvents.operatorId, filters.operatorId) : undefined,
        continuingAfter(operatorAuditEvents.createdAt, operatorAuditEvents.id, after, "desc"),
      ),
    )
    .orderBy(desc(operatorAuditEvents.createdAt), desc(operatorAuditEvents.id))
    .limit(limit + 1);
