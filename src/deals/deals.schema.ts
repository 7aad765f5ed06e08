import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { CustomValues } from "../contacts/contacts.schema";
import { tenants } from "../tenants/tenants.schema";

/** A sale in progress. Its stage's kind (open/won/lost) says whether it is open, won or lost. */
export const deals = sqliteTable(
  "deals",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    title: text("title").notNull(),
    titleNorm: text("title_norm").notNull(),
    contactId: text("contact_id"),
    companyId: text("company_id"),
    pipelineId: text("pipeline_id").notNull(),
    stageId: text("stage_id").notNull(),
    amountHalalas: integer("amount_halalas").notNull().default(0),
    // A calendar date (YYYY-MM-DD) in the tenant's time zone, not an instant.
    expectedCloseOn: text("expected_close_on"),
    ownerId: text("owner_id"),
    lostReason: text("lost_reason"),
    // Order within the stage column of the board; a move places the deal between its neighbours.
    boardRank: real("board_rank").notNull().default(0),
    custom: text("custom", { mode: "json" }).$type<CustomValues>().notNull().default({}),
    sample: integer("sample", { mode: "boolean" }).notNull().default(false),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    stageChangedAt: integer("stage_changed_at").notNull(),
    closedAt: integer("closed_at"),
    version: integer("version").notNull().default(1),
  },
  (t) => [
    index("deals_tenant_board").on(t.tenantId, t.pipelineId, t.stageId, t.boardRank),
    index("deals_tenant_owner").on(t.tenantId, t.ownerId, t.updatedAt),
    index("deals_tenant_contact").on(t.tenantId, t.contactId),
    index("deals_tenant_company").on(t.tenantId, t.companyId),
  ],
);

/** Every stage change of a deal (and its first stage), for funnel and velocity reports. */
export const dealStageHistory = sqliteTable(
  "deal_stage_history",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    dealId: text("deal_id")
      .notNull()
      .references(() => deals.id),
    pipelineId: text("pipeline_id").notNull(),
    fromStageId: text("from_stage_id"),
    toStageId: text("to_stage_id").notNull(),
    actorType: text("actor_type", { enum: ["user", "api_key", "system"] }).notNull(),
    actorId: text("actor_id"),
    at: integer("at").notNull(),
  },
  (t) => [
    index("deal_stage_history_deal").on(t.tenantId, t.dealId, t.at),
    // Deleting a deal (tenant closure) checks the foreign key from here by deal_id alone.
    index("deal_stage_history_deal_id").on(t.dealId),
    index("deal_stage_history_pipeline").on(t.tenantId, t.pipelineId, t.at),
  ],
);
