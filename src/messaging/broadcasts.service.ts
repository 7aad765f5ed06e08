import { auditInsert } from "../audit/audit.service";
import { meter, withinPlan } from "../billing/usage";
import { contacts } from "../contacts/contacts.schema";
import { visibleRecords } from "../crm/visibility";
import { devToolsEnabled } from "../env";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { log } from "../platform/logger";
import { ApiError } from "../platform/problem";
import { messagingSettingsOf } from "./approvals.repo";
import type { BroadcastInput } from "./messaging.model";
import {
  broadcastTargets,
  ensureConversations,
  insertBroadcastMessages,
  touchConversations,
} from "./messaging.repo";
import { approvalPolicy, gateDecision, type OutboundJob, previewOf } from "./messaging.service";
import { accountOfTenant } from "./whatsapp-accounts.repo";

/** Cloudflare Queues takes at most 100 messages per sendBatch. */
const QUEUE_BATCH_MAX = 100;

/**
 * Sends one approved template to many contacts: one message each, every one through the consent
 * gate (a marketing message to a contact without consent is stored `blocked`), and all of them held
 * for a manager when the broadcast is larger than the tenant's `approveBroadcastOver`. Any contact
 * that does not exist for the caller, or has no phone, refuses the whole broadcast with nothing
 * written. One read, one write batch (threads, messages, thread previews, one audit event), then
 * the queued messages are enqueued 100 at a time.
 */
export async function sendBroadcast(ctx: TenantContext, input: BroadcastInput) {
  const { scope, now } = ctx;
  const [targets, accountRows, [settings]] = await scope.read(
    () =>
      [
        broadcastTargets(scope, input.contactIds, visibleRecords(ctx, contacts.ownerId), now),
        accountOfTenant(scope),
        messagingSettingsOf(scope),
      ] as const,
  );
  const byId = new Map(targets.filter((target) => !target.mergedIntoId).map((target) => [target.id, target]));
  const problems = input.contactIds.flatMap((id, index) => {
    const target = byId.get(id);
    if (!target) return [{ path: `contactIds.${index}`, code: "not_found", message: `No contact ${id}.` }];
    if (!target.phone) {
      return [
        { path: `contactIds.${index}`, code: "no_phone", message: `Contact ${id} has no phone number.` },
      ];
    }
    return [];
  });
  if (problems.length > 0) {
    throw new ApiError(
      "VALIDATION_FAILED",
      `${problems.length} of the ${input.contactIds.length} contacts cannot be messaged: nothing was sent.`,
      { errors: problems },
    );
  }
  if (accountRows.length === 0 && !devToolsEnabled(ctx.config)) {
    throw new ApiError("WHATSAPP_NOT_CONNECTED", "Connect a WhatsApp number in the settings first.");
  }

  const policy = approvalPolicy(settings);
  const rows = input.contactIds.map((contactId) => {
    const { state, reason } = gateDecision(
      { purpose: input.purpose, aiDrafted: false },
      byId.get(contactId),
      policy,
      input.contactIds.length,
    );
    return { id: newId(idPrefixes.message), contactId, state, stateReason: reason };
  });
  const count = (state: string) => rows.filter((row) => row.state === state).length;
  const summary = {
    broadcastId: newId(idPrefixes.broadcast),
    total: rows.length,
    queued: count("queued"),
    blocked: count("blocked"),
    pendingApproval: count("pending_approval"),
  };
  const preview = previewOf({ template: input.template });
  // Every message that may be sent counts against the month's plan: the whole broadcast, or none of it.
  const metered = summary.total - summary.blocked;
  await withinPlan(ctx, "whatsapp_messages", () =>
    scope.write([
      ensureConversations(
        scope,
        input.contactIds.map((contactId) => ({ id: newId(idPrefixes.conversation), contactId })),
        now,
      ),
      insertBroadcastMessages(
        scope,
        {
          id: summary.broadcastId,
          purpose: input.purpose,
          template: input.template,
          sentBy: ctx.actor.id,
          now,
        },
        rows,
      ),
      touchConversations(scope, input.contactIds, now, preview),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "message.broadcast",
          target: { type: "broadcast", id: summary.broadcastId },
          details: {
            template: input.template.name,
            purpose: input.purpose,
            total: summary.total,
            queued: summary.queued,
            blocked: summary.blocked,
            pendingApproval: summary.pendingApproval,
          },
        },
        ctx.origin,
        now,
      ),
      ...(metered > 0 ? [meter(scope, "whatsapp_messages", metered, now)] : []),
    ]),
  );

  const jobs = rows
    .filter((row) => row.state === "queued")
    .map((row) => ({ body: { tenantId: scope.tenantId, messageId: row.id } satisfies OutboundJob }));
  try {
    for (let i = 0; i < jobs.length; i += QUEUE_BATCH_MAX) {
      await ctx.env.OUTBOUND_QUEUE.sendBatch(jobs.slice(i, i + QUEUE_BATCH_MAX));
    }
  } catch (error) {
    // The messages are stored queued and the stranded-sends sweep enqueues them (after 15 minutes):
    // failing the request now would invite the caller to broadcast a second time.
    log("error", "broadcast enqueue failed", {
      tenantId: scope.tenantId,
      broadcastId: summary.broadcastId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return summary;
}
