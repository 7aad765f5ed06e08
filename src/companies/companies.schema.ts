import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { CustomValues } from "../contacts/contacts.schema";
import { tenants } from "../tenants/tenants.schema";

/** The Saudi national address (SPL): building number, street, district, city, postal and additional number. */
export interface NationalAddress {
  buildingNumber?: string;
  street?: string;
  district?: string;
  city?: string;
  postalCode?: string;
  additionalNumber?: string;
}

/** A customer's company: the buyer on a standard tax invoice, so its VAT number is validated. */
export const companies = sqliteTable(
  "companies",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    nameNorm: text("name_norm").notNull(),
    vatNumber: text("vat_number"),
    crNumber: text("cr_number"),
    nationalAddress: text("national_address", { mode: "json" }).$type<NationalAddress>(),
    website: text("website"),
    ownerId: text("owner_id"),
    custom: text("custom", { mode: "json" }).$type<CustomValues>().notNull().default({}),
    sample: integer("sample", { mode: "boolean" }).notNull().default(false),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    version: integer("version").notNull().default(1),
  },
  (t) => [
    index("companies_tenant_created").on(t.tenantId, t.createdAt),
    index("companies_tenant_owner").on(t.tenantId, t.ownerId, t.createdAt),
    uniqueIndex("companies_tenant_vat").on(t.tenantId, t.vatNumber).where(sql`${t.vatNumber} IS NOT NULL`),
  ],
);
