import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

export const CUSTOM_FIELD_OBJECTS = ["contact", "company", "deal"] as const;
export const CUSTOM_FIELD_TYPES = [
  "text",
  "number",
  "money",
  "date",
  "select",
  "multi_select",
  "phone",
  "url",
] as const;

/**
 * Extra checks a text field can carry, enforced by checkCustomValues on every write. Set by
 * industry templates (src/templates); e.g. the REGA advertising licence number on a listing deal.
 */
export const CUSTOM_FIELD_FORMATS = ["rega_ad_licence"] as const;

export interface CustomFieldOption {
  value: string;
  labelAr: string;
  labelEn: string;
}

/**
 * A tenant-defined field on contacts, companies or deals. Values live in the record's `custom`
 * JSON under `key`, which never changes once created (labels may); archiving hides the field and
 * keeps its values.
 */
export const customFieldDefinitions = sqliteTable(
  "custom_field_definitions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    objectType: text("object_type", { enum: CUSTOM_FIELD_OBJECTS }).notNull(),
    key: text("key").notNull(),
    labelAr: text("label_ar").notNull(),
    labelEn: text("label_en").notNull(),
    type: text("type", { enum: CUSTOM_FIELD_TYPES }).notNull(),
    options: text("options", { mode: "json" }).$type<CustomFieldOption[]>(),
    required: integer("required", { mode: "boolean" }).notNull().default(false),
    format: text("format", { enum: CUSTOM_FIELD_FORMATS }),
    position: integer("position").notNull(),
    template: text("template"),
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("custom_field_definitions_key").on(t.tenantId, t.objectType, t.key),
    index("custom_field_definitions_position").on(t.tenantId, t.objectType, t.position),
  ],
);
