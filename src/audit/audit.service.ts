import type { Db } from "../db/client";
import type { Actor, RequestOrigin, TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import {
  type AuditFilters,
  type AuditRow,
  insertAuditEvent,
  insertAuditEventIfChanged,
  listAuditEvents,
} from "./audit.repo";

export type AuditActor = Actor | { type: "system"; id?: undefined } | { type: "anonymous"; id?: undefined };

export interface AuditEvent {
  tenantId: string | null;
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, string | number | boolean | null>;
}

const auditRow = (event: AuditEvent, origin: RequestOrigin, now: number): AuditRow => ({
  id: newId(idPrefixes.auditEvent),
  tenantId: event.tenantId,
  actorType: event.actor.type,
  actorId: event.actor.id ?? null,
  action: event.action,
  targetType: event.target?.type ?? null,
  targetId: event.target?.id ?? null,
  requestId: origin.requestId,
  ip: origin.ip,
  details: event.details ?? null,
  createdAt: now,
});

/**
 * The insert for one audit event, to be put in the same `db.batch()` as the change it records so
 * the change and its record commit together. The audit log is append-only: nothing updates or
 * deletes these rows.
 */
export function auditInsert(db: Db, event: AuditEvent, origin: RequestOrigin, now = Date.now()) {
  return insertAuditEvent(db, auditRow(event, origin, now));
}

/**
 * The insert for an event that happened only if the statement just before it in the batch changed
 * a row: a guarded update that lost a race leaves no record of a change that did not happen, and
 * the write still costs one round trip.
 */
export function auditInsertIfChanged(db: Db, event: AuditEvent, origin: RequestOrigin, now = Date.now()) {
  return insertAuditEventIfChanged(db, auditRow(event, origin, now));
}

/** Records an event on its own (when there is no other write to batch it with). */
export async function recordAudit(db: Db, event: AuditEvent, origin: RequestOrigin, now = Date.now()) {
  await auditInsert(db, event, origin, now);
}

/** A page of the tenant's audit log, newest first, in one D1 round trip with the session check. */
export async function auditLog(
  ctx: TenantContext,
  filters: AuditFilters,
  cursor: string | undefined,
  limit: number,
) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(() => [listAuditEvents(ctx.scope, filters, after, limit)] as const);
  const page = toPage(rows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return {
    data: page.data.map((row) => ({
      id: row.id,
      actor: { type: row.actorType, id: row.actorId },
      action: row.action,
      target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
      details: row.details,
      requestId: row.requestId,
      ip: row.ip,
      createdAt: new Date(row.createdAt).toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}
