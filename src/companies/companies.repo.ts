import { and, asc, eq, getTableColumns, inArray, or, type SQL, sql } from "drizzle-orm";
import { contacts } from "../contacts/contacts.schema";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { normaliseText } from "../platform/text-normalise";
import { nextVersionIf } from "../platform/versioning";
import { searchDocuments, searchIndex } from "../search/search.schema";
import { searchMatch } from "../search/search-query";
import { companies } from "./companies.schema";

export type CompanyRow = typeof companies.$inferSelect & { contactCount: number };

const withContactCount = {
  ...getTableColumns(companies),
  contactCount: sql<number>`(SELECT COUNT(*) FROM ${contacts} WHERE ${contacts.tenantId} = ${companies.tenantId} AND ${contacts.companyId} = ${companies.id} AND ${contacts.mergedIntoId} IS NULL)`,
};

/**
 * A condition for the companies list: the name contains what was typed (normalised), or the
 * search index (names, VAT and CR numbers, prefix on the last word) matches it. Undefined for a
 * blank query. The index subquery runs inside the list's statement: no extra round trip.
 */
export function companyMatches(scope: TenantScope, query: string | undefined): SQL | undefined {
  if (!query?.trim()) return undefined;
  const inName = sql`instr(${companies.nameNorm}, ${normaliseText(query)}) > 0`;
  const match = searchMatch(scope.tenantId, "company", query);
  if (match === null) return inName;
  const indexed = scope.db
    .select({ recordId: searchDocuments.recordId })
    .from(searchIndex)
    .innerJoin(
      searchDocuments,
      and(eq(searchDocuments.id, searchIndex.rowid), eq(searchDocuments.kind, "company")),
    )
    .where(sql`${searchIndex} MATCH ${match}`);
  return or(inName, inArray(companies.id, indexed));
}

/** Companies by name (normalised), a page at a time. */
export const listCompanies = (
  scope: TenantScope,
  filters: { ownerId?: string; conditions?: (SQL | undefined)[] },
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
        ...(filters.conditions ?? []),
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
