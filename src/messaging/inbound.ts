import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { insertContact, insertPhones, takeRoundRobinTurn } from "../contacts/contacts.repo";
import { settingsRow } from "../crm/crm-settings.repo";
import { dbFor } from "../db/client";
import {
  eventsOf,
  type InboundEvent,
  type StatusEvent,
  webhookPayloadSchema,
} from "../integrations/whatsapp/webhook-payload";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId } from "../platform/ids";
import { type TenantScope, tenantScope } from "../platform/tenant-scope";
import { nameKey, normaliseText } from "../platform/text-normalise";
import { openFromWhatsApp, privacyKeyword } from "../privacy-requests/whatsapp-keywords";
import { withdrawIfNotWithdrawn } from "./consents.repo";
import {
  applyStatus,
  contactIdByPhone,
  countInboundIfInserted,
  ensureConversation,
  insertInboundMessage,
  insertOutboundMessage,
} from "./messaging.repo";
import type { OutboundJob } from "./messaging.service";

/** A verified provider webhook, queued by the webhook route for the `webhooks` consumer. */
export interface WebhookJob {
  provider: "whatsapp";
  accountId: string;
  tenantId: string;
  phoneNumberId: string;
  receivedAt: number;
  payload: unknown;
}

/** After this many deliveries a status that matches no message is dropped (sent by another tool). */
export const UNMATCHED_STATUS_ATTEMPTS = 3;

/** Statuses that matched no message yet: the job is retried, since the send's answer may still be on its way. */
export class UnmatchedStatusError extends Error {
  constructor(readonly count: number) {
    super(`${count} status update(s) matched no message yet`);
    this.name = "UnmatchedStatusError";
  }
}

/**
 * Whole messages that withdraw marketing consent (WhatsApp opt-out policy). Compared after folding
 * case, Arabic letter forms and punctuation, and only as the whole message, so "stop by tomorrow"
 * is not an opt-out.
 */
const OPT_OUT_WORDS = new Set(
  [
    "stop",
    "stop all",
    "unsubscribe",
    "opt out",
    "إيقاف",
    "ايقاف",
    "توقف",
    "الغاء",
    "إلغاء",
    "الغاء الاشتراك",
    "إلغاء الاشتراك",
  ].map((word) => foldOptOut(word)),
);

function foldOptOut(text: string) {
  return normaliseText(text)
    .replace(/[^\p{L}\p{N} ]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export const isOptOut = (body: string) => body.length <= 40 && OPT_OUT_WORDS.has(foldOptOut(body));

/**
 * Whether a template's footer or button tells the reader how to stop marketing: it names an
 * opt-out word as whole words ("Reply STOP", «إيقاف», "Stop promotions").
 */
export function offersOptOut(text: string) {
  const folded = ` ${foldOptOut(text)} `;
  for (const word of OPT_OUT_WORDS) if (folded.includes(` ${word} `)) return true;
  return false;
}

/** The one confirmation an opt-out gets (a transactional reply inside the window the word opened). */
export const OPT_OUT_CONFIRMATION =
  "تم إيقاف الرسائل التسويقية، ولن تصلك عروض منا عبر واتساب. You will no longer receive marketing messages from us on WhatsApp.";

/**
 * Withdraws the contact's WhatsApp marketing consent, with the message as evidence, and sends one
 * confirmation. Nothing happens when it is already withdrawn (the word sent twice).
 */
async function optOut(
  env: { OUTBOUND_QUEUE: Queue<OutboundJob> },
  scope: TenantScope,
  contactId: string,
  event: InboundEvent,
  now: number,
) {
  const messageId = newId(idPrefixes.message);
  const [withdrawn] = await scope.db.batch([
    withdrawIfNotWithdrawn(scope, {
      id: newId(idPrefixes.consent),
      contactId,
      channel: "whatsapp",
      purpose: "marketing",
      source: "opt_out_keyword",
      evidenceText: event.body,
      occurredAt: event.at,
      recordedBy: null,
      createdAt: now,
    }),
  ]);
  if (withdrawn.length === 0) return;
  await scope.db.batch([
    insertOutboundMessage(scope, {
      id: messageId,
      contactId,
      direction: "outbound",
      kind: "text",
      purpose: "transactional",
      body: OPT_OUT_CONFIRMATION,
      state: "queued",
      createdAt: now,
      updatedAt: now,
    }),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: { type: "system" },
        action: "consent.withdrawn",
        target: { type: "contact", id: contactId },
        details: { channel: "whatsapp", purpose: "marketing", source: "opt_out_keyword" },
      },
      { requestId: null, ip: null },
      now,
    ),
  ]);
  await env.OUTBOUND_QUEUE.send({ tenantId: scope.tenantId, messageId });
}

const ORDER: Record<StatusEvent["status"], number> = { sent: 1, failed: 2, delivered: 3, read: 4 };

// A contact made from an inbound message gets an id derived from its tenant and phone, so two
// deliveries racing (Meta retries, two consumers) cannot create two: the second one's batch fails
// on the id, rolls back whole, and its retry finds the contact by phone.
async function leadIdFor(tenantId: string, phone: string) {
  const hex = await sha256Hex(`whatsapp-lead:${tenantId}:${phone}`);
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  let id = "";
  for (let i = 0; i < 20; i++) id += alphabet[Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) & 31];
  return `${idPrefixes.contact}_${id}`;
}

/**
 * One inbound message: joins the thread of the contact with that phone, or makes a lead (source
 * WhatsApp, assigned by the tenant's rule). Stored once per wamid: a replayed webhook changes nothing.
 */
async function receive(scope: TenantScope, event: InboundEvent, now: number) {
  const [[existing], [settings]] = await scope.db.batch([
    contactIdByPhone(scope, event.from),
    settingsRow(scope),
  ]);
  const contactId = existing?.id ?? (await leadIdFor(scope.tenantId, event.from));
  const name = event.profileName?.trim() || event.from;
  const thread = [
    ensureConversation(scope, newId(idPrefixes.conversation), contactId, now),
    insertInboundMessage(scope, {
      id: newId(idPrefixes.message),
      contactId,
      providerMessageId: event.providerMessageId,
      body: event.body,
      at: event.at,
      now,
    }),
    countInboundIfInserted(scope, contactId, event.at, event.body.slice(0, 120)),
  ] as const;
  if (existing) {
    const [, inserted] = await scope.db.batch(thread);
    return { contactId, stored: inserted.length > 0 };
  }
  const written = await scope.db.batch([
    takeRoundRobinTurn(scope, now),
    insertContact(
      scope,
      {
        id: contactId,
        name,
        nameNorm: normaliseText(name),
        nameKey: nameKey(name),
        phone: event.from,
        email: null,
        source: "whatsapp",
        status: "new",
        companyId: null,
        notes: null,
        custom: {},
        createdBy: null,
        createdAt: now,
        updatedAt: now,
        version: 1,
      },
      // The round-robin owner query needs the tenant's settings row: only a round-robin tenant has one.
      settings?.assignment === "round_robin"
        ? { roundRobin: true, fallbackOwnerId: null }
        : { ownerId: null },
    ),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: { type: "system" },
        action: "contact.created",
        target: { type: "contact", id: contactId },
        details: { source: "whatsapp", assignment: "tenant_rule" },
      },
      { requestId: null, ip: null },
      now,
    ),
    insertPhones(scope, contactId, [event.from]),
    ...thread,
  ]);
  // The message insert is the thread's second statement, second to last in the batch.
  return { contactId, stored: (written.at(-2) as { id: string }[]).length > 0 };
}

/**
 * Applies a verified webhook: inbound messages first (in Meta's order), then statuses in status
 * order, so a `read` that arrives with its `delivered` ends as read. Events for another number than
 * the account's are ignored. Throws UnmatchedStatusError while a status names a message Dealix has
 * not recorded yet (and `attempts` is below UNMATCHED_STATUS_ATTEMPTS).
 */
export async function processWhatsAppWebhook(
  env: { DB: D1Database; OUTBOUND_QUEUE: Queue<OutboundJob> },
  job: WebhookJob,
  attempts = 1,
) {
  const parsed = webhookPayloadSchema.safeParse(job.payload);
  if (!parsed.success) return { outcome: "malformed" as const, messages: 0, statuses: 0, unmatched: 0 };
  const events = eventsOf(parsed.data).filter((event) => event.phoneNumberId === job.phoneNumberId);
  const scope = tenantScope(dbFor(env.DB), job.tenantId);
  const now = Date.now();
  const inbound = events.filter((event): event is InboundEvent => event.kind === "message");
  for (const event of inbound) {
    const { contactId, stored } = await receive(scope, event, now);
    // Only a message stored now (not a replay) can opt out or open a privacy request, so a
    // redelivery confirms nothing twice.
    if (!stored) continue;
    if (isOptOut(event.body)) await optOut(env, scope, contactId, event, now);
    const privacyRequest = privacyKeyword(event.body);
    if (privacyRequest) {
      await openFromWhatsApp(env, scope, contactId, event, privacyRequest, now);
    }
  }

  const statuses = events
    .filter((event): event is StatusEvent => event.kind === "status")
    .sort((a, b) => a.at - b.at || ORDER[a.status] - ORDER[b.status]);
  let unmatched = 0;
  for (const status of statuses) {
    const [rows] = await scope.db.batch([applyStatus(scope, status, now)]);
    if (rows.length === 0) unmatched++;
  }
  if (unmatched > 0 && attempts < UNMATCHED_STATUS_ATTEMPTS) throw new UnmatchedStatusError(unmatched);
  return { outcome: "applied" as const, messages: inbound.length, statuses: statuses.length, unmatched };
}
