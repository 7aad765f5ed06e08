import { and, desc, eq, gt, inArray, lte, type SQL, sql } from "drizzle-orm";
import { activities } from "../activities/activities.schema";
import { auditEvents } from "../audit/audit.schema";
import type { Db } from "../db/client";
import { dealStageHistory, deals } from "../deals/deals.schema";
import { importRows, imports } from "../imports/imports.schema";
import { conversations, messages } from "../messaging/messaging.schema";
import { pipelineStages } from "../pipelines/pipelines.schema";
import { tenants } from "../tenants/tenants.schema";
import type { RetentionType } from "./retention.policy";
import { retentionPolicies, retentionRuns } from "./retention.schema";

export type RetentionPolicyRow = typeof retentionPolicies.$inferSelect;
export type RetentionRunRow = typeof retentionRuns.$inferSelect;

/**
 * What falls due for each data type in one tenant at `cutoff` (the instant before which a record
 * of that type is past its period). The dry run counts these rows and the enforcement removes
 * exactly them, so the two agree by construction.
 */
const due: Record<RetentionType, (tenantId: string, cutoff: number) => SQL> = {
  closed_lost_deals: (tenantId, cutoff) =>
    sql`${deals.tenantId} = ${tenantId} AND ${deals.closedAt} <= ${cutoff} AND (SELECT ${pipelineStages.kind} FROM ${pipelineStages} WHERE ${pipelineStages.id} = ${deals.stageId}) = 'lost'`,
  // Finished messages still holding words, media or template variables.
  message_bodies: (tenantId, cutoff) =>
    sql`${messages.tenantId} = ${tenantId} AND ${messages.createdAt} <= ${cutoff} AND ${messages.state} NOT IN ('queued', 'sending', 'pending_approval') AND (${messages.body} IS NOT NULL OR ${messages.media} IS NOT NULL OR json_array_length(${messages.template}, '$.variables') > 0)`,
  audit_events: (tenantId, cutoff) =>
    sql`${auditEvents.tenantId} = ${tenantId} AND ${auditEvents.createdAt} <= ${cutoff}`,
  import_rows: (tenantId, cutoff) =>
    sql`${importRows.tenantId} = ${tenantId} AND ${importRows.importId} IN (SELECT ${imports.id} FROM ${imports} WHERE ${imports.tenantId} = ${tenantId} AND ${imports.finishedAt} <= ${cutoff})`,
};

const tableOf = {
  closed_lost_deals: deals,
  message_bodies: messages,
  audit_events: auditEvents,
  import_rows: importRows,
};

export const countDue = (db: Db, type: RetentionType, tenantId: string, cutoff: number) =>
  db.select({ n: sql<number>`COUNT(*)` }).from(tableOf[type]).where(due[type](tenantId, cutoff));

/** The next closed-lost deals to remove (≤ 50, so the chunk's IN list stays under D1's 100 parameters). */
export const dueDealIds = (db: Db, tenantId: string, cutoff: number, limit: number) =>
  db.select({ id: deals.id }).from(deals).where(due.closed_lost_deals(tenantId, cutoff)).limit(limit);

/** Removes deals with their stage history; their activities stay on the contact, unlinked. */
export const removeDeals = (db: Db, tenantId: string, ids: string[]) =>
  [
    db
      .update(activities)
      .set({ dealId: null })
      .where(and(eq(activities.tenantId, tenantId), inArray(activities.dealId, ids))),
    db
      .delete(dealStageHistory)
      .where(and(eq(dealStageHistory.tenantId, tenantId), inArray(dealStageHistory.dealId, ids))),
    db.delete(deals).where(and(eq(deals.tenantId, tenantId), inArray(deals.id, ids))),
  ] as const;

const chunkOf = (
  table: typeof messages | typeof auditEvents | typeof importRows,
  where: SQL,
  limit: number,
) => sql`rowid IN (SELECT rowid FROM ${table} WHERE ${where} LIMIT ${limit})`;

/** Empties the words of up to `limit` due messages; the message, its time and state stay. */
export const anonymiseMessageChunk = (db: Db, tenantId: string, cutoff: number, limit: number) =>
  db
    .update(messages)
    .set({
      body: null,
      media: null,
      template: sql`CASE WHEN ${messages.template} IS NULL THEN NULL ELSE json_set(${messages.template}, '$.variables', json('[]')) END`,
    })
    .where(chunkOf(messages, due.message_bodies(tenantId, cutoff), limit));

/** Thread previews quote the last message: cleared with the bodies they quote. */
export const clearOldPreviews = (db: Db, tenantId: string, cutoff: number) =>
  db
    .update(conversations)
    .set({ lastPreview: null })
    .where(
      and(
        eq(conversations.tenantId, tenantId),
        lte(conversations.lastMessageAt, cutoff),
        sql`${conversations.lastPreview} IS NOT NULL`,
      ),
    );

export const deleteAuditChunk = (db: Db, tenantId: string, cutoff: number, limit: number) =>
  db.delete(auditEvents).where(chunkOf(auditEvents, due.audit_events(tenantId, cutoff), limit));

export const deleteImportRowChunk = (db: Db, tenantId: string, cutoff: number, limit: number) =>
  db.delete(importRows).where(chunkOf(importRows, due.import_rows(tenantId, cutoff), limit));

export const policyOf = (db: Db, tenantId: string) =>
  db.select().from(retentionPolicies).where(eq(retentionPolicies.tenantId, tenantId)).limit(1);

export const upsertPolicy = (db: Db, row: RetentionPolicyRow) =>
  db
    .insert(retentionPolicies)
    .values(row)
    .onConflictDoUpdate({
      target: retentionPolicies.tenantId,
      set: {
        periods: row.periods,
        updatedBy: row.updatedBy,
        updatedAt: row.updatedAt,
        confirmedAt: row.confirmedAt,
      },
    });

export const confirmPolicy = (db: Db, tenantId: string, now: number) =>
  db.update(retentionPolicies).set({ confirmedAt: now }).where(eq(retentionPolicies.tenantId, tenantId));

export const recentRuns = (db: Db, tenantId: string, limit: number) =>
  db
    .select()
    .from(retentionRuns)
    .where(eq(retentionRuns.tenantId, tenantId))
    .orderBy(desc(retentionRuns.createdAt), desc(retentionRuns.id))
    .limit(limit);

export const insertRun = (db: Db, row: RetentionRunRow) => db.insert(retentionRuns).values(row);

/**
 * A page of tenants for the daily job, by id, with their policy and the time of their latest run:
 * what decides between a dry run and enforcement.
 */
export const tenantsForRetention = (db: Db, afterId: string, limit: number) =>
  db
    .select({
      tenantId: tenants.id,
      createdAt: tenants.createdAt,
      periods: retentionPolicies.periods,
      updatedAt: retentionPolicies.updatedAt,
      confirmedAt: retentionPolicies.confirmedAt,
      lastRunAt: sql<
        number | null
      >`(SELECT MAX(${retentionRuns.createdAt}) FROM ${retentionRuns} WHERE ${retentionRuns.tenantId} = ${tenants.id})`,
    })
    .from(tenants)
    .leftJoin(retentionPolicies, eq(retentionPolicies.tenantId, tenants.id))
    .where(gt(tenants.id, afterId))
    .orderBy(tenants.id)
    .limit(limit);
