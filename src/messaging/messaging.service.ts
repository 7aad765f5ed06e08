import { meter, withinPlan } from "../billing/usage";
import { contactById } from "../contacts/contacts.repo";
import { contacts } from "../contacts/contacts.schema";
import { visibleRecords } from "../crm/visibility";
import { devToolsEnabled } from "../env";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import { messagingSettingsOf } from "./approvals.repo";
import type { SendMessageInput } from "./messaging.model";
import {
  type ConversationListRow,
  conversationById,
  conversationOfContact,
  ensureConversation,
  gateFacts,
  insertOutboundMessage,
  listConversations,
  type MessageRow,
  markConversationRead,
  messagesOf,
  touchConversation,
} from "./messaging.repo";
import type { ConsentStatus, MessagePurpose } from "./messaging.schema";
import { accountOfTenant } from "./whatsapp-accounts.repo";
import { templateNamed, type WhatsAppTemplateRow } from "./whatsapp-templates.repo";
import { templateOffersOptOut } from "./whatsapp-templates.service";

/** The customer-service window: free-form messages only within 24 h of the contact's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export const windowOpen = (lastInboundAt: number | null, now: number) =>
  lastInboundAt !== null && now - lastInboundAt < SERVICE_WINDOW_MS;

/** The queue message that asks the outbound consumer to send one stored message. */
export interface OutboundJob {
  tenantId: string;
  messageId: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const messageView = (row: MessageRow) => ({
  id: row.id,
  conversationId: row.conversationId,
  contactId: row.contactId,
  direction: row.direction,
  kind: row.kind,
  purpose: row.purpose,
  aiDrafted: row.aiDrafted,
  text: row.body,
  template: row.template ?? null,
  media: row.media ?? null,
  state: row.state,
  stateReason: row.stateReason,
  errorTitle: row.errorTitle,
  sentBy: row.sentBy,
  reviewedBy: row.reviewedBy,
  reviewedAt: iso(row.reviewedAt),
  broadcastId: row.broadcastId,
  createdAt: new Date(row.createdAt).toISOString(),
  sentAt: iso(row.sentAt),
  deliveredAt: iso(row.deliveredAt),
  readAt: iso(row.readAt),
  failedAt: iso(row.failedAt),
});

export const conversationView = (row: ConversationListRow, now: number) => ({
  id: row.id,
  contact: { id: row.contactId, name: row.contactName, phone: row.contactPhone },
  unreadCount: row.unreadCount,
  lastMessageAt: new Date(row.lastMessageAt).toISOString(),
  lastInboundAt: iso(row.lastInboundAt),
  lastPreview: row.lastPreview,
  windowOpen: windowOpen(row.lastInboundAt, now),
});

/** What the thread list and the message itself show of a message. */
export function previewOf(input: Pick<SendMessageInput, "text" | "template" | "media">): string {
  if (input.text) return input.text.slice(0, 120);
  if (input.template) return `[${input.template.name}]`;
  return input.media?.caption
    ? `[${input.media.type}] ${input.media.caption.slice(0, 100)}`
    : `[${input.media?.type}]`;
}

/** Appended to marketing text, so every marketing message says how to stop them (WhatsApp policy). */
export const OPT_OUT_FOOTER = "\n\nللإيقاف أرسل «إيقاف» · Reply STOP to opt out";

export interface ApprovalPolicy {
  approveFirstMessage: boolean;
  approveAiDrafted: boolean;
  /** Hold every message of a broadcast to more contacts than this; null: broadcasts go out. */
  approveBroadcastOver: number | null;
}

/**
 * Without a saved policy: AI drafts wait for a person (nothing a model wrote reaches a customer
 * unread); first messages to new numbers go out, since brokers answer new leads all day.
 */
export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  approveFirstMessage: false,
  approveAiDrafted: true,
  approveBroadcastOver: null,
};

export const approvalPolicy = (row: ApprovalPolicy | undefined): ApprovalPolicy =>
  row
    ? {
        approveFirstMessage: row.approveFirstMessage,
        approveAiDrafted: row.approveAiDrafted,
        approveBroadcastOver: row.approveBroadcastOver,
      }
    : DEFAULT_APPROVAL_POLICY;

/**
 * The gates a new message passes, in order: consent (a marketing message needs the contact's
 * current WhatsApp marketing consent, granted within the last 12 months, else it is stored `blocked` and never sent), then approval
 * (the tenant's policy holds large broadcasts, AI drafts and first messages as `pending_approval`
 * for a manager). The outbound consumer checks consent again, in case it was withdrawn while the
 * message waited. `broadcastSize` is the number of contacts of the broadcast the message is part of.
 */
export function gateDecision(
  input: Pick<SendMessageInput, "purpose" | "aiDrafted">,
  facts: { marketingConsent: ConsentStatus | null; messagedBefore: number } | undefined,
  policy: ApprovalPolicy,
  broadcastSize?: number,
): { state: "queued" | "blocked" | "pending_approval"; reason: string | null } {
  if (input.purpose === "marketing" && facts?.marketingConsent !== "granted") {
    return { state: "blocked", reason: "no_marketing_consent" };
  }
  if (
    broadcastSize !== undefined &&
    policy.approveBroadcastOver !== null &&
    broadcastSize > policy.approveBroadcastOver
  ) {
    return { state: "pending_approval", reason: "broadcast" };
  }
  if (input.aiDrafted && policy.approveAiDrafted) return { state: "pending_approval", reason: "ai_drafted" };
  if (policy.approveFirstMessage && !facts?.messagedBefore)
    return { state: "pending_approval", reason: "first_message" };
  return { state: "queued", reason: null };
}

/**
 * A template send's checks against the registry, before anything is stored: the template is
 * approved, gets exactly its variables, is sent for at least its category's purpose, and a
 * marketing send tells the reader how to opt out (WhatsApp policy; Meta fixes the template's
 * text, so its footer or a button must carry the line). Returns the send's purpose.
 */
export function checkTemplate(
  input: Pick<SendMessageInput, "template" | "purpose">,
  registered: WhatsAppTemplateRow | undefined,
): MessagePurpose {
  const { template } = input;
  if (!template) return input.purpose ?? "service";
  if (registered?.status !== "APPROVED") {
    throw new ApiError(
      "TEMPLATE_NOT_APPROVED",
      registered
        ? `The template ${template.name} (${template.language}) is ${registered.status.toLowerCase()} at Meta: only approved templates can be sent.`
        : `No template ${template.name} (${template.language}) is in the registry: sync the templates from Meta, or check the name and language.`,
    );
  }
  if (template.variables.length !== registered.variableCount) {
    throw new ApiError("VALIDATION_FAILED", "The template's variables do not match it.", {
      errors: [
        {
          path: "template.variables",
          code: "variable_count",
          message: `${template.name} takes ${registered.variableCount} variable(s); ${template.variables.length} given.`,
        },
      ],
    });
  }
  const marketingTemplate = registered.category === "MARKETING";
  if (marketingTemplate && input.purpose && input.purpose !== "marketing") {
    throw new ApiError("VALIDATION_FAILED", "A marketing template is sent as marketing.", {
      errors: [
        {
          path: "purpose",
          code: "template_is_marketing",
          message: `${template.name} is a MARKETING template: its purpose is marketing, which needs the contact's consent.`,
        },
      ],
    });
  }
  const purpose = input.purpose ?? (marketingTemplate ? "marketing" : "service");
  if (purpose === "marketing" && !templateOffersOptOut(registered)) {
    throw new ApiError(
      "TEMPLATE_LACKS_OPT_OUT",
      `${template.name} has no opt-out line (a footer or button such as "Reply STOP" or «إيقاف»): marketing cannot be sent with it. Add one at Meta and sync again.`,
    );
  }
  return purpose;
}

/**
 * Stores a message for a contact the caller may see and queues it for sending (202). Free text and
 * media need the 24-hour window open; outside it only an approved template may go (Meta refuses the
 * rest with 131047). The send itself, its retries and its statuses happen in the outbound consumer.
 */
export async function sendMessage(ctx: TenantContext, request: SendMessageInput) {
  const { scope, now } = ctx;
  const { template } = request;
  // The registry's copy of the template rides in the same read batch: no round trip of its own.
  const [contactRows, conversationRows, accountRows, [facts], [settings], templateRows] = await scope.read(
    () =>
      [
        contactById(scope, request.contactId, visibleRecords(ctx, contacts.ownerId)),
        conversationOfContact(scope, request.contactId),
        accountOfTenant(scope),
        gateFacts(scope, request.contactId, now),
        messagingSettingsOf(scope),
        ...(template ? [templateNamed(scope, template.name, template.language)] : []),
      ] as const,
  );
  const contact = contactRows[0];
  if (!contact || contact.mergedIntoId) throw new ApiError("NOT_FOUND", "No such contact.");
  if (!contact.phone) {
    throw new ApiError("VALIDATION_FAILED", "The contact has no phone number.", {
      errors: [{ path: "contactId", code: "no_phone", message: "Add a mobile number to the contact first." }],
    });
  }
  // Without a connected number, development sends through the dev outbox; production cannot send.
  if (accountRows.length === 0 && !devToolsEnabled(ctx.config)) {
    throw new ApiError("WHATSAPP_NOT_CONNECTED", "Connect a WhatsApp number in the settings first.");
  }
  const input = { ...request, purpose: checkTemplate(request, templateRows?.[0]) };
  if (!input.template && !windowOpen(conversationRows[0]?.lastInboundAt ?? null, now)) {
    throw new ApiError(
      "TEMPLATE_REQUIRED",
      "The contact has not written in the last 24 hours: only an approved template can be sent.",
    );
  }

  const { state, reason } = gateDecision(input, facts, approvalPolicy(settings));
  const id = newId(idPrefixes.message);
  const body =
    input.text && input.purpose === "marketing" ? `${input.text}${OPT_OUT_FOOTER}` : (input.text ?? null);
  const preview = previewOf(input);
  // A blocked message is never sent, so it does not count against the plan's monthly messages.
  const metered = state === "blocked" ? [] : [meter(scope, "whatsapp_messages", 1, now)];
  const written = await withinPlan(ctx, "whatsapp_messages", () =>
    scope.write([
      ensureConversation(scope, newId(idPrefixes.conversation), contact.id, now),
      insertOutboundMessage(scope, {
        id,
        contactId: contact.id,
        direction: "outbound",
        kind: input.template ? "template" : input.media ? "media" : "text",
        purpose: input.purpose,
        aiDrafted: input.aiDrafted,
        body,
        template: input.template ?? null,
        media: input.media ?? null,
        state,
        stateReason: reason,
        sentBy: ctx.actor.id,
        createdAt: now,
        updatedAt: now,
      }),
      touchConversation(scope, contact.id, now, preview),
      // A monthly counter: its place in the batch does not matter, the batch is refused as one.
      ...metered,
    ]),
  );
  const [row] = written[1];
  if (!row) throw new Error("sendMessage: the message was not stored");
  // The message is stored, so the answer need not wait for the queue: an enqueue that fails leaves
  // it queued, and the 5-minute sweep sends it (requeueStrandedSends, workers/cron); the failure
  // is reported.
  if (state === "queued") {
    ctx.waitUntil(
      ctx.env.OUTBOUND_QUEUE.send({ tenantId: scope.tenantId, messageId: id } satisfies OutboundJob),
    );
  }
  return messageView(row);
}

/** The tenant's threads the caller may see, most recent first. */
export async function listConversationsFor(
  ctx: TenantContext,
  query: { cursor?: string | undefined; limit: number; unread?: "true" | "false" | undefined },
) {
  const after = query.cursor ? decodeCursor(query.cursor, "number") : null;
  const [rows] = await ctx.scope.read(
    () =>
      [
        listConversations(
          ctx.scope,
          visibleRecords(ctx, contacts.ownerId),
          { unreadOnly: query.unread === "true" },
          after,
          query.limit,
        ),
      ] as const,
  );
  const page = toPage(rows as ConversationListRow[], query.limit, (row) => ({
    sort: row.lastMessageAt,
    id: row.id,
  }));
  return { data: page.data.map((row) => conversationView(row, ctx.now)), nextCursor: page.nextCursor };
}

/** A thread and a page of its messages (newest first), in one read. */
export async function conversationWithMessages(
  ctx: TenantContext,
  id: string,
  cursor: string | undefined,
  limit: number,
) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [conversationRows, messageRows] = await ctx.scope.read(
    () =>
      [
        conversationById(ctx.scope, id, visibleRecords(ctx, contacts.ownerId)),
        messagesOf(ctx.scope, id, after, limit),
      ] as const,
  );
  const conversation = conversationRows[0] as ConversationListRow | undefined;
  if (!conversation) throw new ApiError("NOT_FOUND", "No such conversation.");
  const page = toPage(messageRows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return {
    conversation: conversationView(conversation, ctx.now),
    messages: { data: page.data.map(messageView), nextCursor: page.nextCursor },
  };
}

/** Marks a thread read (its unread count back to 0). */
export async function markRead(ctx: TenantContext, id: string) {
  const [rows] = await ctx.scope.read(
    () => [conversationById(ctx.scope, id, visibleRecords(ctx, contacts.ownerId))] as const,
  );
  if (!rows[0]) throw new ApiError("NOT_FOUND", "No such conversation.");
  // Reading stays possible on a read-only (suspended) account, and reading marks a thread read.
  await ctx.scope.write([markConversationRead(ctx.scope, id)], { evenWhenReadOnly: true });
}
