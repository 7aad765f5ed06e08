import { and, eq, inArray, isNull, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { companies } from "../companies/companies.schema";
import { contacts } from "../contacts/contacts.schema";
import { seesEverything, visibleRecords } from "../crm/visibility";
import { deals } from "../deals/deals.schema";
import type { TenantContext } from "../platform/context";
import type { TenantScope } from "../platform/tenant-scope";
import { type SearchKind, searchDocuments, searchIndex } from "./search.schema";
import { searchMatch } from "./search-query";

// Names weigh most; emails, phone digits and VAT/CR numbers less; the scope token nothing.
// bm25() is lower for better matches, so results are ordered ascending.
const rank = sql<number>`bm25(search_index, 0.0, 10.0, 3.0)`.as("rank");
const matches = (expression: string) => sql`${searchIndex} MATCH ${expression}`;

/** The index rows of one kind joined to their records, for a MATCH already limited to the tenant. */
const indexedRecords = (scope: TenantScope, kind: SearchKind) =>
  scope.db
    .select({ recordId: searchDocuments.recordId })
    .from(searchIndex)
    .innerJoin(
      searchDocuments,
      and(eq(searchDocuments.id, searchIndex.rowid), eq(searchDocuments.kind, kind)),
    );

// Every column gets its own name: D1 returns rows keyed by column name, so two unnamed NULLs
// would collapse into one and shift the rest.
const none = <T>(name: string) => sql<T | null>`NULL`.as(name);
const kindIs = (kind: SearchKind) => sql<SearchKind>`${kind}`.as("kind");

/**
 * The index rows that match, with their rank. When the caller sees every record of the tenant the
 * best `limit` are picked inside the index, before any join (a common name can match thousands of
 * rows: joining them all would cost more than ranking them). An agent's visibility depends on each
 * record's owner, so then every match is joined and the limit applies after the filter.
 */
function rankedMatches(ctx: TenantContext, match: string, limit: number) {
  const query = ctx.scope.db
    .select({ documentId: searchIndex.rowid, rank })
    .from(searchIndex)
    .where(matches(match))
    .orderBy(sql`rank`)
    .$dynamic();
  return (seesEverything(ctx) ? query.limit(limit) : query).as("ranked");
}

/**
 * Joins ranked matches to their records. CROSS JOIN keeps SQLite's join order as written (matches,
 * then documents by rowid, then records by id): left free, the planner may prefer to walk all the
 * tenant's records and probe the matches for each, which grows with the tenant.
 */
const joined = (documentId: SQLWrapper, kind: SearchKind, recordId: SQLiteColumn) =>
  and(
    eq(searchDocuments.id, documentId),
    eq(searchDocuments.kind, kind),
    eq(searchDocuments.recordId, recordId),
  );

const searchContacts = (ctx: TenantContext, match: string, limit: number) => {
  const ranked = rankedMatches(ctx, match, limit);
  return ctx.scope.db
    .select({
      kind: kindIs("contact"),
      id: contacts.id,
      title: contacts.name,
      phone: contacts.phone,
      email: contacts.email,
      vatNumber: none<string>("vat_number"),
      amountHalalas: none<number>("amount_halalas"),
      rank: ranked.rank,
    })
    .from(ranked)
    .crossJoin(searchDocuments)
    .crossJoin(contacts)
    .where(
      and(
        joined(ranked.documentId, "contact", contacts.id),
        ctx.scope.where(
          contacts.tenantId,
          isNull(contacts.mergedIntoId),
          visibleRecords(ctx, contacts.ownerId),
        ),
      ),
    )
    .orderBy(sql`rank`)
    .limit(limit);
};

const searchCompanies = (ctx: TenantContext, match: string, limit: number) => {
  const ranked = rankedMatches(ctx, match, limit);
  return ctx.scope.db
    .select({
      kind: kindIs("company"),
      id: companies.id,
      title: companies.name,
      phone: none<string>("phone"),
      email: none<string>("email"),
      vatNumber: companies.vatNumber,
      amountHalalas: none<number>("amount_halalas"),
      rank: ranked.rank,
    })
    .from(ranked)
    .crossJoin(searchDocuments)
    .crossJoin(companies)
    .where(
      and(
        joined(ranked.documentId, "company", companies.id),
        ctx.scope.where(companies.tenantId, visibleRecords(ctx, companies.ownerId)),
      ),
    )
    .orderBy(sql`rank`)
    .limit(limit);
};

const searchDeals = (ctx: TenantContext, match: string, limit: number) => {
  const ranked = rankedMatches(ctx, match, limit);
  return ctx.scope.db
    .select({
      kind: kindIs("deal"),
      id: deals.id,
      title: deals.title,
      phone: none<string>("phone"),
      email: none<string>("email"),
      vatNumber: none<string>("vat_number"),
      amountHalalas: deals.amountHalalas,
      rank: ranked.rank,
    })
    .from(ranked)
    .crossJoin(searchDocuments)
    .crossJoin(deals)
    .where(
      and(
        joined(ranked.documentId, "deal", deals.id),
        ctx.scope.where(deals.tenantId, visibleRecords(ctx, deals.ownerId)),
      ),
    )
    .orderBy(sql`rank`)
    .limit(limit);
};

/** One kind's best matches the caller may see, every kind in the same row shape. */
export const searchKind = (ctx: TenantContext, kind: SearchKind, match: string, limit: number) =>
  kind === "contact"
    ? searchContacts(ctx, match, limit)
    : kind === "company"
      ? searchCompanies(ctx, match, limit)
      : searchDeals(ctx, match, limit);

/**
 * A condition for the contacts list: `contacts.id IN (the tenant's contacts matching the search)`,
 * with the same normalisation, tokens and prefix matching as `GET /api/v1/search`. AND it into the
 * list's WHERE beside the tenant, visibility and other filters (it adds no round trip: the subquery
 * runs inside the list's statement). Call it only when the user typed something: a blank string
 * gives `undefined` (no filter), while a string with nothing searchable in it (`)`, `"`, `؟`)
 * gives a condition no contact meets. Merged contacts are not indexed, so they never match.
 *
 *   const where = scope.where(contacts.tenantId, visibleRecords(ctx, contacts.ownerId), contactMatches(scope, q));
 */
export function contactMatches(scope: TenantScope, query: string | undefined): SQL | undefined {
  if (!query?.trim()) return undefined;
  const match = searchMatch(scope.tenantId, "contact", query);
  if (match === null) return sql`0`;
  return inArray(contacts.id, indexedRecords(scope, "contact").where(matches(match)));
}
