import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * An email or phone counts as someone's (WhatsApp sign-in, invitation matching, "already
 * registered") only once they proved it: `*_verified_at` is set. Several accounts may hold the same
 * unverified email or phone, so a squatter never blocks the owner; only one may hold it verified.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    // Stored lowercased: emails compare case-insensitively. The password sign-in name.
    email: text("email").notNull(),
    emailVerifiedAt: integer("email_verified_at"),
    // E.164; used for WhatsApp OTP sign-in once verified.
    phone: text("phone"),
    phoneVerifiedAt: integer("phone_verified_at"),
    passwordHash: text("password_hash").notNull(),
    locale: text("locale", { enum: ["ar", "en"] }).notNull(),
    // Platform operators (Dealix staff). Separate from tenant roles: grants no tenant access.
    isPlatformAdmin: integer("is_platform_admin", { mode: "boolean" }).notNull().default(false),
    // Access tokens issued before this instant (ms) are refused: logout-everywhere, password change.
    tokensNotBefore: integer("tokens_not_before").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("users_email").on(t.email),
    uniqueIndex("users_verified_email").on(t.email).where(sql`email_verified_at IS NOT NULL`),
    index("users_phone").on(t.phone),
    uniqueIndex("users_verified_phone").on(t.phone).where(sql`phone_verified_at IS NOT NULL`),
  ],
);

/**
 * One sign-in session: every refresh token minted from one sign-in belongs to the same family.
 * Revoking the family (logout, reuse detected, member removed) ends the session.
 */
export const refreshFamilies = sqliteTable(
  "refresh_families",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tenantId: text("tenant_id").notNull(),
    createdAt: integer("created_at").notNull(),
    // Absolute end of the session, however often it is refreshed.
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("refresh_families_user").on(t.userId), index("refresh_families_expires_at").on(t.expiresAt)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    familyId: text("family_id")
      .notNull()
      .references(() => refreshFamilies.id),
    // SHA-256 of the opaque token; the token itself is never stored.
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: integer("expires_at").notNull(),
    // Set when this token was exchanged for a new one; presenting it again is reuse.
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("refresh_tokens_family").on(t.familyId), index("refresh_tokens_expires_at").on(t.expiresAt)],
);

/** WhatsApp sign-in codes: stored as an HMAC, five minutes, single use, five attempts. */
export const otpCodes = sqliteTable(
  "otp_codes",
  {
    id: text("id").primaryKey(),
    phone: text("phone").notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: integer("expires_at").notNull(),
    consumedAt: integer("consumed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("otp_codes_phone").on(t.phone, t.createdAt), index("otp_codes_expires_at").on(t.expiresAt)],
);

export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("password_resets_user").on(t.userId), index("password_resets_expires_at").on(t.expiresAt)],
);

/**
 * A pending proof that a signed-in user controls an email or phone: a six-digit WhatsApp code
 * (stored as an HMAC) or an emailed link (stored as SHA-256). Bound to the user who asked, single
 * use, five attempts for codes.
 */
export const identityVerifications = sqliteTable(
  "identity_verifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    channel: text("channel", { enum: ["phone", "email"] }).notNull(),
    // The E.164 phone or lowercased email being proved (not necessarily the account's current one).
    value: text("value").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: integer("expires_at").notNull(),
    consumedAt: integer("consumed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("identity_verifications_user").on(t.userId, t.channel, t.createdAt),
    index("identity_verifications_expiry").on(t.expiresAt),
  ],
);
