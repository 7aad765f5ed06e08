import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

/**
 * Who Dealix invoices: the tenant's legal name, VAT number and address as its owner gave them.
 * With a VAT number, every later payment gets a standard (B2B) tax invoice naming the buyer; without
 * one, a simplified invoice. An issued invoice keeps the buyer as it was (tax invoices are immutable).
 */
export const billingProfiles = sqliteTable("billing_profiles", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  legalName: text("legal_name").notNull(),
  vatNumber: text("vat_number"),
  address: text("address"),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
