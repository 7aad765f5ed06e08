import { and, eq, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { idempotencyKeys } from "./idempotency.schema";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

interface ClaimInput {
  scope: string;
  key: string;
  requestHash: string;
  now: number;
  expiresAt: number;
}

/**
 * Claims the key for this request in one statement: inserts it, or takes over a record that has
 * expired. Returns false when a live record already holds the key.
 */
export async function claimKey(db: Db, input: ClaimInput): Promise<boolean> {
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
      setWhere: lte(idempotencyKeys.expiresAt, input.now),
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

export async function completeKey(
  db: Db,
  scope: string,
  key: string,
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
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

export async function releaseKey(db: Db, scope: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}
