import { and, eq, lte, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { idempotencyKeys } from "./idempotency.schema";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

interface ClaimInput {
  scope: string;
  key: string;
  requestHash: string;
  now: number;
  expiresAt: number;
  /** A record still in progress that was claimed before this is a crashed request's. */
  leaseExpiredBefore: number;
}

/** Which claim of a key a request holds: its `created_at`, reset by every claim and takeover. */
export interface KeyClaim {
  scope: string;
  key: string;
  claimedAt: number;
}

/**
 * Claims the key for this request in one statement: inserts it, or takes over a record that has
 * expired or whose first request left it in progress past its lease (a crash must not hold the
 * key for a day). Returns false when a live record already holds the key.
 */
export async function claimKey(db: Db, { leaseExpiredBefore, ...input }: ClaimInput): Promise<boolean> {
  const rows = await db
    .insert(idempotencyKeys)
    .values({ ...input, state: "in_progress", createdAt: input.now })
    .onConflictDoUpdate({
      target: [idempotencyKeys.scope, idempotencyKeys.key],
      set: {
        requestHash: input.requestHash,
        state: "in_progress",
        responseStatus: null,
        responseContentType: null,
        responseBody: null,
        createdAt: input.now,
        expiresAt: input.expiresAt,
      },
      setWhere: or(
        lte(idempotencyKeys.expiresAt, input.now),
        and(eq(idempotencyKeys.state, "in_progress"), lte(idempotencyKeys.createdAt, leaseExpiredBefore)),
      ),
    })
    .returning({ scope: idempotencyKeys.scope });
  return rows.length === 1;
}

export async function findKey(db: Db, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
  return db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)))
    .get();
}

/** The record this claim still holds: not taken over by a later request after its lease ran out. */
const heldBy = (claim: KeyClaim) =>
  and(
    eq(idempotencyKeys.scope, claim.scope),
    eq(idempotencyKeys.key, claim.key),
    eq(idempotencyKeys.state, "in_progress"),
    eq(idempotencyKeys.createdAt, claim.claimedAt),
  );

export async function completeKey(
  db: Db,
  claim: KeyClaim,
  response: { status: number; contentType: string | null; body: string },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      state: "completed",
      responseStatus: response.status,
      responseContentType: response.contentType,
      responseBody: response.body,
    })
    .where(heldBy(claim));
}

export async function releaseKey(db: Db, claim: KeyClaim): Promise<void> {
  await db.delete(idempotencyKeys).where(heldBy(claim));
}
