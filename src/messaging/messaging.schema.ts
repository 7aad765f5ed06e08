import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "../contacts/contacts.schema";
import { tenants } from "../tenants/tenants.schema";

/**
 * A tenant's WhatsApp Business number on the Cloud API. The access token, app secret and verify
 * token are stored AES-GCM encrypted (platform/secret-box.ts) and never leave the server; the
 * phone number id is Meta's, unique across tenants, and names the tenant on every webhook.
 */
export const whatsappAccounts = sqliteTable(
  "whatsapp_accounts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    phoneNumberId: text("phone_number_id").notNull(),
    displayPhone: text("display_phone").notNull(),
    businessAccountId: text("business_account_id"),
    accessTokenEnc: text("access_token_enc").notNull(),
    appSecretEnc: text("app_secret_enc").notNull(),
    verifyTokenEnc: text("verify_token_enc").notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("whatsapp_accounts_tenant").on(t.tenantId),
    uniqueIndex("whatsapp_accounts_phone_number").on(t.phoneNumberId),
  ],
);

/**
 * One WhatsApp thread per contact. `last_inbound_at` opens the 24-hour customer-service window
 * (free text is allowed only within 24 h of it); the unread count is what the inbox shows.
 */
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    lastMessageAt: integer("last_message_at").notNull(),
    lastInboundAt: integer("last_inbound_at"),
    lastPreview: text("last_preview"),
    unreadCount: integer("unread_count").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("conversations_tenant_contact").on(t.tenantId, t.contactId),
    // Deleting a contact (erasure, closure) checks the foreign key from here by contact_id alone.
    index("conversations_contact").on(t.contactId),
    index("conversations_tenant_recent").on(t.tenantId, t.lastMessageAt),
  ],
);

export const MESSAGE_DIRECTIONS = ["inbound", "outbound"] as const;
/**
 * Why a message is sent, as PDPL consent and WhatsApp's opt-in policy distinguish them: marketing
 * needs the person's recorded marketing consent; service answers what the person asked about;
 * transactional tells them of something they did (a booking, a payment, an opt-out confirmation).
 */
export const MESSAGE_PURPOSES = ["marketing", "service", "transactional"] as const;
export type MessagePurpose = (typeof MESSAGE_PURPOSES)[number];
export const MESSAGE_KINDS = ["text", "template", "media"] as const;
/**
 * Where a message stands. Inbound messages are `received`. Outbound ones start `queued` (or
 * `pending_approval` / `blocked`), are `sending` while the consumer holds them, then follow the
 * provider: `sent` → `delivered` → `read`, or `failed` with the provider's error.
 */
export const MESSAGE_STATES = [
  "received",
  "pending_approval",
  "blocked",
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export interface TemplateContent {
  name: string;
  language: string;
  variables: string[];
}
export interface MediaContent {
  type: "image" | "document" | "video" | "audio";
  url: string;
  caption?: string | undefined;
}

export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id),
    contactId: text("contact_id").notNull(),
    direction: text("direction", { enum: MESSAGE_DIRECTIONS }).notNull(),
    kind: text("kind", { enum: MESSAGE_KINDS }).notNull(),
    purpose: text("purpose", { enum: MESSAGE_PURPOSES }).notNull().default("service"),
    // Drafted by an AI assistant: the tenant's approval policy may hold it for a manager.
    aiDrafted: integer("ai_drafted", { mode: "boolean" }).notNull().default(false),
    // Who approved or rejected a message held for approval, and when.
    reviewedBy: text("reviewed_by"),
    reviewedAt: integer("reviewed_at"),
    // The broadcast that made it (POST /api/v1/messages/broadcasts), so its held messages group.
    broadcastId: text("broadcast_id"),
    body: text("body"),
    template: text("template", { mode: "json" }).$type<TemplateContent>(),
    media: text("media", { mode: "json" }).$type<MediaContent>(),
    state: text("state", { enum: MESSAGE_STATES }).notNull(),
    // Why a message is blocked or failed: a stable code (e.g. window_closed, provider_131026) and
    // the provider's title when it gave one.
    stateReason: text("state_reason"),
    errorTitle: text("error_title"),
    // Meta's message id (wamid…): unique per tenant, so a replayed inbound webhook is stored once.
    providerMessageId: text("provider_message_id"),
    // Which transport sent it: the Cloud API, or the dev outbox where no credentials exist.
    transport: text("transport", { enum: ["cloud_api", "dev_outbox"] }),
    attempts: integer("attempts").notNull().default(0),
    // The consumer's claim on a send: another delivery of the same queue message waits it out.
    claimedUntil: integer("claimed_until"),
    sentBy: text("sent_by"),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    readAt: integer("read_at"),
    failedAt: integer("failed_at"),
    // The provider's time of the message (inbound) or of the newest status applied (outbound).
    providerTime: integer("provider_time"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("messages_tenant_provider_id").on(t.tenantId, t.providerMessageId),
    index("messages_conversation_time").on(t.tenantId, t.conversationId, t.createdAt),
    // Deleting a conversation (erasure, closure) checks the foreign key from here by conversation_id
    // alone: without this index, each delete scans every tenant's messages.
    index("messages_conversation").on(t.conversationId),
    index("messages_pending_approval")
      .on(t.tenantId, t.createdAt)
      .where(sql`${t.state} = 'pending_approval'`),
    // The cron's sweep for stranded sends reads only unfinished outbound messages.
    index("messages_unfinished").on(t.state, t.updatedAt).where(sql`${t.state} IN ('queued', 'sending')`),
    // The approval gate's "messaged before?" (gateFacts) on every send: one index probe, where the
    // tenant's other indexes would scan all its messages.
    index("messages_contact_delivered")
      .on(t.tenantId, t.contactId)
      .where(sql`${t.direction} = 'outbound' AND ${t.state} IN ('sent', 'delivered', 'read')`),
  ],
);

export const CONSENT_CHANNELS = ["whatsapp", "email", "sms"] as const;
export const CONSENT_SOURCES = [
  "web_form",
  "whatsapp",
  "in_person",
  "phone_call",
  "paper_form",
  "import",
  "api",
  "opt_out_keyword",
  // Written by the daily consent-expiry job (src/messaging/consent-expiry.ts), never by a person.
  "expiry",
] as const;
export const CONSENT_STATUSES = ["granted", "withdrawn", "expired"] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/**
 * The consent ledger (PDPL Art. 25, WhatsApp opt-in policy): one row per grant or withdrawal of
 * consent for a contact, channel and purpose, with its source and the exact text the person saw or
 * sent. Rows are never changed; the newest row for a contact, channel and purpose is the current
 * state, and the rows before it are the evidence. A marketing grant lapses 12 months after it was
 * given unless renewed by a newer grant: the daily job appends an `expired` row, and the gate
 * treats an older grant as lapsed even before the job has run.
 */
export const consents = sqliteTable(
  "consents",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    channel: text("channel", { enum: CONSENT_CHANNELS }).notNull(),
    purpose: text("purpose", { enum: MESSAGE_PURPOSES }).notNull(),
    status: text("status", { enum: CONSENT_STATUSES }).notNull(),
    source: text("source", { enum: CONSENT_SOURCES }).notNull(),
    // The exact wording shown to the person when they agreed, or what they sent to withdraw.
    evidenceText: text("evidence_text").notNull(),
    // When the person gave or withdrew it (may precede the record, e.g. a paper form).
    occurredAt: integer("occurred_at").notNull(),
    recordedBy: text("recorded_by"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("consents_contact").on(t.tenantId, t.contactId, t.channel, t.purpose, t.createdAt),
    // The expiry job's walk over marketing grants old enough to lapse, across tenants.
    index("consents_marketing_grants")
      .on(t.occurredAt)
      .where(sql`${t.purpose} = 'marketing' AND ${t.status} = 'granted'`),
    // A tenant's expiring and expired marketing consents (GET /api/v1/consents/expiring).
    index("consents_tenant_marketing")
      .on(t.tenantId, t.status, t.occurredAt)
      .where(sql`${t.purpose} = 'marketing'`),
    // Deleting a contact (erasure, closure) checks the foreign key from here by contact_id alone.
    index("consents_contact_id").on(t.contactId),
  ],
);

/**
 * The tenant's approval policy (seed gate V1): which outbound messages wait for a manager. Without
 * a row, the defaults in messaging/approvals.ts apply.
 */
export const messagingSettings = sqliteTable("messaging_settings", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  approveFirstMessage: integer("approve_first_message", { mode: "boolean" }).notNull(),
  approveAiDrafted: integer("approve_ai_drafted", { mode: "boolean" }).notNull(),
  // Broadcasts to more than this many contacts wait for approval; null: never.
  approveBroadcastOver: integer("approve_broadcast_over"),
  updatedAt: integer("updated_at").notNull(),
});
