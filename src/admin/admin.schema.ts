import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";

/**
 * An operator sign-in between its two factors: the password was right and a six-digit code was
 * sent. Bound to the browser that passed the password (the hash of a secret in its challenge
 * cookie), so a code read off someone's phone is useless without that browser. The code is stored
 * as an HMAC (src/auth/codes.ts); five minutes, single use, five attempts.
 */
export const operatorChallenges = sqliteTable(
  "operator_challenges",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    // SHA-256 of the challenge cookie's secret.
    tokenHash: text("token_hash").notNull().unique(),
    codeHash: text("code_hash").notNull(),
    channel: text("channel", { enum: ["whatsapp", "email"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: integer("expires_at").notNull(),
    consumedAt: integer("consumed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("operator_challenges_user").on(t.userId),
    index("operator_challenges_expires_at").on(t.expiresAt),
  ],
);

/**
 * A platform operator's session, separate from tenant sessions (refresh_families): its own table,
 * cookie and lifetimes, so neither kind of credential can stand in for the other.
 */
export const operatorSessions = sqliteTable(
  "operator_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    // SHA-256 of the cookie's secret; the secret itself is never stored.
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    // Absolute end, however active the operator is.
    expiresAt: integer("expires_at").notNull(),
    // Moved forward by every request; the session ends after the idle limit without one.
    lastSeenAt: integer("last_seen_at").notNull(),
    endedAt: integer("ended_at"),
    endedReason: text("ended_reason"),
  },
  (t) => [
    index("operator_sessions_user").on(t.userId),
    index("operator_sessions_expires_at").on(t.expiresAt),
  ],
);

/**
 * Append-only record of what platform operators did (sign-in attempts, codes sent, sessions
 * ended, every console action). Kept apart from audit_events, which tenants read: an operator row
 * can never appear in a tenant's audit log by a missing filter. `operator_id` is null only for a
 * failed sign-in that matched no operator.
 */
export const operatorAuditEvents = sqliteTable(
  "operator_audit_events",
  {
    id: text("id").primaryKey(),
    operatorId: text("operator_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    requestId: text("request_id"),
    ip: text("ip"),
    // JSON object with non-personal details (e.g. the channel a code went to).
    details: text("details", { mode: "json" }).$type<Record<string, string | number | boolean | null>>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("operator_audit_events_time").on(t.createdAt),
    index("operator_audit_events_operator").on(t.operatorId, t.createdAt),
  ],
);
