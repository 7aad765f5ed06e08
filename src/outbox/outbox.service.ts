import type { Db } from "../db/client";
import { type Config, devToolsEnabled } from "../env";
import { idPrefixes, newId } from "../platform/ids";
import { log } from "../platform/logger";
import { insertOutboxMessage } from "./outbox.repo";

export interface OutboundMessage {
  channel: "whatsapp" | "email";
  recipient: string;
  subject?: string;
  body: string;
}

/**
 * Sends a WhatsApp message or an email. Until the messaging integration exists, messages in
 * development and test go to the dev outbox (shown at /dev/outbox). Anywhere else there is no
 * transport yet: the message is not sent, and the failure is logged and returned so the caller
 * can report it — never silently dropped.
 */
export async function deliver(
  db: Db,
  config: Config,
  message: OutboundMessage,
): Promise<{ delivered: boolean }> {
  if (!devToolsEnabled(config)) {
    log("error", "delivery_unavailable", { channel: message.channel });
    return { delivered: false };
  }
  await insertOutboxMessage(db, {
    id: newId(idPrefixes.outboxMessage),
    channel: message.channel,
    recipient: message.recipient,
    subject: message.subject ?? null,
    body: message.body,
    createdAt: Date.now(),
  });
  return { delivered: true };
}
