import { and, type Column, desc, eq, type SQL, sql, type Table } from "drizzle-orm";
import { contacts } from "../contacts/contacts.schema";
import type { Db } from "../db/client";
import type { TenantScope } from "../platform/tenant-scope";
import { marketingGrantCutoff } from "./consent-validity";
import { type ConsentStatus, consents, type MessagePurpose } from "./messaging.schema";

export type ConsentRow = typeof consents.$inferSelect;

/**
 * The current state of one consent as a scalar subquery ('granted', 'withdrawn', 'expired' or NULL
 * when never recorded): the newest ledger row, rowid breaking ties within a millisecond. A
 * marketing grant older than 12 months at `now` reads as 'expired' even before the expiry job has
 * written its row, in the same query (no extra round trip).
 */
export const currentConsentStatus = (
  scope: TenantScope,
  contactId: string | SQL,
  purpose: MessagePurpose,
  now: number,
  channel: "whatsapp" | "email" | "sms" = "whatsapp",
) => {
  const status =
    purpose === "marketing"
      ? sql`CASE WHEN c.status = 'granted' AND c.occurred_at <= ${marketingGrantCutoff(now)} THEN 'expired' ELSE c.status END`
      : sql`c.status`;
  return sql<ConsentStatus | null>`(SELECT ${status} FROM ${consents} c WHERE c.tenant_id = ${scope.tenantId} AND c.contact_id = ${contactId} AND c.channel = ${channel} AND c.purpose = ${purpose} ORDER BY c.created_at DESC, c.rowid DESC LIMIT 1)`;
};

/** A column of an outer query, qualified by its table, for use inside a correlated subquery. */
export const qualified = (table: Table, column: Column) => sql`${table}.${sql.identifier(column.name)}`;

/** A contact's ledger, newest first. */
export const consentHistory = (scope: TenantScope, contactId: string, limit: number) =>
  scope.db
    .select()
    .from(consents)
    .where(scope.where(consents.tenantId, eq(consents.contactId, contactId)))
    .orderBy(desc(consents.createdAt), desc(sql`${consents}.rowid`))
    .limit(limit);

export const insertConsent = (scope: TenantScope, row: Omit<ConsentRow, "tenantId">) =>
  scope.db
    .insert(consents)
    .values({ ...row, tenantId: scope.tenantId })
    .returning();

/**
 * Records a withdrawal only when the current state is not already withdrawn (an opt-out word sent
 * twice is recorded and confirmed once). The SELECT lists every column in the table's order.
 */
export const withdrawIfNotWithdrawn = (scope: TenantScope, row: Omit<ConsentRow, "tenantId" | "status">) =>
  scope.db
    .insert(consents)
    .select(
      sql`SELECT ${row.id}, ${scope.tenantId}, ${row.contactId}, ${row.channel}, ${row.purpose}, 'withdrawn', ${row.source}, ${row.evidenceText}, ${row.occurredAt}, ${row.recordedBy}, ${row.createdAt}
        WHERE ${currentConsentStatus(scope, row.contactId, row.purpose, row.createdAt, row.channel)} IS NOT 'withdrawn'`,
    )
    .returning({ id: consents.id });

/** No newer ledger row exists for the same contact, channel and purpose as `c` (c is the current state). */
const isNewest = sql`NOT EXISTS (SELECT 1 FROM ${consents} n WHERE n.tenant_id = c.tenant_id AND n.contact_id = c.contact_id AND n.channel = c.channel AND n.purpose = c.purpose AND (n.created_at > c.created_at OR (n.created_at = c.created_at AND n.rowid > c.rowid)))`;

export interface LapsedGrant {
  id: string;
  tenantId: string;
  contactId: string;
  channel: (typeof consents.$inferSelect)["channel"];
  source: (typeof consents.$inferSelect)["source"];
  occurredAt: number;
  createdAt: number;
}

/**
 * Marketing grants, across tenants, given at or before `cutoff` and still the current state: the
 * ones the expiry job has yet to close. Oldest first, through the partial index on grants.
 */
export const lapsedMarketingGrants = (db: Db, cutoff: number, limit: number) =>
  db
    .select({
      id: sql<string>`c.id`,
      tenantId: sql<string>`c.tenant_id`,
      contactId: sql<string>`c.contact_id`,
      channel: sql<LapsedGrant["channel"]>`c.channel`,
      source: sql<LapsedGrant["source"]>`c.source`,
      occurredAt: sql<number>`c.occurred_at`,
      createdAt: sql<number>`c.created_at`,
    })
    .from(sql`${consents} c`)
    .where(
      sql`c.purpose = 'marketing' AND c.status = 'granted' AND c.occurred_at <= ${cutoff} AND ${isNewest}`,
    )
    .orderBy(sql`c.occurred_at`)
    .limit(limit);

/**
 * Appends the `expired` row only while `grantId` is still the newest row of its consent: a renewal
 * or withdrawal recorded meanwhile, or a second run of the job, writes nothing.
 */
export const expireIfCurrent = (db: Db, grantId: string, row: Omit<ConsentRow, "status" | "source">) =>
  db.insert(consents).select(
    sql`SELECT ${row.id}, ${row.tenantId}, ${row.contactId}, ${row.channel}, ${row.purpose}, 'expired', 'expiry', ${row.evidenceText}, ${row.occurredAt}, NULL, ${row.createdAt}
        WHERE (SELECT c.id FROM ${consents} c WHERE c.tenant_id = ${row.tenantId} AND c.contact_id = ${row.contactId} AND c.channel = ${row.channel} AND c.purpose = ${row.purpose} ORDER BY c.created_at DESC, c.rowid DESC LIMIT 1) = ${grantId}`,
  );

/**
 * A tenant's current marketing consents that lapse at or before `lapsesBy` (grants given at or
 * before `grantCutoff`), or have been closed by the expiry job, with the contact's name.
 */
export const marketingConsentsEnding = (
  scope: TenantScope,
  state: "granted" | "expired",
  grantCutoff: number,
  limit: number,
) =>
  scope.db
    .select({
      contactId: sql<string>`c.contact_id`,
      contactName: contacts.name,
      channel: sql<LapsedGrant["channel"]>`c.channel`,
      occurredAt: sql<number>`c.occurred_at`,
      // The grant an expired row closed, for the page's "granted on".
      grantedAt: sql<
        number | null
      >`(SELECT g.occurred_at FROM ${consents} g WHERE g.tenant_id = c.tenant_id AND g.contact_id = c.contact_id AND g.channel = c.channel AND g.purpose = 'marketing' AND g.status = 'granted' ORDER BY g.created_at DESC, g.rowid DESC LIMIT 1)`,
    })
    .from(sql`${consents} c`)
    .innerJoin(contacts, and(eq(contacts.tenantId, sql`c.tenant_id`), eq(contacts.id, sql`c.contact_id`)))
    .where(
      sql`c.tenant_id = ${scope.tenantId} AND c.purpose = 'marketing' AND c.status = ${state} AND ${contacts.mergedIntoId} IS NULL AND ${isNewest} ${state === "granted" ? sql`AND c.occurred_at <= ${grantCutoff}` : sql``}`,
    )
    .orderBy(state === "granted" ? sql`c.occurred_at` : sql`c.occurred_at DESC`)
    .limit(limit);
