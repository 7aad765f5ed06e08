import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";

/**
 * What a notice to SDAIA must contain (PDPL breach guide, integrations.md §7). An operator ticks
 * each once the incident's record holds it; the regulator notice cannot be recorded as sent before
 * every item is ticked.
 */
export const BREACH_CHECKLIST = [
  "description_and_time",
  "subjects_categories_and_count",
  "data_types",
  "risks",
  "remedial_actions",
  "contact",
] as const;
export type BreachChecklistItem = (typeof BREACH_CHECKLIST)[number];

export const BREACH_RECIPIENTS = ["regulator", "tenant", "data_subjects"] as const;
export const BREACH_CHANNELS = ["ndgp_portal", "email", "whatsapp", "phone", "letter", "in_app"] as const;

/**
 * The platform's personal-data breach register (PDPL: notify SDAIA within 72 hours of becoming
 * aware). Kept by operators; names affected tenants by id, never the people affected.
 */
export const breachIncidents = sqliteTable(
  "breach_incidents",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    // When Dealix became aware: the 72-hour clock runs from here, not from when it was recorded.
    awareAt: integer("aware_at").notNull(),
    dataCategories: text("data_categories", { mode: "json" }).$type<string[]>().notNull(),
    subjectCategories: text("subject_categories", { mode: "json" }).$type<string[]>().notNull(),
    approxSubjects: integer("approx_subjects").notNull(),
    affectedTenantIds: text("affected_tenant_ids", { mode: "json" }).$type<string[]>().notNull(),
    risks: text("risks"),
    remedialActions: text("remedial_actions"),
    contactPoint: text("contact_point"),
    checklist: text("checklist", { mode: "json" })
      .$type<Partial<Record<BreachChecklistItem, boolean>>>()
      .notNull(),
    regulatorNotifiedAt: integer("regulator_notified_at"),
    closedAt: integer("closed_at"),
    openedBy: text("opened_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("breach_incidents_aware").on(t.awareAt)],
);

/** Every notice given about an incident: to SDAIA, to each affected tenant, to data subjects. */
export const breachNotifications = sqliteTable(
  "breach_notifications",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => breachIncidents.id),
    recipient: text("recipient", { enum: BREACH_RECIPIENTS }).notNull(),
    // The tenant told, for a `tenant` notice.
    tenantId: text("tenant_id"),
    channel: text("channel", { enum: BREACH_CHANNELS }).notNull(),
    // The regulator's case number, the e-mail's message id: whatever proves it was sent.
    reference: text("reference"),
    notifiedAt: integer("notified_at").notNull(),
    recordedBy: text("recorded_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("breach_notifications_incident").on(t.incidentId, t.notifiedAt)],
);
