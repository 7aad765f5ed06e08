import { and, eq } from "drizzle-orm";
import { deadLetterOutboundJobs } from "../../workers/queues/outbound";
import { contacts } from "../contacts/contacts.schema";
import type { Db } from "../db/client";
import { ensureConversation, insertOutboundMessage, touchConversation } from "../messaging/messaging.repo";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { tenantScope } from "../platform/tenant-scope";

const DRILL_TEMPLATE = { name: "dealix_dlq_drill", language: "ar", variables: [] };

/**
 * Development only: a WhatsApp message to the contact left exactly as a send that used up its
 * retries is left. The message is stored as POST /messages stores it, but instead of going to the
 * `outbound` queue its job goes through the outbound-dlq consumer's own code (stored as a dead
 * letter, message marked dead_lettered), so an operator can drill the retry from the console
 * without waiting out nine deliveries and their backoff. A template, so no 24-hour window applies.
 */
export async function seedDeadOutboundMessage(db: Db, tenantId: string, contactId: string, now = Date.now()) {
  const scope = tenantScope(db, tenantId);
  const [contact] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, contactId)));
  if (!contact) throw new ApiError("NOT_FOUND", "No such contact in this tenant.");
  const id = newId(idPrefixes.message);
  await db.batch([
    ensureConversation(scope, newId(idPrefixes.conversation), contactId, now),
    insertOutboundMessage(scope, {
      id,
      contactId,
      direction: "outbound",
      kind: "template",
      body: null,
      template: DRILL_TEMPLATE,
      media: null,
      state: "queued",
      sentBy: null,
      createdAt: now,
      updatedAt: now,
    }),
    touchConversation(scope, contactId, now, `[${DRILL_TEMPLATE.name}]`),
  ]);
  await deadLetterOutboundJobs(db, [{ id: `dev-drill-${id}`, body: { tenantId, messageId: id } }], now);
  return { tenantId, messageId: id };
}
