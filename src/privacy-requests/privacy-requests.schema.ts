import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

export const PRIVACY_REQUEST_TYPES = ["access", "correction", "erasure", "consent_withdrawal"] as const;
export type PrivacyRequestType = (typeof PRIVACY_REQUEST_TYPES)[number];
export const PRIVACY_REQUEST_CHANNELS = ["staff", "public_page", "whatsapp"] as const;
export type PrivacyRequestChannel = (typeof PRIVACY_REQUEST_CHANNELS)[number];
export const PRIVACY_REQUEST_STATES = ["received", "verified", "in_progress", "done", "refused"] as const;
export type PrivacyRequestState = (typeof PRIVACY_REQUEST_STATES)[number];
export const VERIFICATION_METHODS = ["code", "in_person", "whatsapp_inbound"] as const;

/**
 * A data-subject request under the PDPL (access, correction, erasure, consent withdrawal). The
 * 30-day clock runs from `received_at`; `due_at` moves once, by the extension. The requester's
 * stated name, phone and email are kept as they wrote them: the matched contact (if any) is the
 * record the request is about, and codes only go to that contact's own phone or email.
 */
export const privacyRequests = sqliteTable(
  "privacy_requests",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    type: text("type", { enum: PRIVACY_REQUEST_TYPES }).notNull(),
    channel: text("channel", { enum: PRIVACY_REQUEST_CHANNELS }).notNull(),
    state: text("state", { enum: PRIVACY_REQUEST_STATES }).notNull(),
    requesterName: text("requester_name").notNull(),
    requesterPhone: text("requester_phone"),
    requesterEmail: text("requester_email"),
    contactId: text("contact_id"),
    details: text("details"),
    receivedAt: integer("received_at").notNull(),
    dueAt: integer("due_at").notNull(),
    extendedAt: integer("extended_at"),
    extensionDays: integer("extension_days"),
    extensionReason: text("extension_reason"),
    verifiedAt: integer("verified_at"),
    verificationMethod: text("verification_method", { enum: VERIFICATION_METHODS }),
    verificationNote: text("verification_note"),
    // The one-time code sent to the contact's phone or email on record: keyed hash, expiry, tries.
    codeHash: text("code_hash"),
    codeExpiresAt: integer("code_expires_at"),
    codeAttempts: integer("code_attempts").notNull().default(0),
    // The person's copy, once verified on the public page: a bearer secret kept as a hash.
    copyTokenHash: text("copy_token_hash"),
    copyTokenExpiresAt: integer("copy_token_expires_at"),
    refusedReason: text("refused_reason"),
    completedAt: integer("completed_at"),
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    createdBy: text("created_by"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("privacy_requests_tenant_due").on(t.tenantId, t.dueAt),
    index("privacy_requests_tenant_contact").on(t.tenantId, t.contactId),
  ],
);

/** Every change of a request, in order: its states, the extension, the verification. */
export const privacyRequestEvents = sqliteTable(
  "privacy_request_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    requestId: text("request_id")
      .notNull()
      .references(() => privacyRequests.id),
    action: text("action").notNull(),
    fromState: text("from_state", { enum: PRIVACY_REQUEST_STATES }),
    toState: text("to_state", { enum: PRIVACY_REQUEST_STATES }).notNull(),
    actorType: text("actor_type", { enum: ["user", "api_key", "system", "anonymous"] }).notNull(),
    actorId: text("actor_id"),
    note: text("note"),
    at: integer("at").notNull(),
  },
  (t) => [index("privacy_request_events_request").on(t.requestId, t.at)],
);
