import type { Db } from "../db/client";
import { earlyAccessRequests } from "./early-access.schema";

export type NewEarlyAccessRequest = typeof earlyAccessRequests.$inferInsert;

/** Inserts the request unless this phone already asked; a repeat is not an error. */
export async function insertEarlyAccessRequest(db: Db, row: NewEarlyAccessRequest): Promise<void> {
  await db.insert(earlyAccessRequests).values(row).onConflictDoNothing({ target: earlyAccessRequests.phone });
}
