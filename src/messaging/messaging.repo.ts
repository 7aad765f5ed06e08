import { and, desc, eq, getTableColumns, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { contactPhones, contacts } from "../contacts/contacts.schema";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { currentConsentStatus, qualified } from "./consents.repo";
import {
  conversations,
  type MessagePurpose,
  type MessageState,
  messages,
  type TemplateContent,
} from "./messaging.schema";

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

// Inbound ------------------------------------------------------------------------------------

/** The live contact that has this phone (E.164), if any: inbound messages join its thread. */
export const contactIdByPhone = (scope: TenantScope, phone: string) =>
  scope.db
    .select({ id: contacts.id })
    .from(contactPhones)
    .innerJoin(contacts, eq(contacts.id, contactPhones.contactId))
    .where(scope.where(contactPhones.tenantId, eq(contactPhones.phone, phone), isNull(contacts.mergedIntoId)))
    .orderBy(contacts.createdAt)
    .limit(1);

/** Starts the contact's thread unless it has one (one per contact; races insert it once). */
export const ensureConversation = (scope: TenantScope, id: string, contactId: string, now: number) =>
  scope.db
    .insert(conversations)
    .values({ id, tenantId: scope.tenantId, contactId, lastMessageAt: now, createdAt: now })
    .onConflictDoNothing({ target: [conversations.tenantId, conversations.contactId] });

const conversationIdOf = (scope: TenantScope, contactId: string) =>
  sql<string>`(SELECT ${conversations.id} FROM ${conversations} WHERE ${conversations.tenantId} = ${scope.tenantId} AND ${conversations.contactId} = ${contactId})`;

/** Stores an inbound message once: a replayed webhook (same wamid) changes nothing. */
export const insertInboundMessage = (
  scope: TenantScope,
  row: { id: string; contactId: string; providerMessageId: string; body: string; at: number; now: number },
) =>
  scope.db
    .insert(messages)
    .values({
      id: row.id,
      tenantId: scope.tenantId,
      conversationId: conversationIdOf(scope, row.contactId),
      contactId: row.contactId,
      direction: "inbound",
      kind: "text",
      body: row.body,
      state: "received",
      providerMessageId: row.providerMessageId,
      providerTime: row.at,
      createdAt: row.now,
      updatedAt: row.now,
    })
    .onConflictDoNothing({ target: [messages.tenantId, messages.providerMessageId] })
    .returning({ id: messages.id });

/**
 * Counts the message just inserted (the statement before this one in the batch) as unread and
 * moves the thread's window and order. `changes() = 1` makes a replay, which inserted nothing,
 * change nothing here either.
 */
export const countInboundIfInserted = (scope: TenantScope, contactId: string, at: number, preview: string) =>
  scope.db
    .update(conversations)
    .set({
      unreadCount: sql`${conversations.unreadCount} + 1`,
      lastInboundAt: sql`MAX(COALESCE(${conversations.lastInboundAt}, 0), ${at})`,
      lastMessageAt: sql`MAX(${conversations.lastMessageAt}, ${at})`,
      lastPreview: preview,
    })
    .where(scope.where(conversations.tenantId, eq(conversations.contactId, contactId), sql`changes() = 1`));

// Statuses -----------------------------------------------------------------------------------

/** Order of the provider's statuses: a status applies only over a lower one, so late arrivals change nothing. */
const rankOf = (state: SQL | string) =>
  sql`(CASE ${state} WHEN 'sent' THEN 1 WHEN 'failed' THEN 2 WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE 0 END)`;

/**
 * Applies one status webhook to the outbound message it names, by wamid or, when the status came
 * before the send's answer was recorded, by Dealix's id echoed in `biz_opaque_callback_data`.
 * Timestamps are kept whatever the order (a `read` implies `delivered`). Returns the row when a
 * message matched.
 */
export function applyStatus(
  scope: TenantScope,
  event: {
    providerMessageId: string;
    status: "sent" | "delivered" | "read" | "failed";
    at: number;
    callbackData: string | null;
    error: { code: number; title: string } | null;
  },
  now: number,
) {
  const { status, at } = event;
  const newer = sql`${rankOf(sql`${status}`)} > ${rankOf(sql`${messages.state}`)}`;
  const failing = status === "failed";
  const match = event.callbackData
    ? or(
        eq(messages.providerMessageId, event.providerMessageId),
        and(isNull(messages.providerMessageId), eq(messages.id, event.callbackData)),
      )
    : eq(messages.providerMessageId, event.providerMessageId);
  return scope.db
    .update(messages)
    .set({
      state: sql`CASE WHEN ${newer} THEN ${status} ELSE ${messages.state} END`,
      providerMessageId: sql`COALESCE(${messages.providerMessageId}, ${event.providerMessageId})`,
      // A later status implies the earlier ones: each time is the earliest reported for it.
      sentAt: sql`MIN(COALESCE(${messages.sentAt}, ${at}), ${at})`,
      ...(status === "delivered" || status === "read"
        ? { deliveredAt: sql`MIN(COALESCE(${messages.deliveredAt}, ${at}), ${at})` }
        : {}),
      ...(status === "read" ? { readAt: sql`COALESCE(${messages.readAt}, ${at})` } : {}),
      ...(failing
        ? {
            failedAt: sql`CASE WHEN ${newer} THEN ${at} ELSE ${messages.failedAt} END`,
            stateReason: sql`CASE WHEN ${newer} THEN ${event.error ? `provider_${event.error.code}` : "provider_failed"} ELSE ${messages.stateReason} END`,
            errorTitle: sql`CASE WHEN ${newer} THEN ${event.error?.title ?? null} ELSE ${messages.errorTitle} END`,
          }
        : {}),
      providerTime: sql`MAX(COALESCE(${messages.providerTime}, 0), ${at})`,
      updatedAt: now,
    })
    .where(scope.where(messages.tenantId, eq(messages.direction, "outbound"), match))
    .returning({ id: messages.id, state: messages.state });
}

// Outbound -----------------------------------------------------------------------------------

export const insertOutboundMessage = (
  scope: TenantScope,
  row: Omit<typeof messages.$inferInsert, "tenantId" | "conversationId">,
) =>
  scope.db
    .insert(messages)
    .values({ ...row, tenantId: scope.tenantId, conversationId: conversationIdOf(scope, row.contactId) })
    .returning();

export const touchConversation = (scope: TenantScope, contactId: string, at: number, preview: string) =>
  scope.db
    .update(conversations)
    .set({ lastMessageAt: sql`MAX(${conversations.lastMessageAt}, ${at})`, lastPreview: preview })
    .where(scope.where(conversations.tenantId, eq(conversations.contactId, contactId)));

// Broadcasts ---------------------------------------------------------------------------------

/** `(SELECT value FROM json_each(?))`: a list of any length bound as one parameter (D1 allows 100). */
const inJson = (values: readonly string[]) => sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;

/**
 * INSERT … SELECT … FROM json_each(?): one statement with a handful of bound parameters however many
 * rows it writes. `values` gives every column's expression over `value`, one element of the array;
 * naming each column keeps the SELECT in step with the table. `WHERE true` lets SQLite parse an
 * ON CONFLICT after a SELECT.
 */
function insertFromJson<T extends SQLiteTable>(
  scope: TenantScope,
  table: T,
  rows: readonly unknown[],
  values: Record<keyof T["$inferSelect"], SQL>,
) {
  const columns = Object.keys(getTableColumns(table)) as (keyof T["$inferSelect"])[];
  const select = sql.join(
    columns.map((column) => values[column]),
    sql`, `,
  );
  return scope.db
    .insert(table)
    .select(sql`SELECT ${select} FROM json_each(${JSON.stringify(rows)}) WHERE true`);
}

const element = (index: number) => sql.raw(`json_extract(value, '$[${index}]')`);

/**
 * The contacts a broadcast names that the caller may see, with what the gates need: the current
 * WhatsApp marketing consent, and whether Dealix has sent to them before (through their thread,
 * which the messages index reaches by conversation).
 */
export const broadcastTargets = (
  scope: TenantScope,
  contactIds: readonly string[],
  visible: SQL | undefined,
  now: number,
) =>
  scope.db
    .select({
      id: contacts.id,
      phone: contacts.phone,
      mergedIntoId: contacts.mergedIntoId,
      marketingConsent: currentConsentStatus(scope, qualified(contacts, contacts.id), "marketing", now),
      messagedBefore: sql<number>`EXISTS (SELECT 1 FROM ${messages} m WHERE m.tenant_id = ${scope.tenantId} AND m.conversation_id = ${conversations.id} AND m.direction = 'outbound' AND m.state IN ('sent', 'delivered', 'read'))`,
    })
    .from(contacts)
    .leftJoin(
      conversations,
      and(eq(conversations.tenantId, contacts.tenantId), eq(conversations.contactId, contacts.id)),
    )
    .where(scope.where(contacts.tenantId, sql`${contacts.id} IN ${inJson(contactIds)}`, visible));

/** Starts the threads of the contacts that have none (ensureConversation for many). */
export const ensureConversations = (
  scope: TenantScope,
  threads: readonly { id: string; contactId: string }[],
  now: number,
) =>
  insertFromJson(
    scope,
    conversations,
    threads.map((thread) => [thread.id, thread.contactId]),
    {
      id: element(0),
      tenantId: sql`${scope.tenantId}`,
      contactId: element(1),
      lastMessageAt: sql`${now}`,
      lastInboundAt: sql`NULL`,
      lastPreview: sql`NULL`,
      unreadCount: sql`0`,
      createdAt: sql`${now}`,
    },
  ).onConflictDoNothing({ target: [conversations.tenantId, conversations.contactId] });

/** The same template to many contacts: one outbound message each, in its contact's thread. */
export const insertBroadcastMessages = (
  scope: TenantScope,
  broadcast: {
    id: string;
    purpose: MessagePurpose;
    template: TemplateContent;
    sentBy: string | null;
    now: number;
  },
  rows: readonly { id: string; contactId: string; state: MessageState; stateReason: string | null }[],
) =>
  insertFromJson(
    scope,
    messages,
    rows.map((row) => [row.id, row.contactId, row.state, row.stateReason]),
    {
      id: element(0),
      tenantId: sql`${scope.tenantId}`,
      conversationId: sql`(SELECT ${conversations.id} FROM ${conversations} WHERE ${conversations.tenantId} = ${scope.tenantId} AND ${conversations.contactId} = ${element(1)})`,
      contactId: element(1),
      direction: sql`'outbound'`,
      kind: sql`'template'`,
      purpose: sql`${broadcast.purpose}`,
      aiDrafted: sql`0`,
      reviewedBy: sql`NULL`,
      reviewedAt: sql`NULL`,
      broadcastId: sql`${broadcast.id}`,
      body: sql`NULL`,
      template: sql`${JSON.stringify(broadcast.template)}`,
      media: sql`NULL`,
      state: element(2),
      stateReason: element(3),
      errorTitle: sql`NULL`,
      providerMessageId: sql`NULL`,
      transport: sql`NULL`,
      attempts: sql`0`,
      claimedUntil: sql`NULL`,
      sentBy: sql`${broadcast.sentBy}`,
      sentAt: sql`NULL`,
      deliveredAt: sql`NULL`,
      readAt: sql`NULL`,
      failedAt: sql`NULL`,
      providerTime: sql`NULL`,
      createdAt: sql`${broadcast.now}`,
      updatedAt: sql`${broadcast.now}`,
    },
  );

/** touchConversation for many contacts. */
export const touchConversations = (
  scope: TenantScope,
  contactIds: readonly string[],
  at: number,
  preview: string,
) =>
  scope.db
    .update(conversations)
    .set({ lastMessageAt: sql`MAX(${conversations.lastMessageAt}, ${at})`, lastPreview: preview })
    .where(scope.where(conversations.tenantId, sql`${conversations.contactId} IN ${inJson(contactIds)}`));

/**
 * What the consent and approval gates need to know about a contact, in the send's read batch: the
 * current WhatsApp marketing consent and whether Dealix has ever sent to them.
 */
export const gateFacts = (scope: TenantScope, contactId: string, now: number) =>
  scope.db
    .select({
      marketingConsent: currentConsentStatus(scope, qualified(contacts, contacts.id), "marketing", now),
      messagedBefore: sql<number>`EXISTS (SELECT 1 FROM ${messages} m WHERE m.tenant_id = ${scope.tenantId} AND m.contact_id = ${qualified(contacts, contacts.id)} AND m.direction = 'outbound' AND m.state IN ('sent', 'delivered', 'read'))`,
    })
    .from(contacts)
    .where(scope.where(contacts.tenantId, eq(contacts.id, contactId)));

/** What the outbound consumer needs for one message, in one read. */
export const messageToSend = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .select({
      message: getTableColumns(messages),
      phone: contacts.phone,
      lastInboundAt: conversations.lastInboundAt,
      marketingConsent: currentConsentStatus(
        scope,
        qualified(messages, messages.contactId),
        "marketing",
        now,
      ),
    })
    .from(messages)
    .innerJoin(contacts, eq(contacts.id, messages.contactId))
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(scope.where(messages.tenantId, eq(messages.id, id), eq(messages.direction, "outbound")))
    .limit(1);

/**
 * Takes the send of a queued message for `leaseMs`, counting the attempt. A second delivery of the
 * same queue message finds it taken (or already sent) and sends nothing; an expired lease (a
 * consumer that died mid-send) can be taken again.
 */
export const claimSend = (scope: TenantScope, id: string, now: number, leaseMs: number) =>
  scope.db
    .update(messages)
    .set({
      state: "sending",
      claimedUntil: now + leaseMs,
      attempts: sql`${messages.attempts} + 1`,
      updatedAt: now,
    })
    .where(
      scope.where(
        messages.tenantId,
        eq(messages.id, id),
        or(eq(messages.state, "queued"), and(eq(messages.state, "sending"), lt(messages.claimedUntil, now))),
      ),
    )
    .returning({ attempts: messages.attempts });

/** The provider accepted the message. A status that raced ahead of this answer keeps its state. */
export const markSent = (
  scope: TenantScope,
  id: string,
  sent: { providerMessageId: string; transport: "cloud_api" | "dev_outbox"; at: number },
) =>
  scope.db
    .update(messages)
    .set({
      state: sql`CASE WHEN ${messages.state} = 'sending' THEN 'sent' ELSE ${messages.state} END`,
      providerMessageId: sql`COALESCE(${messages.providerMessageId}, ${sent.providerMessageId})`,
      transport: sent.transport,
      sentAt: sql`COALESCE(${messages.sentAt}, ${sent.at})`,
      stateReason: null,
      claimedUntil: null,
      updatedAt: sent.at,
    })
    .where(scope.where(messages.tenantId, eq(messages.id, id)));

/** A send that can never succeed as it is (window closed, invalid number, bad template …). */
export const markSendFailed = (
  scope: TenantScope,
  id: string,
  failure: {
    state: Extract<MessageState, "failed" | "blocked">;
    reason: string;
    title: string | null;
    at: number;
  },
) =>
  scope.db
    .update(messages)
    .set({
      state: failure.state,
      stateReason: failure.reason,
      errorTitle: failure.title,
      failedAt: failure.state === "failed" ? failure.at : null,
      claimedUntil: null,
      updatedAt: failure.at,
    })
    .where(scope.where(messages.tenantId, eq(messages.id, id), eq(messages.state, "sending")));

/** Gives a send back to the queue for a later attempt (provider down, throttled, breaker open). */
export const releaseSend = (scope: TenantScope, id: string, reason: string, now: number) =>
  scope.db
    .update(messages)
    .set({ state: "queued", stateReason: reason, claimedUntil: null, updatedAt: now })
    .where(scope.where(messages.tenantId, eq(messages.id, id), eq(messages.state, "sending")));

/**
 * Outbound messages nobody is working on: still queued since before `olderThan` (a lost enqueue, or
 * a job dead-lettered and not yet retried by an operator is NOT among them: see stateReason), or
 * left `sending` by a consumer that died after its lease. The cron queues them again.
 */
export const strandedMessages = (db: Db, olderThan: number, now: number, limit: number) =>
  db
    .select({ id: messages.id, tenantId: messages.tenantId })
    .from(messages)
    .where(
      and(
        eq(messages.direction, "outbound"),
        or(
          and(
            eq(messages.state, "queued"),
            lt(messages.updatedAt, olderThan),
            or(isNull(messages.stateReason), sql`${messages.stateReason} <> 'dead_lettered'`),
          ),
          and(eq(messages.state, "sending"), lt(messages.claimedUntil, now)),
        ),
      ),
    )
    .limit(limit);

/** The outbound dead-letter consumer: the message waits for an operator's retry from the DLQ. */
export const markDeadLettered = (db: Db, tenantId: string, id: string, now: number) =>
  db
    .update(messages)
    .set({ state: "queued", stateReason: "dead_lettered", claimedUntil: null, updatedAt: now })
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.id, id),
        sql`${messages.state} IN ('queued', 'sending')`,
      ),
    );

// Reading ------------------------------------------------------------------------------------

const conversationColumns = {
  ...getTableColumns(conversations),
  contactName: contacts.name,
  contactPhone: contacts.phone,
  contactOwnerId: contacts.ownerId,
};
export type ConversationListRow = ConversationRow & {
  contactName: string;
  contactPhone: string | null;
  contactOwnerId: string | null;
};

/** Threads, most recent first, limited to contacts the caller may see. */
export const listConversations = (
  scope: TenantScope,
  visible: SQL | undefined,
  filter: { unreadOnly: boolean },
  after: CursorPosition | null,
  limit: number,
) =>
  scope.db
    .select(conversationColumns)
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(
      scope.where(
        conversations.tenantId,
        visible,
        filter.unreadOnly ? sql`${conversations.unreadCount} > 0` : undefined,
        continuingAfter(conversations.lastMessageAt, conversations.id, after, "desc"),
      ),
    )
    .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
    .limit(limit + 1);

export const conversationById = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  scope.db
    .select(conversationColumns)
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(scope.where(conversations.tenantId, eq(conversations.id, id), visible))
    .limit(1);

export const conversationOfContact = (scope: TenantScope, contactId: string) =>
  scope.db
    .select()
    .from(conversations)
    .where(scope.where(conversations.tenantId, eq(conversations.contactId, contactId)))
    .limit(1);

/** A thread's messages, newest first. */
export const messagesOf = (
  scope: TenantScope,
  conversationId: string,
  after: CursorPosition | null,
  limit: number,
) =>
  scope.db
    .select()
    .from(messages)
    .where(
      scope.where(
        messages.tenantId,
        eq(messages.conversationId, conversationId),
        continuingAfter(messages.createdAt, messages.id, after, "desc"),
      ),
    )
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit + 1);

export const messageById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(messages)
    .where(scope.where(messages.tenantId, eq(messages.id, id)))
    .limit(1);

export const markConversationRead = (scope: TenantScope, id: string) =>
  scope.db
    .update(conversations)
    .set({ unreadCount: 0 })
    .where(scope.where(conversations.tenantId, eq(conversations.id, id)));
