import { and, desc, eq, getTableColumns, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import { subscriptions } from "../billing/subscriptions.schema";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { Role } from "../platform/roles";
import type { TenantScope } from "../platform/tenant-scope";
import { memberships, tenants } from "../tenants/tenants.schema";
import { apiKeys } from "./api-keys.schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const insertApiKey = (scope: TenantScope, row: Omit<typeof apiKeys.$inferInsert, "tenantId">) =>
  scope.db.insert(apiKeys).values({ ...row, tenantId: scope.tenantId });

/** Keys, newest first; `after` continues below the last row of the previous page. */
export const listApiKeys = (scope: TenantScope, after: CursorPosition | null, limit: number) =>
  scope.db
    .select()
    .from(apiKeys)
    .where(scope.where(apiKeys.tenantId, continuingAfter(apiKeys.createdAt, apiKeys.id, after, "desc")))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(limit + 1);

export const apiKeyById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(apiKeys)
    .where(scope.where(apiKeys.tenantId, eq(apiKeys.id, id)));

export const revokeApiKey = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(scope.where(apiKeys.tenantId, eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));

/** The keys a member created in this tenant that still work. */
export const activeKeysCreatedBy = (scope: TenantScope, userId: string) =>
  scope.db
    .select({ id: apiKeys.id, scopes: apiKeys.scopes })
    .from(apiKeys)
    .where(scope.where(apiKeys.tenantId, eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)));

/**
 * Revokes a key unless its creator still holds one of `keepingRoles` in the tenant. Decided from
 * the membership as it stands when the statement runs: after a role change or removal in the same
 * batch, and not at all when that change was refused by its own guard (the last owner).
 */
export const revokeKeyUnlessCreatorHolds = (
  scope: TenantScope,
  key: { id: string; createdBy: string },
  keepingRoles: Role[],
  now: number,
) =>
  scope.db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(
      scope.where(
        apiKeys.tenantId,
        eq(apiKeys.id, key.id),
        isNull(apiKeys.revokedAt),
        notExists(
          scope.db
            .select({ one: sql`1` })
            .from(memberships)
            .where(
              scope.where(
                memberships.tenantId,
                eq(memberships.userId, key.createdBy),
                keepingRoles.length > 0 ? inArray(memberships.role, keepingRoles) : sql`0`,
              ),
            ),
        ),
      ),
    );

/**
 * Credential lookup happens before any tenant is known: the key's hash is the only input. A key
 * of a suspended tenant stops working, as its users' sessions do. The tenant's plan comes with it,
 * for the key's API quotas.
 */
export const findActiveApiKeyByHash = (db: Db, keyHash: string) =>
  db
    .select({
      ...getTableColumns(apiKeys),
      // Aliased: D1 names result columns by their bare name.
      // A closing account (src/tenant-export/tenant-closure.ts) is read-only as a suspended one is.
      subscriptionStatus: sql<
        string | null
      >`CASE WHEN ${tenants.deleteAfter} IS NOT NULL THEN 'closing' ELSE ${subscriptions.status} END`.as(
        "subscription_status",
      ),
      plan: subscriptions.plan,
    })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .leftJoin(subscriptions, eq(subscriptions.tenantId, apiKeys.tenantId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), eq(tenants.status, "active")))
    .get();

export const LAST_USED_RESOLUTION_MS = 60_000;

/** Records use; the condition keeps concurrent requests from writing the same minute twice. */
export const touchApiKey = (db: Db, id: string, now: number) =>
  db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
      ),
    );
