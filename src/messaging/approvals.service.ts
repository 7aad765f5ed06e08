import { auditInsertIfChanged } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import {
  messagingSettingsOf,
  pendingApprovals,
  reviewMessage,
  upsertMessagingSettings,
} from "./approvals.repo";
import { type MessageRow, messageById } from "./messaging.repo";
import { type ApprovalPolicy, approvalPolicy, messageView, type OutboundJob } from "./messaging.service";

/** Messages waiting for a manager, with their contact, oldest first. */
export async function listApprovals(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(() => [pendingApprovals(ctx.scope, after, limit)] as const);
  const page = toPage(rows, limit, (row) => ({ sort: row.message.createdAt, id: row.message.id }));
  return {
    data: page.data.map((row) => ({
      ...messageView(row.message),
      contact: { id: row.message.contactId, name: row.contactName, phone: row.contactPhone },
    })),
    nextCursor: page.nextCursor,
  };
}

/**
 * A manager's decision on a held message: approval queues it for sending (the consumer still
 * checks consent and the 24-hour window), rejection blocks it for good. Audited; a message that
 * is not pending (decided already, or never held) is a 409, another tenant's a 404.
 */
export async function decideApproval(ctx: TenantContext, id: string, approved: boolean) {
  const { scope, now, actor } = ctx;
  const [decided, , [after]] = await scope.write([
    reviewMessage(scope, id, { approved, reviewerId: actor.id, at: now }),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor,
        action: approved ? "message.approved" : "message.rejected",
        target: { type: "message", id },
      },
      ctx.origin,
      now,
    ),
    messageById(scope, id),
  ]);
  const row = (decided as MessageRow[])[0];
  if (!row) {
    if (!after) throw new ApiError("NOT_FOUND", "No such message.");
    throw new ApiError("CONFLICT", `The message is ${after.state}, not waiting for approval.`);
  }
  if (approved)
    await ctx.env.OUTBOUND_QUEUE.send({ tenantId: scope.tenantId, messageId: id } satisfies OutboundJob);
  return messageView(row);
}

export async function approvalPolicyOf(ctx: TenantContext) {
  const [[row]] = await ctx.scope.read(() => [messagingSettingsOf(ctx.scope)] as const);
  return approvalPolicy(row);
}

export async function setApprovalPolicy(ctx: TenantContext, input: ApprovalPolicy) {
  const { scope, now, actor } = ctx;
  const [[row]] = await scope.write([
    upsertMessagingSettings(scope, { ...input, updatedAt: now }),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor,
        action: "messaging.approval_policy_changed",
        details: {
          approveFirstMessage: input.approveFirstMessage,
          approveAiDrafted: input.approveAiDrafted,
          approveBroadcastOver: input.approveBroadcastOver,
        },
      },
      ctx.origin,
      now,
    ),
  ]);
  if (!row) throw new Error("setApprovalPolicy: not stored");
  return approvalPolicy(row);
}
