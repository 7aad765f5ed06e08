import { eq, inArray, sql } from "drizzle-orm";
import type { TenantScope } from "../platform/tenant-scope";
import { memberships } from "../tenants/tenants.schema";
import { assignmentAgents, crmSettings } from "./crm.schema";

export const settingsRow = (scope: TenantScope) =>
  scope.db.select().from(crmSettings).where(eq(crmSettings.tenantId, scope.tenantId));

/** The round-robin agents who are still members, in turn order. */
export const roundRobinAgents = (scope: TenantScope) =>
  scope.db
    .select({ userId: assignmentAgents.userId })
    .from(assignmentAgents)
    .innerJoin(
      memberships,
      sql`${memberships.tenantId} = ${assignmentAgents.tenantId} AND ${memberships.userId} = ${assignmentAgents.userId}`,
    )
    .where(scope.where(assignmentAgents.tenantId))
    .orderBy(assignmentAgents.createdAt, assignmentAgents.userId);

export const membersAmong = (scope: TenantScope, userIds: string[]) =>
  scope.db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(
      scope.where(memberships.tenantId, inArray(memberships.userId, userIds.length > 0 ? userIds : [""])),
    );

export const upsertSettings = (
  scope: TenantScope,
  values: { visibility?: "own" | "all"; assignment?: "manual" | "round_robin" },
  now: number,
) =>
  scope.db
    .insert(crmSettings)
    .values({ tenantId: scope.tenantId, ...values, updatedAt: now })
    .onConflictDoUpdate({ target: crmSettings.tenantId, set: { ...values, updatedAt: now } });

export const clearAgents = (scope: TenantScope) =>
  scope.db.delete(assignmentAgents).where(scope.where(assignmentAgents.tenantId));

/** Agents in the order given: created_at carries the order (turns go by it, then by id). */
export const insertAgents = (scope: TenantScope, userIds: string[], now: number) =>
  scope.db
    .insert(assignmentAgents)
    .values(userIds.map((userId, index) => ({ tenantId: scope.tenantId, userId, createdAt: now + index })));
