import { desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { auditEvents } from "./audit.schema";

export interface AuditFilters {
  action?: string;
  actorId?: string;
  since?: number;
  until?: number;
}

/** Newest first; `after` continues below the last row of the previous page. */
export function listAuditEvents(
  scope: TenantScope,
  filters: AuditFilters,
  after: CursorPosition | null,
  limit: number,
) {
  const conditions: (SQL | undefined)[] = [
    filters.action ? eq(auditEvents.action, filters.action) : undefined,
    filters.actorId ? eq(auditEvents.actorId, filters.actorId) : undefined,
    filters.since !== undefined ? gte(auditEvents.createdAt, filters.since) : undefined,
    filters.until !== undefined ? lt(auditEvents.createdAt, filters.until) : undefined,
    continuingAfter(auditEvents.createdAt, auditEvents.id, after, "desc"),
  ];
  return scope.db
    .select()
    .from(auditEvents)
    .where(scope.where(auditEvents.tenantId, ...conditions))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit + 1);
}

export type AuditRow = typeof auditEvents.$inferInsert;

export const insertAuditEvent = (db: Db, row: AuditRow) => db.insert(auditEvents).values(row);

/**
 * Inserts the row only if the statement just before it in the same batch changed a row (SQLite's
 * `changes()`), as INSERT … SELECT … WHERE changes() > 0.
 */
export function insertAuditEventIfChanged(db: Db, row: AuditRow) {
  const value = (v: string | number | null | undefined, name: string) => sql`${v ?? null}`.as(name);
  return db.insert(auditEvents).select(
    db
      .select({
        id: value(row.id, "id"),
        tenantId: value(row.tenantId, "tenant_id"),
        actorType: value(row.actorType, "actor_type"),
        actorId: value(row.actorId, "actor_id"),
        action: value(row.action, "action"),
        targetType: value(row.targetType, "target_type"),
        targetId: value(row.targetId, "target_id"),
        requestId: value(row.requestId, "request_id"),
        ip: value(row.ip, "ip"),
        details: value(row.details ? JSON.stringify(row.details) : null, "details"),
        createdAt: value(row.createdAt, "created_at"),
      })
      .from(sql`(SELECT 1)`)
      .where(sql`changes() > 0`),
  );
}
