import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";
import type { RetentionPeriods } from "./retention.policy";

/**
 * A tenant's retention periods (days per data type); without a row the defaults apply. After a
 * change the next daily run is a dry run (recorded, nothing removed) unless the owner confirmed
 * the change (`confirmed_at` at or after `updated_at`).
 */
export const retentionPolicies = sqliteTable("retention_policies", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  periods: text("periods", { mode: "json" }).$type<Partial<RetentionPeriods>>().notNull(),
  updatedBy: text("updated_by"),
  updatedAt: integer("updated_at").notNull(),
  confirmedAt: integer("confirmed_at"),
});

export const RETENTION_RUN_MODES = ["dry_run", "applied"] as const;

/** Every run of the retention job for a tenant: what it removed, or would have. */
export const retentionRuns = sqliteTable(
  "retention_runs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    mode: text("mode", { enum: RETENTION_RUN_MODES }).notNull(),
    counts: text("counts", { mode: "json" }).$type<RetentionPeriods>().notNull(),
    periods: text("periods", { mode: "json" }).$type<RetentionPeriods>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("retention_runs_tenant_time").on(t.tenantId, t.createdAt)],
);
