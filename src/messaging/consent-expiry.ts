import type { BatchItem } from "drizzle-orm/batch";
import { auditInsertIfChanged } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { MARKETING_CONSENT_MONTHS, marketingConsentExpiry, marketingGrantCutoff } from "./consent-validity";
import {
  expireIfCurrent,
  type LapsedGrant,
  lapsedMarketingGrants,
  marketingConsentsEnding,
} from "./consents.repo";

/** Grants closed per write batch: two statements each (the row and its audit event). */
const EXPIRY_CHUNK = 50;
/** Enough for any day's lapses; the rest wait for tomorrow, and the gate refuses them meanwhile. */
const MAX_CHUNKS_PER_RUN = 200;
/** The tenant's list shows what lapses within this many days. */
export const EXPIRING_WITHIN_DAYS = 30;
const LIST_LIMIT = 100;
const DAY_MS = 86_400_000;
const SYSTEM_ORIGIN = { requestId: null, ip: null };

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The ledger's evidence for an expiry, in the words an auditor reads. */
export const expiryEvidence = (grant: Pick<LapsedGrant, "occurredAt" | "source">) =>
  `granted ${day(grant.occurredAt)} (${grant.source}), not renewed in ${MARKETING_CONSENT_MONTHS} months`;

function closeGrant(db: Db, grant: LapsedGrant, now: number) {
  const expiresAt = marketingConsentExpiry(grant.occurredAt);
  return [
    expireIfCurrent(db, grant.id, {
      id: newId(idPrefixes.consent),
      tenantId: grant.tenantId,
      contactId: grant.contactId,
      channel: grant.channel,
      purpose: "marketing",
      evidenceText: expiryEvidence(grant),
      occurredAt: expiresAt,
      recordedBy: null,
      // After the grant it closes even when the grant was recorded after the run's scheduled time:
      // the newest row is the current state.
      createdAt: Math.max(now, grant.createdAt + 1),
    }),
    auditInsertIfChanged(
      db,
      {
        tenantId: grant.tenantId,
        actor: { type: "system" },
        action: "consent.expired",
        target: { type: "contact", id: grant.contactId },
        details: {
          channel: grant.channel,
          purpose: "marketing",
          grantId: grant.id,
          grantedAt: new Date(grant.occurredAt).toISOString(),
          expiredAt: new Date(expiresAt).toISOString(),
        },
      },
      SYSTEM_ORIGIN,
      now,
    ),
  ] as const;
}

/**
 * The daily job: appends an `expired` row, with its evidence and an audit event, for every
 * marketing grant that is 12 months old and still current. Safe to run twice or alongside a
 * renewal: each row is written only while its grant is still the newest (expireIfCurrent).
 */
export async function expireMarketingConsents(db: Db, now: number) {
  const cutoff = marketingGrantCutoff(now);
  let expired = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS_PER_RUN; chunk++) {
    const grants = await lapsedMarketingGrants(db, cutoff, EXPIRY_CHUNK);
    if (grants.length === 0) break;
    const statements: BatchItem<"sqlite">[] = grants.flatMap((grant) => closeGrant(db, grant, now));
    const results = await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    // Every other result is an expiry insert; the audit inserts between them follow it.
    expired += results.filter((result, index) => index % 2 === 0 && changesOf(result) > 0).length;
    if (grants.length < EXPIRY_CHUNK) break;
  }
  return { consentsExpired: expired };
}

const changesOf = (result: unknown) => (result as { meta?: { changes?: number } }).meta?.changes ?? 0;

const endingView = (
  row: Awaited<ReturnType<typeof marketingConsentsEnding>>[number],
  state: "granted" | "expired",
  now: number,
) => {
  const grantedAt = state === "granted" ? row.occurredAt : row.grantedAt;
  const expiresAt = state === "granted" ? marketingConsentExpiry(row.occurredAt) : row.occurredAt;
  return {
    contactId: row.contactId,
    contactName: row.contactName,
    channel: row.channel,
    grantedAt: grantedAt === null ? null : new Date(grantedAt).toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
    status: expiresAt <= now ? ("expired" as const) : ("expiring" as const),
  };
};

/**
 * The tenant's marketing consents lapsing within 30 days, and those lapsed and not renewed, in one
 * round trip. A grant past 12 months the job has not closed yet is listed as expired already.
 */
export async function expiringConsents(ctx: TenantContext) {
  const { scope, now } = ctx;
  const [granted, expired] = await scope.read(
    () =>
      [
        marketingConsentsEnding(
          scope,
          "granted",
          marketingGrantCutoff(now + EXPIRING_WITHIN_DAYS * DAY_MS),
          LIST_LIMIT,
        ),
        marketingConsentsEnding(scope, "expired", 0, LIST_LIMIT),
      ] as const,
  );
  const views = [
    ...granted.map((row) => endingView(row, "granted", now)),
    ...expired.map((row) => endingView(row, "expired", now)),
  ];
  return {
    withinDays: EXPIRING_WITHIN_DAYS,
    expiring: views.filter((view) => view.status === "expiring"),
    expired: views.filter((view) => view.status === "expired"),
  };
}
