import { and, asc, eq, getTableColumns, type SQL, sql } from "drizzle-orm";
import { contacts } from "../contacts/contacts.schema";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { nextVersionIf } from "../platform/versioning";
import { companies } from "./companies.schema";

export type CompanyRow = typeof companies.$inferSelect & { contactCount: number };

const withContactCount = {
  ...getTableColumns(companies),
  contactCount: sql<number>`(SELECT COUNT(*) FROM ${contacts} WHERE ${contacts.tenantId} = ${companies.tenantId} AND ${contacts.companyId} = ${companies.id} AND ${contacts.mergedIntoId} IS NULL)`,
};

/** Companies by name (normalised), a page at a time. */
export const listCompanies = (
  scope: TenantScope,
  filters: { ownerId?: string; needle?: string },
  visible: SQL | undefined,
  after: CursorPosition | null,
  limit: number,
) =>
  scope.db
    .select(withContactCount)
    .from(companies)
    .where(
      scope.where(
        companies.tenantId,
        visible,
        filters.ownerId ? eq(companies.ownerId, filters.ownerId) : undefined,
        filters.needle ? sql`instr(${companies.nameNorm}, ${filters.needle}) > 0` : undefined,
        continuingAfter(companies.nameNorm, companies.id, after, "asc"),
      ),
    )
    .orderBy(asc(companies.nameNorm), asc(companies.id))
    .limit(limit + 1);

export const companyById = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  scope.db
    .select(withContactCount)
    .from(companies)
    .where(scope.where(companies.tenantId, eq(companies.id, id), visible));

export const insertCompany = (scope: TenantScope, row: Omit<typeof companies.$inferInsert, "tenantId">) =>
  scope.db.insert(companies).values({ ...row, tenantId: scope.tenantId });

export const updateCompany = (
  scope: TenantScope,
  id: string,
  expectedVersion: number,
  changes: Partial<Omit<typeof companies.$inferInsert, "id" | "tenantId" | "version">>,
  visible: SQL | undefined,
) =>
  scope.db
    .update(companies)
    .set({
      ...changes,
      version: nextVersionIf(companies.version, expectedVersion, visible ? and(visible) : undefined),
    })
    .where(scope.where(companies.tenantId, eq(companies.id, id)));
