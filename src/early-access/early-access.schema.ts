import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const BUSINESS_TYPES = ["real_estate", "clinic", "other"] as const;

/** People who asked, from the landing page or the API, to be onboarded when Dealix opens. */
export const earlyAccessRequests = sqliteTable(
  "early_access_requests",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    company: text("company").notNull(),
    phone: text("phone").notNull(),
    email: text("email"),
    businessType: text("business_type", { enum: BUSINESS_TYPES }).notNull(),
    locale: text("locale", { enum: ["ar", "en"] }).notNull(),
    // PDPL: when the person agreed to be contacted about early access (the form's consent box).
    consentAt: integer("consent_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("early_access_requests_phone").on(t.phone)],
);
