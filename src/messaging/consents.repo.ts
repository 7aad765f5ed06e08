import { type Column, desc, eq, type SQL, sql, type Table } from "drizzle-orm";
import type { TenantScope } from "../platform/tenant-scope";
import { consents, type MessagePurpose } from "./messaging.schema";

export type ConsentRow = typeof consents.$inferSelect;

/**
 * The current state of one consent as a scalar subquery ('granted', 'withdrawn' or NULL when
 * never recorded): the newest ledger row, rowid breaking ties within a millisecond.
 */
export const currentConsentStatus = (
  scope: TenantScope,
  contactId: string | SQL,
  purpose: MessagePurpose,
  channel: "whatsapp" | "email" | "sms" = "whatsapp",
) =>
  sql<
    "granted" | "withdrawn" | null
  >`(SELECT c.status FROM ${consents} c WHERE c.tenant_id = ${scope.tenantId} AND c.contact_id = ${contactId} AND c.channel = ${channel} AND c.purpose = ${purpose} ORDER BY c.created_at DESC, c.rowid DESC LIMIT 1)`;

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
        WHERE ${currentConsentStatus(scope, row.contactId, row.purpose, row.channel)} IS NOT 'withdrawn'`,
    )
    .returning({ id: consents.id });
