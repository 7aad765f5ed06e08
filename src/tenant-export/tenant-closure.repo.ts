import { and, eq, gt, isNotNull, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { tenants } from "../tenants/tenants.schema";

export const closureStateOf = (db: Db, tenantId: string) =>
  db
    .select({
      nameAr: tenants.nameAr,
      nameEn: tenants.nameEn,
      closeRequestedAt: tenants.closeRequestedAt,
      deleteAfter: tenants.deleteAfter,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId));

/** Starts the grace period, unless a closure is already running (then it changes nothing). */
export const startClosure = (db: Db, tenantId: string, now: number, deleteAfter: number) =>
  db
    .update(tenants)
    .set({ closeRequestedAt: now, deleteAfter })
    .where(and(eq(tenants.id, tenantId), isNull(tenants.deleteAfter)));

/** Ends the grace period early, only while it is still running. */
export const cancelClosure = (db: Db, tenantId: string, now: number) =>
  db
    .update(tenants)
    .set({ closeRequestedAt: null, deleteAfter: null })
    .where(and(eq(tenants.id, tenantId), gt(tenants.deleteAfter, now), isNull(tenants.closedAt)));

/** Tenants whose grace period has passed and whose data is not yet deleted (partial index). */
export const tenantsDueForDeletion = (db: Db, now: number) =>
  db
    .select({ id: tenants.id })
    .from(tenants)
    .where(and(isNotNull(tenants.deleteAfter), lte(tenants.deleteAfter, now), isNull(tenants.closedAt)));

/** Audit actions the deletion keeps: the record of the closure itself. */
export const CLOSURE_ACTIONS = [
  "tenant.close_requested",
  "tenant.close_canceled",
  "tenant.exported",
  "tenant.closed",
];

/**
 * The tenant's tables, children before parents (D1 enforces foreign keys); the search index goes
 * with contacts, companies and deals, by their triggers. Tax invoices and the
 * tenant's billing records with Dealix (checkouts, payments, credits, subscription) stay: they are
 * the accounting records ZATCA requires to be kept, and hold no data of the tenant's customers.
 */
export const TENANT_TABLES = [
  "messages",
  "conversations",
  "consents",
  "contact_phones",
  "contact_tags",
  "activities",
  "deal_stage_history",
  "deals",
  "contacts",
  "companies",
  "custom_field_definitions",
  "pipeline_stages",
  "pipelines",
  "crm_settings",
  "assignment_agents",
  "messaging_settings",
  "whatsapp_templates",
  "whatsapp_accounts",
  "api_keys",
  "invitations",
  "memberships",
  "usage_counters",
  "billing_reminders",
] as const;

/** One bounded delete of a tenant's rows of `table` (deleting a contact also runs its search triggers). */
export const deleteSomeOf = (db: Db, table: string, tenantId: string, limit: number) =>
  db.run(
    sql`DELETE FROM ${sql.identifier(table)} WHERE rowid IN (SELECT rowid FROM ${sql.identifier(table)} WHERE tenant_id = ${tenantId} LIMIT ${limit})`,
  );

export const deleteSomeImportRows = (db: Db, tenantId: string, limit: number) =>
  db.run(
    sql`DELETE FROM import_rows WHERE rowid IN (SELECT rowid FROM import_rows WHERE import_id IN (SELECT id FROM imports WHERE tenant_id = ${tenantId}) LIMIT ${limit})`,
  );

// Sessions are found through the tenant's members (refresh_families has no tenant index); run
// before memberships go. Families of former members expire on their own (purge_expired).
export const deleteSomeSessions = (db: Db, tenantId: string, limit: number) =>
  db.run(
    sql`DELETE FROM refresh_tokens WHERE rowid IN (SELECT t.rowid FROM memberships m JOIN refresh_families f ON f.user_id = m.user_id AND f.tenant_id = ${tenantId} JOIN refresh_tokens t ON t.family_id = f.id WHERE m.tenant_id = ${tenantId} LIMIT ${limit})`,
  );

export const deleteSomeSessionFamilies = (db: Db, tenantId: string, limit: number) =>
  db.run(
    sql`DELETE FROM refresh_families WHERE rowid IN (SELECT f.rowid FROM memberships m JOIN refresh_families f ON f.user_id = m.user_id AND f.tenant_id = ${tenantId} WHERE m.tenant_id = ${tenantId} LIMIT ${limit})`,
  );

/** The rest, small per tenant: imports, idempotency records, dead letters naming it. */
export const deleteRestOf = (db: Db, tenantId: string) => [
  db.run(sql`DELETE FROM imports WHERE tenant_id = ${tenantId}`),
  db.run(sql`DELETE FROM idempotency_keys WHERE scope >= ${`${tenantId}:`} AND scope < ${`${tenantId};`}`),
  db.run(sql`DELETE FROM dead_letters WHERE instr(body, ${tenantId}) > 0`),
];

export const deleteSomeAuditEvents = (db: Db, tenantId: string, limit: number) =>
  db.run(
    sql`DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events WHERE tenant_id = ${tenantId} AND action NOT IN ${CLOSURE_ACTIONS} LIMIT ${limit})`,
  );

export const markClosed = (db: Db, tenantId: string, now: number) =>
  db.update(tenants).set({ closedAt: now, status: "suspended" }).where(eq(tenants.id, tenantId));
