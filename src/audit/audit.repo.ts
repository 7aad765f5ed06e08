import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import type { CursorPosition } from "../platform/pagination";
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
    after
      ? or(
          lt(auditEvents.createdAt, Number(after.sort)),
          and(eq(auditEvents.createdAt, Number(after.sort)), lt(auditEvents.id, after.id)),
        )
      : undefined,
  ];
  return scope.db
    .select()
    .from(auditEvents)
    .where(scope.where(auditEvents.tenantId, ...conditions))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit + 1);
}
