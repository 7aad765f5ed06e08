import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Append-only record of who did what. The code has no update or delete for it; rows are evidence
 * (PDPL, security investigations). tenant_id is null for events before a tenant is known
 * (e.g. a failed sign-in for an unknown email).
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    actorType: text("actor_type", { enum: ["user", "api_key", "system", "anonymous"] }).notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    requestId: text("request_id"),
    ip: text("ip"),
    // JSON object with non-personal details (e.g. old and new role).
    details: text("details", { mode: "json" }).$type<Record<string, string | number | boolean | null>>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("audit_events_tenant_time").on(t.tenantId, t.createdAt),
    index("audit_events_tenant_action").on(t.tenantId, t.action, t.createdAt),
  ],
);
