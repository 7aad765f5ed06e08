import { and, desc, eq, getTableColumns, gt, isNotNull, isNull, ne, notExists, or, sql } from "drizzle-orm";
import { refreshFamilies, users } from "../auth/auth.schema";
import { subscriptions } from "../billing/subscriptions.schema";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { Role } from "../platform/roles";
import type { TenantScope } from "../platform/tenant-scope";
import { invitations, memberships } from "../tenants/tenants.schema";

/** Members in the order they joined; `after` continues after the last row of the previous page. */
export const listMembers = (scope: TenantScope, after: CursorPosition | null, limit: number) =>
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
    .where(
      scope.where(
        memberships.tenantId,
        continuingAfter(memberships.createdAt, memberships.userId, after, "asc"),
      ),
    )
    .orderBy(memberships.createdAt, memberships.userId)
    .limit(limit + 1);

export const membershipOf = (scope: TenantScope, userId: string) =>
  scope.db
    .select()
    .from(memberships)
    .where(scope.where(memberships.tenantId, eq(memberships.userId, userId)));

/**
 * True when the member is not an owner, or another owner remains. Evaluated inside the UPDATE or
 * DELETE itself, so two owners demoting each other at the same moment cannot both succeed.
 */
const keepsAnOwner = (scope: TenantScope) =>
  or(
    ne(memberships.role, "owner"),
    sql`(SELECT COUNT(*) FROM memberships AS m WHERE m.tenant_id = ${scope.tenantId} AND m.role = 'owner') > 1`,
  );

/** Changes a role unless that would leave the tenant without an owner; returns the changed row. */
export const updateMemberRole = (scope: TenantScope, userId: string, role: Role) =>
  scope.db
    .update(memberships)
    .set({ role })
    .where(
      scope.where(
        memberships.tenantId,
        eq(memberships.userId, userId),
        role === "owner" ? undefined : keepsAnOwner(scope),
      ),
    )
    .returning({ userId: memberships.userId });

/** Removes a membership unless it is the last owner's; returns the removed row. */
export const deleteMembership = (scope: TenantScope, userId: string) =>
  scope.db
    .delete(memberships)
    .where(scope.where(memberships.tenantId, eq(memberships.userId, userId), keepsAnOwner(scope)))
    .returning({ userId: memberships.userId });

/**
 * Ends the user's sessions in this tenant once they are no longer a member: in the same batch as
 * `deleteMembership`, a removal refused by its guard leaves the sessions alone.
 */
export const revokeSessionsOfFormerMember = (scope: TenantScope, userId: string, now: number) =>
  scope.db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: "member_removed" })
    .where(
      and(
        eq(refreshFamilies.userId, userId),
        eq(refreshFamilies.tenantId, scope.tenantId),
        isNull(refreshFamilies.revokedAt),
        notExists(
          scope.db
            .select({ one: sql`1` })
            .from(memberships)
            .where(scope.where(memberships.tenantId, eq(memberships.userId, userId))),
        ),
      ),
    );

export const insertMembership = (scope: TenantScope, userId: string, role: Role, now: number) =>
  scope.db.insert(memberships).values({ tenantId: scope.tenantId, userId, role, createdAt: now });

/** Whether someone who verified this email or phone already belongs to the tenant. */
export const memberWithIdentifier = (scope: TenantScope, identifier: { email?: string; phone?: string }) =>
  scope.db
    .select({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      scope.where(
        memberships.tenantId,
        identifier.email
          ? and(eq(users.email, identifier.email), isNotNull(users.emailVerifiedAt))
          : and(eq(users.phone, identifier.phone ?? ""), isNotNull(users.phoneVerifiedAt)),
      ),
    )
    .limit(1);

export const insertInvitation = (
  scope: TenantScope,
  row: Omit<typeof invitations.$inferInsert, "tenantId">,
) => scope.db.insert(invitations).values({ ...row, tenantId: scope.tenantId });

/** Pending invitations, newest first; `after` continues below the last row of the previous page. */
export const listPendingInvitations = (
  scope: TenantScope,
  now: number,
  after: CursorPosition | null,
  limit: number,
) =>
  scope.db
    .select()
    .from(invitations)
    .where(
      scope.where(
        invitations.tenantId,
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
        continuingAfter(invitations.createdAt, invitations.id, after, "desc"),
      ),
    )
    .orderBy(desc(invitations.createdAt), desc(invitations.id))
    .limit(limit + 1);

export const invitationById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(invitations)
    .where(scope.where(invitations.tenantId, eq(invitations.id, id)));

export const revokeInvitation = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(invitations)
    .set({ revokedAt: now })
    .where(
      scope.where(
        invitations.tenantId,
        eq(invitations.id, id),
        isNull(invitations.revokedAt),
        isNull(invitations.acceptedAt),
      ),
    );

/**
 * Invitation links are looked up by their token's hash before any tenant is known; with the
 * tenant's plan, which accepting puts in the new member's access token.
 */
export const findInvitationByTokenHash = (db: Db, tokenHash: string) =>
  db
    .select({ ...getTableColumns(invitations), plan: subscriptions.plan })
    .from(invitations)
    .leftJoin(subscriptions, eq(subscriptions.tenantId, invitations.tenantId))
    .where(eq(invitations.tokenHash, tokenHash))
    .get();

/** Marks an invitation accepted, only once; returns the query for the accepting batch. */
export const markInvitationAccepted = (db: Db, id: string, userId: string, now: number) =>
  db
    .update(invitations)
    .set({ acceptedAt: now, acceptedBy: userId })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));

/** Undoes a claim whose accepting batch failed, so the link can be used again. */
export const unmarkInvitationAccepted = (db: Db, id: string) =>
  db.update(invitations).set({ acceptedAt: null, acceptedBy: null }).where(eq(invitations.id, id));
