import type { Db } from "../../src/db/client";
import { purgeExpiredKeys } from "../../src/platform/idempotency.repo";

const BATCH_SIZE = 500;
const MAX_BATCHES = 40;

/**
 * Deletes expired Idempotency-Key records in bounded batches so one run stays well inside D1's
 * per-query time and the Worker's per-invocation query limits; anything left goes next run.
 */
export async function purgeIdempotencyKeys(db: Db, now: number): Promise<number> {
  let purged = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const deleted = await purgeExpiredKeys(db, now, BATCH_SIZE);
    purged += deleted;
    if (deleted < BATCH_SIZE) break;
  }
  return purged;
}
