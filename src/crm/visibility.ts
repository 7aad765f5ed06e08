import { eq, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { TenantContext } from "../platform/context";
import type { FieldError } from "../platform/problem";
import { hasRole } from "../platform/roles";
import { crmSettings } from "./crm.schema";

/**
 * The condition that limits a query to the records the caller may see and edit: agents see what
 * they own unless the tenant's visibility setting is "all"; managers, owners and API keys see
 * everything. The setting is read inside the same statement (no extra round trip). Call it inside
 * `scope.read(() => …)`, so a role change found by the session check rebuilds it for the new role.
 */
export function visibleRecords(ctx: TenantContext, ownerColumn: SQLiteColumn): SQL | undefined {
  const { principal } = ctx;
  if (principal.kind !== "user" || hasRole(principal.role, "manager")) return undefined;
  return or(
    eq(ownerColumn, principal.userId),
    sql`(SELECT ${crmSettings.visibility} FROM ${crmSettings} WHERE ${crmSettings.tenantId} = ${ctx.scope.tenantId}) = 'all'`,
  );
}

/** True when the caller sees every record regardless of owner (no per-row check needed). */
export const seesEverything = (ctx: TenantContext) =>
  ctx.principal.kind !== "user" || hasRole(ctx.principal.role, "manager");

/**
 * Agents work their own records: an agent naming an owner other than themselves is refused (as a
 * field error on `ownerId`); managers, owners and API keys may name any member.
 */
export function ownerChoiceErrors(
  ctx: TenantContext,
  ownerId: string | null | undefined,
  records: string,
): FieldError[] {
  const { principal } = ctx;
  if (ownerId === undefined || principal.kind !== "user" || hasRole(principal.role, "manager")) return [];
  if (ownerId === principal.userId) return [];
  return [
    { path: "ownerId", code: "forbidden_owner", message: `Agents can assign ${records} only to themselves.` },
  ];
}
