import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

export const ACTIVITY_KINDS = ["note", "call", "visit", "meeting", "task"] as const;

/**
 * Something that happened or is to be done, on a contact and/or a deal: one table, so a record's
 * timeline is one indexed query. Tasks (and scheduled calls, visits, meetings) have a due time,
 * an optional reminder and a done time; `assignee_id` is whose "my tasks" it is on.
 */
export const activities = sqliteTable(
  "activities",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    kind: text("kind", { enum: ACTIVITY_KINDS }).notNull(),
    contactId: text("contact_id"),
    dealId: text("deal_id"),
    title: text("title"),
    body: text("body"),
    // When it happened (notes, calls, visits) or was created; the timeline's order.
    occurredAt: integer("occurred_at").notNull(),
    dueAt: integer("due_at"),
    remindAt: integer("remind_at"),
    doneAt: integer("done_at"),
    assigneeId: text("assignee_id"),
    sample: integer("sample", { mode: "boolean" }).notNull().default(false),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    version: integer("version").notNull().default(1),
  },
  (t) => [
    index("activities_tenant_contact").on(t.tenantId, t.contactId, t.occurredAt),
    // The tenant export's keyset (src/tenant-export): the other indexes have nullable columns.
    index("activities_tenant_created").on(t.tenantId, t.createdAt),
    index("activities_tenant_deal").on(t.tenantId, t.dealId, t.occurredAt),
    index("activities_tenant_assignee_open").on(t.tenantId, t.assigneeId, t.doneAt, t.dueAt),
  ],
);
