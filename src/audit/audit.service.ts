import type { Context } from "hono";
import type { Db } from "../db/client";
import type { AppEnv } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { auditEvents } from "./audit.schema";

export type AuditActor =
  | { type: "user"; id: string }
  | { type: "api_key"; id: string }
  | { type: "system"; id?: undefined }
  | { type: "anonymous"; id?: undefined };

export interface AuditEvent {
  tenantId: string | null;
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, string | number | boolean | null>;
}

/** Where an event came from: the request id and the caller's IP (Cloudflare's, not a header the client sets). */
export interface AuditOrigin {
  requestId: string | null;
  ip: string | null;
}

export const auditOrigin = (c: Context<AppEnv>): AuditOrigin => ({
  requestId: c.get("requestId"),
  // Set by Cloudflare's edge; absent only in local tools, where "unknown" would be misleading.
  ip: c.req.header("CF-Connecting-IP") ?? null,
});

/**
 * The insert for one audit event, to be put in the same `db.batch()` as the change it records so
 * the change and its record commit together. The audit log is append-only: nothing updates or
 * deletes these rows.
 */
export function auditInsert(db: Db, event: AuditEvent, origin: AuditOrigin, now = Date.now()) {
  return db.insert(auditEvents).values({
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
}

/** Records an event on its own (when there is no other write to batch it with). */
export async function recordAudit(db: Db, event: AuditEvent, origin: AuditOrigin, now = Date.now()) {
  await auditInsert(db, event, origin, now);
}
