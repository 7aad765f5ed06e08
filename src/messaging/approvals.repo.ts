import { eq, getTableColumns } from "drizzle-orm";
import { contacts } from "../contacts/contacts.schema";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { messages, messagingSettings } from "./messaging.schema";

/** Messages held for a manager, oldest first (the longest waiting is reviewed first). */
export const pendingApprovals = (scope: TenantScope, after: CursorPosition | null, limit: number) =>
  scope.db
    .select({ message: getTableColumns(messages), contactName: contacts.name, contactPhone: contacts.phone })
    .from(messages)
    .innerJoin(contacts, eq(contacts.id, messages.contactId))
    .where(
      scope.where(
        messages.tenantId,
        eq(messages.state, "pending_approval"),
        continuingAfter(messages.createdAt, messages.id, after, "asc"),
      ),
    )
    .orderBy(messages.createdAt, messages.id)
    .limit(limit + 1);

/**
 * Approves (→ queued) or rejects (→ blocked, `rejected`) a held message, once: a second decision,
 * or one racing another, finds it no longer pending and changes nothing.
 */
export const reviewMessage = (
  scope: TenantScope,
  id: string,
  decision: { approved: boolean; reviewerId: string; at: number },
) =>
  scope.db
    .update(messages)
    .set({
      state: decision.approved ? "queued" : "blocked",
      stateReason: decision.approved ? null : "rejected",
      reviewedBy: decision.reviewerId,
      reviewedAt: decision.at,
      updatedAt: decision.at,
    })
    .where(scope.where(messages.tenantId, eq(messages.id, id), eq(messages.state, "pending_approval")))
    .returning();

export const upsertMessagingSettings = (
  scope: TenantScope,
  row: {
    approveFirstMessage: boolean;
    approveAiDrafted: boolean;
    approveBroadcastOver: number | null;
    updatedAt: number;
  },
) =>
  scope.db
    .insert(messagingSettings)
    .values({ ...row, tenantId: scope.tenantId })
    .onConflictDoUpdate({ target: messagingSettings.tenantId, set: row })
    .returning();

export const messagingSettingsOf = (scope: TenantScope) =>
  scope.db.select().from(messagingSettings).where(scope.where(messagingSettings.tenantId)).limit(1);
