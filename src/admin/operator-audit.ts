import type { Db } from "../db/client";
import type { RequestOrigin } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { insertOperatorAuditEvent, listOperatorAuditEvents } from "./operator.repo";

export interface OperatorAuditEvent {
  /** The operator who acted; null only for a failed sign-in that matched no operator. */
  operatorId: string | null;
  action: `operator.${string}`;
  target?: { type: string; id: string };
  details?: Record<string, string | number | boolean | null>;
}

/**
 * The insert for one operator audit event, to go in the same `db.batch()` as the change it
 * records, so an operator's write and its record commit together or not at all.
 */
export function operatorAudit(db: Db, event: OperatorAuditEvent, origin: RequestOrigin, now: number) {
  return insertOperatorAuditEvent(db, {
    id: newId(idPrefixes.operatorAuditEvent),
    operatorId: event.operatorId,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    requestId: origin.requestId,
    ip: origin.ip,
    details: event.details ?? null,
    createdAt: now,
  });
}

/** A page of the operator audit log, newest first. */
export async function operatorAuditLog(
  db: Db,
  filters: { operatorId?: string },
  cursor: string | undefined,
  limit: number,
) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const rows = await listOperatorAuditEvents(db, filters, after, limit);
  const page = toPage(rows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return {
    data: page.data.map((row) => ({
      id: row.id,
      operatorId: row.operatorId,
      action: row.action,
      target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
      details: row.details ?? null,
      requestId: row.requestId,
      ip: row.ip,
      createdAt: new Date(row.createdAt).toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}
