import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export const TEMPLATE_STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED"] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

/** A template's button as the inbox shows it and the opt-out check reads it. */
export interface TemplateButton {
  type: string;
  text: string;
}

/**
 * The tenant's WhatsApp message templates as Meta last reported them (`POST
 * /api/v1/whatsapp/templates/sync`). Meta owns their text and approval; Dealix keeps a copy so a
 * send can be checked (approved, variable count, opt-out line) without calling Meta, and so the
 * inbox can show the body beside its variables. One row per name and language, as Meta keys them.
 */
export const whatsappTemplates = sqliteTable(
  "whatsapp_templates",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    language: text("language").notNull(),
    category: text("category", { enum: TEMPLATE_CATEGORIES }).notNull(),
    status: text("status", { enum: TEMPLATE_STATUSES }).notNull(),
    bodyText: text("body_text").notNull(),
    footerText: text("footer_text"),
    // The highest {{n}} of the body: a send must give exactly this many variables.
    variableCount: integer("variable_count").notNull(),
    buttons: text("buttons", { mode: "json" }).$type<TemplateButton[]>().notNull(),
    syncedAt: integer("synced_at").notNull(),
  },
  (t) => [
    uniqueIndex("whatsapp_templates_name").on(t.tenantId, t.name, t.language),
    index("whatsapp_templates_status").on(t.tenantId, t.status, t.name),
  ],
);
