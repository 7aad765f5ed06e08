import { and, count, eq, getTableColumns, inArray, isNotNull, not, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { activities } from "../activities/activities.schema";
import { companies } from "../companies/companies.schema";
import { contactPhones, contacts, contactTags } from "../contacts/contacts.schema";
import { dealStageHistory, deals } from "../deals/deals.schema";
import type { TenantScope } from "../platform/tenant-scope";

/**
 * One INSERT … SELECT … FROM json_each(?) for many rows: a statement binds a few parameters
 * whatever the number of rows (D1 allows 100 per statement). Rows carry every column, by property
 * name; values go through each column's own driver mapping (JSON, booleans). `guard` is added to
 * the WHERE, so a statement writes nothing once it is false.
 */
export function insertRowsAsJson<T extends SQLiteTable>(
  scope: TenantScope,
  table: T,
  rows: Record<string, unknown>[],
  guard: SQL,
) {
  const columns = Object.entries(getTableColumns(table));
  const json = JSON.stringify(
    rows.map((row) =>
      Object.fromEntries(
        columns.map(([property, column]) => {
          const value = row[property];
          return [column.name, value === null || value === undefined ? null : column.mapToDriverValue(value)];
        }),
      ),
    ),
  );
  const values = sql.join(
    columns.map(([, column]) => sql.raw(`json_extract(value, '$.${column.name}')`)),
    sql`, `,
  );
  return scope.db.insert(table).select(sql`SELECT ${values} FROM json_each(${json}) WHERE ${guard}`);
}

const sampleIds = (scope: TenantScope, table: typeof contacts | typeof deals | typeof companies) =>
  scope.db
    .select({ id: table.id })
    .from(table)
    .where(scope.where(table.tenantId, eq(table.sample, true)));

/** True while the tenant has no sample row at all, leaving out the rows whose ids are given. */
export const noSampleRowsBut = (scope: TenantScope, ownIds: string[]) =>
  sql`NOT EXISTS (SELECT 1 FROM ${contacts} WHERE ${contacts.tenantId} = ${scope.tenantId} AND ${contacts.sample} = 1 AND ${contacts.id} NOT IN (SELECT value FROM json_each(${JSON.stringify(ownIds)})))
    AND NOT EXISTS (SELECT 1 FROM ${companies} WHERE ${companies.tenantId} = ${scope.tenantId} AND ${companies.sample} = 1)
    AND NOT EXISTS (SELECT 1 FROM ${deals} WHERE ${deals.tenantId} = ${scope.tenantId} AND ${deals.sample} = 1)
    AND NOT EXISTS (SELECT 1 FROM ${activities} WHERE ${activities.tenantId} = ${scope.tenantId} AND ${activities.sample} = 1)`;

/** True once the contact `id` exists: the later inserts of a load follow its first one. */
export const contactExists = (id: string) =>
  sql`EXISTS (SELECT 1 FROM ${contacts} WHERE ${contacts.id} = ${id})`;

/** The tenant's sample rows, per table. */
export const sampleCounts = (scope: TenantScope) =>
  scope.db
    .select({
      contacts: sql<number>`(SELECT count(*) FROM ${contacts} WHERE ${contacts.tenantId} = ${scope.tenantId} AND ${contacts.sample} = 1)`,
      companies: sql<number>`(SELECT count(*) FROM ${companies} WHERE ${companies.tenantId} = ${scope.tenantId} AND ${companies.sample} = 1)`,
      deals: sql<number>`(SELECT count(*) FROM ${deals} WHERE ${deals.tenantId} = ${scope.tenantId} AND ${deals.sample} = 1)`,
      activities: sql<number>`(SELECT count(*) FROM ${activities} WHERE ${activities.tenantId} = ${scope.tenantId} AND ${activities.sample} = 1)`,
    })
    .from(sql`(SELECT 1)`);

const onSampleContact = (scope: TenantScope) => inArray(activities.contactId, sampleIds(scope, contacts));
const onSampleDeal = (scope: TenantScope) => inArray(activities.dealId, sampleIds(scope, deals));
const onRealContact = (scope: TenantScope) =>
  and(isNotNull(activities.contactId), not(onSampleContact(scope))) as SQL;
const onRealDeal = (scope: TenantScope) => and(isNotNull(activities.dealId), not(onSampleDeal(scope))) as SQL;

/**
 * Real activities (not sample) that hang only off sample records: removing the sample data would
 * leave them on no record, so removal is refused while there are any.
 */
export const realActivitiesOnlyOnSampleRecords = (scope: TenantScope) =>
  scope.db
    .select({ activities: count() })
    .from(activities)
    .where(
      scope.where(
        activities.tenantId,
        eq(activities.sample, false),
        or(onSampleContact(scope), onSampleDeal(scope)),
        not(or(onRealContact(scope), onRealDeal(scope)) as SQL),
      ),
    );

/**
 * Removes the tenant's sample rows and what hangs off them (phones, tags, stage history; the
 * search index follows through its triggers). Real records stay: their links to sample records
 * are cleared (an activity keeps its real contact or deal, a deal or contact loses a sample
 * company or contact). Children go first, as D1 enforces foreign keys.
 */
export function removeSampleRows(scope: TenantScope, now: number) {
  const real = (table: typeof contacts | typeof deals | typeof activities) =>
    scope.where(table.tenantId, eq(table.sample, false));
  return [
    scope.db
      .update(activities)
      .set({ dealId: null, updatedAt: now, version: sql`${activities.version} + 1` })
      .where(and(real(activities), onSampleDeal(scope), onRealContact(scope))),
    scope.db
      .update(activities)
      .set({ contactId: null, updatedAt: now, version: sql`${activities.version} + 1` })
      .where(and(real(activities), onSampleContact(scope), onRealDeal(scope))),
    scope.db
      .update(deals)
      .set({
        contactId: sql`iif(${inArray(deals.contactId, sampleIds(scope, contacts))}, NULL, ${deals.contactId})`,
        companyId: sql`iif(${inArray(deals.companyId, sampleIds(scope, companies))}, NULL, ${deals.companyId})`,
        updatedAt: now,
        version: sql`${deals.version} + 1`,
      })
      .where(
        and(
          real(deals),
          or(
            inArray(deals.contactId, sampleIds(scope, contacts)),
            inArray(deals.companyId, sampleIds(scope, companies)),
          ),
        ),
      ),
    scope.db
      .update(contacts)
      .set({ companyId: null, updatedAt: now, version: sql`${contacts.version} + 1` })
      .where(and(real(contacts), inArray(contacts.companyId, sampleIds(scope, companies)))),
    scope.db
      .delete(contactPhones)
      .where(
        scope.where(contactPhones.tenantId, inArray(contactPhones.contactId, sampleIds(scope, contacts))),
      ),
    scope.db
      .delete(contactTags)
      .where(scope.where(contactTags.tenantId, inArray(contactTags.contactId, sampleIds(scope, contacts)))),
    scope.db
      .delete(dealStageHistory)
      .where(
        scope.where(dealStageHistory.tenantId, inArray(dealStageHistory.dealId, sampleIds(scope, deals))),
      ),
    scope.db.delete(activities).where(scope.where(activities.tenantId, eq(activities.sample, true))),
    scope.db.delete(deals).where(scope.where(deals.tenantId, eq(deals.sample, true))),
    scope.db.delete(contacts).where(scope.where(contacts.tenantId, eq(contacts.sample, true))),
    scope.db.delete(companies).where(scope.where(companies.tenantId, eq(companies.sample, true))),
  ] as const;
}
