import { and, desc, eq, gt, isNull, ne, or, sql } from "drizzle-orm";
import { users } from "../auth/auth.schema";
import type { Db } from "../db/client";
import type { TenantScope } from "../platform/tenant-scope";
import { invitations, memberships, type Role } from "../tenants/tenants.schema";

export const listMembers = (scope: TenantScope) =>
  scope.db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      phone: users.phone,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(scope.where(memberships.tenantId))
    .orderBy(memberships.createdAt)
    .all();

export const findMembership = (scope: TenantScope, userId: string) =>
  scope.db
    .select()
    .from(memberships)
    .where(scope.where(memberships.tenantId, eq(memberships.userId, userId)))
    .get();

/**
 * True when the member is not an owner, or another owner remains. Evaluated inside the UPDATE or
 * DELETE itself, so two owners demoting each other at the same moment cannot both succeed.
 */
const keepsAnOwner = (scope: TenantScope) =>
  or(
    ne(memberships.role, "owner"),
    sql`(SELECT COUNT(*) FROM memberships AS m WHERE m.tenant_id = ${scope.tenantId} AND m.role = 'owner') > 1`,
  );

/** Changes a role unless that would leave the tenant without an owner; returns rows changed. */
export async function updateMemberRole(scope: TenantScope, userId: string, role: Role): Promise<number> {
  const result = await scope.db
    .update(memberships)
    .set({ role })
    .where(
      scope.where(
        memberships.tenantId,
        eq(memberships.userId, userId),
        role === "owner" ? undefined : keepsAnOwner(scope),
      ),
    );
  return result.meta.changes;
}

/** Removes a membership unless it is the last owner's; returns rows removed. */
export async function deleteMembership(scope: TenantScope, userId: string): Promise<number> {
  const result = await scope.db
    .delete(memberships)
    .where(scope.where(memberships.tenantId, eq(memberships.userId, userId), keepsAnOwner(scope)));
  return result.meta.changes;
}

export const insertMembership = (scope: TenantScope, userId: string, role: Role, now: number) =>
  scope.db.insert(memberships).values({ tenantId: scope.tenantId, userId, role, createdAt: now });

export const insertInvitation = (
  scope: TenantScope,
  row: Omit<typeof invitations.$inferInsert, "tenantId">,
) => scope.db.insert(invitations).values({ ...row, tenantId: scope.tenantId });

export const listPendingInvitations = (scope: TenantScope, now: number) =>
  scope.db
    .select()
    .from(invitations)
    .where(
      scope.where(
        invitations.tenantId,
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
      ),
    )
    .orderBy(desc(invitations.createdAt))
    .all();

export const findInvitation = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(invitations)
    .where(scope.where(invitations.tenantId, eq(invitations.id, id)))
    .get();

export const revokeInvitation = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(invitations)
    .set({ revokedAt: now })
    .where(scope.where(invitations.tenantId, eq(invitations.id, id), isNull(invitations.revokedAt)));

/** Invitation links are looked up by their token's hash before any tenant is known. */
export const findInvitationByTokenHash = (db: Db, tokenHash: string) =>
  db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).get();

/** Marks an invitation accepted, only once; returns the query for the accepting batch. */
export const markInvitationAccepted = (db: Db, id: string, userId: string, now: number) =>
  db
    .update(invitations)
    .set({ acceptedAt: now, acceptedBy: userId })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
