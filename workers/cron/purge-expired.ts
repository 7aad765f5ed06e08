import { and, eq, lte, notExists } from "drizzle-orm";
import { operatorChallenges, operatorSessions } from "../../src/admin/admin.schema";
import {
  identityVerifications,
  otpCodes,
  passwordResets,
  refreshFamilies,
  refreshTokens,
} from "../../src/auth/auth.schema";
import type { Db } from "../../src/db/client";
import { purgeExpiredRows } from "../../src/db/purge";
import { purgeImportRows } from "../../src/imports/imports-purge";
import { idempotencyKeys } from "../../src/platform/idempotency.schema";

/**
 * Removes credentials and records nobody can use any more: Idempotency-Key responses past 24 h,
 * expired WhatsApp codes, email and phone verification codes and links, reset links and refresh
 * tokens, sessions that have ended and hold no tokens, and operator codes and sessions past their
 * absolute end (operator_audit_events keeps the record of each). Each is refused by its expiry anyway; this only keeps the tables small.
 * Also removes the raw CSV values of imports finished more than 7 days ago (personal data).
 */
export async function purgeExpired(db: Db, now: number) {
  const counts = {
    idempotencyKeys: await purgeExpiredRows(db, idempotencyKeys, idempotencyKeys.expiresAt, now),
    otpCodes: await purgeExpiredRows(db, otpCodes, otpCodes.expiresAt, now),
    passwordResets: await purgeExpiredRows(db, passwordResets, passwordResets.expiresAt, now),
    refreshTokens: await purgeExpiredRows(db, refreshTokens, refreshTokens.expiresAt, now),
    refreshFamilies: 0,
    identityVerifications: await purgeExpiredRows(
      db,
      identityVerifications,
      identityVerifications.expiresAt,
      now,
    ),
    operatorChallenges: await purgeExpiredRows(db, operatorChallenges, operatorChallenges.expiresAt, now),
    operatorSessions: await purgeExpiredRows(db, operatorSessions, operatorSessions.expiresAt, now),
  };
  const endedSessions = await db
    .delete(refreshFamilies)
    .where(
      and(
        lte(refreshFamilies.expiresAt, now),
        notExists(db.select().from(refreshTokens).where(eq(refreshTokens.familyId, refreshFamilies.id))),
      ),
    );
  counts.refreshFamilies = endedSessions.meta.changes;
  const imported = await purgeImportRows(db, now);
  return {
    ...counts,
    importRows: imported.importRows,
    importsPurged: imported.imports,
    importsExpired: imported.expiredImports,
  };
}
