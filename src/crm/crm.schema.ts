import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { tenants } from "../tenants/tenants.schema";

/**
 * A tenant's CRM rules. A tenant without a row has the defaults: agents see only what they own,
 * new leads are assigned by hand.
 */
export const crmSettings = sqliteTable("crm_settings", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  // "own": agents see and edit only records they own; "all": every member sees every record.
  visibility: text("visibility", { enum: ["own", "all"] })
    .notNull()
    .default("own"),
  assignment: text("assignment", { enum: ["manual", "round_robin"] })
    .notNull()
    .default("manual"),
  // Incremented by every round-robin assignment in the same batch as the insert it assigns, so
  // concurrent creates take consecutive turns (D1 runs one batch at a time).
  roundRobinTurn: integer("round_robin_turn").notNull().default(0),
  updatedAt: integer("updated_at").notNull(),
});

/** The members a round-robin rule deals new leads to; a member who left the tenant is skipped. */
export const assignmentAgents = sqliteTable(
  "assignment_agents",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);
