import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

export const STAGE_KINDS = ["open", "won", "lost"] as const;

/** A sales process (Sale, Rent, Booking…). Exactly one live pipeline per tenant is the default. */
export const pipelines = sqliteTable(
  "pipelines",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    position: integer("position").notNull(),
    // The industry template that made it, if any (templates apply once).
    template: text("template"),
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("pipelines_tenant_position").on(t.tenantId, t.position),
    uniqueIndex("pipelines_one_default")
      .on(t.tenantId)
      .where(sql`${t.isDefault} = 1 AND ${t.archivedAt} IS NULL`),
  ],
);

/**
 * An ordered step of a pipeline. Archiving a stage hides it from the board for new deals; its deals
 * and their history stay (a stage with open deals must have them moved before it is archived).
 */
export const pipelineStages = sqliteTable(
  "pipeline_stages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => pipelines.id),
    name: text("name").notNull(),
    kind: text("kind", { enum: STAGE_KINDS }).notNull(),
    // Likelihood (0–100) that a deal in this stage closes won, for the weighted forecast.
    probability: integer("probability").notNull(),
    position: integer("position").notNull(),
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("pipeline_stages_pipeline_position").on(t.tenantId, t.pipelineId, t.position)],
);
