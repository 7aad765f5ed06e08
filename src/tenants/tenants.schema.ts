import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { ROLES } from "../platform/roles";

/** A customer company. Everything tenant-owned carries its id. */
export const tenants = sqliteTable(
  "tenants",
  {
    id: text("id").primaryKey(),
    nameAr: text("name_ar").notNull(),
    nameEn: text("name_en").notNull(),
    locale: text("locale", { enum: ["ar", "en"] }).notNull(),
    timezone: text("timezone").notNull().default("Asia/Riyadh"),
    status: text("status", { enum: ["active", "suspended"] })
      .notNull()
      .default("active"),
    createdAt: integer("created_at").notNull(),
    // Set while the owner's closure waits out its grace period: the account is read-only, and the
    // daily job deletes its data once this time has passed. Cleared when the owner cancels.
    closeRequestedAt: integer("close_requested_at"),
    deleteAfter: integer("delete_after"),
    // When the daily job deleted the closed account's data (status is then suspended: nobody signs in).
    closedAt: integer("closed_at"),
  },
  (t) => [index("tenants_delete_after").on(t.deleteAfter).where(sql`${t.deleteAfter} IS NOT NULL`)],
);

/** A user's role in one tenant; a user may belong to several tenants. */
export const memberships = sqliteTable(
  "memberships",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ROLES }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("memberships_user").on(t.userId)],
);

/** A single-use, expiring invitation to join a tenant with a role, sent by email or WhatsApp. */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    email: text("email"),
    phone: text("phone"),
    role: text("role", { enum: ROLES }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: text("invited_by")
      .notNull()
      .references(() => users.id),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("invitations_tenant").on(t.tenantId, t.createdAt)],
);
