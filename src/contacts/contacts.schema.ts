import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

export const CONTACT_SOURCES = [
  "whatsapp",
  "web_form",
  "walk_in",
  "referral",
  "property_portal",
  "import",
] as const;
export const CONTACT_STATUSES = ["new", "contacted", "qualified", "unqualified", "customer"] as const;

/** Custom field values by field key, validated against the tenant's definitions on write. */
export type CustomValues = Record<string, string | number | string[] | null>;

/**
 * A lead or customer of a tenant. `name_norm` and `name_key` are derived from `name` by the app
 * (platform/text-normalise.ts) on every write: the first for search, the second (transliterations
 * folded) for duplicate detection. A merged contact keeps its row with `merged_into_id` set, so a
 * merge loses nothing and old links still resolve.
 */
export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    nameNorm: text("name_norm").notNull(),
    nameKey: text("name_key").notNull(),
    // The first of the contact's phones (E.164), kept here for lists; all of them are in contact_phones.
    phone: text("phone"),
    email: text("email"),
    source: text("source", { enum: CONTACT_SOURCES }).notNull(),
    status: text("status", { enum: CONTACT_STATUSES }).notNull().default("new"),
    ownerId: text("owner_id"),
    companyId: text("company_id"),
    notes: text("notes"),
    custom: text("custom", { mode: "json" }).$type<CustomValues>().notNull().default({}),
    // Rows made by "load sample data", which "remove sample data" takes away again.
    sample: integer("sample", { mode: "boolean" }).notNull().default(false),
    mergedIntoId: text("merged_into_id"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    lastContactedAt: integer("last_contacted_at"),
    // Optimistic concurrency: every update sets version = version + 1 where version = If-Match.
    version: integer("version").notNull().default(1),
  },
  (t) => [
    index("contacts_tenant_created").on(t.tenantId, t.createdAt),
    index("contacts_tenant_owner_status").on(t.tenantId, t.ownerId, t.status, t.createdAt),
    index("contacts_tenant_status").on(t.tenantId, t.status, t.createdAt),
    index("contacts_tenant_name_key").on(t.tenantId, t.nameKey),
    index("contacts_tenant_email").on(t.tenantId, t.email),
    index("contacts_tenant_company").on(t.tenantId, t.companyId),
    // Erasure finds the duplicates merged into a contact (src/erasure): few rows, so a partial index.
    index("contacts_merged_into").on(t.mergedIntoId).where(sql`${t.mergedIntoId} IS NOT NULL`),
  ],
);

/** Every phone of a contact in E.164, looked up by duplicate detection and by inbound WhatsApp. */
export const contactPhones = sqliteTable(
  "contact_phones",
  {
    tenantId: text("tenant_id").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    phone: text("phone").notNull(),
    position: integer("position").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.phone] }),
    index("contact_phones_tenant_phone").on(t.tenantId, t.phone),
  ],
);

/** Free-form labels, stored trimmed and lower-cased (Latin) so "VIP" and "vip" are one tag. */
export const contactTags = sqliteTable(
  "contact_tags",
  {
    tenantId: text("tenant_id").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    tag: text("tag").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.tag] }),
    index("contact_tags_tenant_tag").on(t.tenantId, t.tag),
  ],
);
