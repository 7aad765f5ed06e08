import { activeKeysCreatedBy, revokeKeyUnlessCreatorHolds } from "../api-keys/api-keys.repo";
import { auditInsertIfChanged } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import { type Role, rolesAllowingScopes, type Scope } from "../platform/roles";
import {
  deleteMembership,
  listMembers,
  membershipOf,
  revokeSessionsOfFormerMember,
  updateMemberRole,
} from "./members.repo";

const iso = (ms: number) => new Date(ms).toISOString();

/** A page of the tenant's members, in the order they joined. */
export async function members(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(() => [listMembers(ctx.scope, after, limit)] as const);
  const page = toPage(rows, limit, (m) => ({ sort: m.joinedAt, id: m.userId }));
  return { data: page.data.map((m) => ({ ...m, joinedAt: iso(m.joinedAt) })), nextCursor: page.nextCursor };
}

/** The member and the API keys they created that still work, in one read with the session check. */
async function requireMember(ctx: TenantContext, userId: string) {
  const { scope } = ctx;
  const [[membership], keys] = await scope.read(
    () => [membershipOf(scope, userId), activeKeysCreatedBy(scope, userId)] as const,
  );
  if (!membership) throw new ApiError("NOT_FOUND", "No such member.");
  return { membership, keys };
}

/**
 * Revokes, with an audit row each, the member's keys that their new role (null once removed) may
 * not back: a key never does more than its creator may. Each revocation re-checks the creator's
 * membership as the batch leaves it, so a change refused by its guard revokes nothing.
 */
function revokeKeysBeyondRole(
  ctx: TenantContext,
  userId: string,
  keys: { id: string; scopes: string[] }[],
  newRole: Role | null,
  reason: "creator_removed" | "creator_role_changed",
) {
  const { scope, now } = ctx;
  return keys.flatMap((key) => {
    const keepingRoles = rolesAllowingScopes(key.scopes as Scope[]);
    if (newRole !== null && keepingRoles.includes(newRole)) return [];
    return [
      revokeKeyUnlessCreatorHolds(scope, { id: key.id, createdBy: userId }, keepingRoles, now),
      auditInsertIfChanged(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "api_key.revoked",
          target: { type: "api_key", id: key.id },
          details: { reason, creator: userId },
        },
        ctx.origin,
        now,
      ),
    ];
  });
}

/**
 * Owners change roles; the last owner cannot be demoted, so a tenant always has an owner. API keys
 * the member created that the new role may not back are revoked in the same batch.
 */
export async function changeRole(ctx: TenantContext, userId: string, role: Role) {
  const { scope, now } = ctx;
  const { membership, keys } = await requireMember(ctx, userId);
  if (membership.role === role) return;
  const [changed] = await scope.write([
    updateMemberRole(scope, userId, role),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "member.role_changed",
        target: { type: "user", id: userId },
        details: { from: membership.role, to: role },
      },
      ctx.origin,
      now,
    ),
    ...revokeKeysBeyondRole(ctx, userId, keys, role, "creator_role_changed"),
  ]);
  if (changed.length === 0) {
    throw new ApiError("CONFLICT", "The last owner cannot be demoted; make someone else owner first.");
  }
}

/**
 * Removes a member and, at once, ends their sessions in this tenant and revokes the API keys they
 * created; never the last owner.
 */
export async function removeMember(ctx: TenantContext, userId: string) {
  const { scope, now } = ctx;
  const { membership, keys } = await requireMember(ctx, userId);
  const [removed] = await scope.write([
    deleteMembership(scope, userId),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "member.removed",
        target: { type: "user", id: userId },
        details: { role: membership.role },
      },
      ctx.origin,
      now,
    ),
    revokeSessionsOfFormerMember(scope, userId, now),
    ...revokeKeysBeyondRole(ctx, userId, keys, null, "creator_removed"),
  ]);
  if (removed.length === 0) throw new ApiError("CONFLICT", "The last owner cannot be removed.");
}
