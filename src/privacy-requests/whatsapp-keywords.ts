import type { InboundEvent } from "../integrations/whatsapp/webhook-payload";
import { insertOutboundMessage } from "../messaging/messaging.repo";
import type { OutboundJob } from "../messaging/messaging.service";
import { idPrefixes, newId } from "../platform/ids";
import type { TenantScope } from "../platform/tenant-scope";
import { contactOnRecord } from "./privacy-requests.repo";
import { openStatements } from "./privacy-requests.service";
import { verifiedRequestRow } from "./privacy-requests.verification";

/** Whole messages that open a request, compared trimmed, spaces collapsed and case-folded. */
const KEYWORDS: Record<string, "access" | "erasure"> = {
  بياناتي: "access",
  "my data": "access",
  "احذف بياناتي": "erasure",
  "delete my data": "erasure",
};

export const privacyKeyword = (body: string): "access" | "erasure" | null =>
  body.length <= 40 ? (KEYWORDS[body.trim().replace(/\s+/g, " ").toLowerCase()] ?? null) : null;

export const WHATSAPP_ACKNOWLEDGEMENT: Record<"access" | "erasure", string> = {
  access:
    "استلمنا طلبك للحصول على نسخة من بياناتك، وسنرد خلال ٣٠ يومًا. We received your request for a copy of your data and will answer within 30 days.",
  erasure:
    "استلمنا طلبك لحذف بياناتك، وسنرد خلال ٣٠ يومًا. We received your request to delete your data and will answer within 30 days.",
};

/**
 * Opens a request from a keyword the contact sent from their own number. The message came from
 * the number on record, which verifies the request; the reply (inside the window the message
 * opened) acknowledges it.
 */
export async function openFromWhatsApp(
  env: { OUTBOUND_QUEUE: Queue<OutboundJob> },
  scope: TenantScope,
  contactId: string,
  event: InboundEvent,
  type: "access" | "erasure",
  now: number,
) {
  const [[contact]] = await scope.db.batch([contactOnRecord(scope, contactId)]);
  const row = verifiedRequestRow(
    { type, requesterName: contact?.name ?? event.profileName ?? event.from, phone: event.from },
    "whatsapp",
    contactId,
    now,
  );
  const messageId = newId(idPrefixes.message);
  await scope.db.batch([
    ...openStatements({ scope, actor: { type: "system" }, origin: { requestId: null, ip: null }, now }, row),
    insertOutboundMessage(scope, {
      id: messageId,
      contactId,
      direction: "outbound",
      kind: "text",
      purpose: "transactional",
      body: WHATSAPP_ACKNOWLEDGEMENT[type],
      state: "queued",
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  await env.OUTBOUND_QUEUE.send({ tenantId: scope.tenantId, messageId });
  return row.id;
}
