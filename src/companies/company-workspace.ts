import { contactView } from "../contacts/contact-view";
import { type ContactWithListsRow, listContacts } from "../contacts/contacts.repo";
import { contacts } from "../contacts/contacts.schema";
import { visibleRecords } from "../crm/visibility";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { dealView } from "../deals/deal-view";
import { listDeals } from "../deals/deals.repo";
import { deals } from "../deals/deals.schema";
import { listMembers } from "../members/members.repo";
import type { TenantContext } from "../platform/context";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import type { CompanyListQuery } from "./companies.model";
import { companyById, companyMatches, listCompanies } from "./companies.repo";
import { companies } from "./companies.schema";
import { companyView } from "./companies.service";

/** The team members a record page names (owners); larger teams page through /team. */
const WORKSPACE_MEMBERS = 100;

/**
 * Everything the company page shows, in one D1 round trip with the session check: the company,
 * its contacts and deals (each list limited by the caller's visibility, first `relatedLimit` of
 * each), the team (for owner names) and the company fields. The related rows are read beside the
 * company's own visibility check and dropped when the company is not visible.
 */
export async function companyWorkspace(ctx: TenantContext, id: string, relatedLimit: number) {
  const { scope } = ctx;
  const [[row], contactRows, dealRows, team, definitions] = await scope.read(
    () =>
      [
        companyById(scope, id, visibleRecords(ctx, companies.ownerId)),
        listContacts(
          scope,
          { companyId: id },
          visibleRecords(ctx, contacts.ownerId),
          "name",
          null,
          relatedLimit,
        ),
        listDeals(
          scope,
          { companyId: id },
          visibleRecords(ctx, deals.ownerId),
          "-updatedAt",
          null,
          relatedLimit,
        ),
        listMembers(scope, null, WORKSPACE_MEMBERS),
        customFieldDefinitionsFor(scope, "company"),
      ] as const,
  );
  if (!row) throw new ApiError("NOT_FOUND", "No such company.");
  return {
    company: companyView(row),
    contacts: (contactRows as ContactWithListsRow[]).slice(0, relatedLimit).map(contactView),
    moreContacts: contactRows.length > relatedLimit,
    deals: dealRows.slice(0, relatedLimit).map(dealView),
    moreDeals: dealRows.length > relatedLimit,
    members: team.map((member) => ({ userId: member.userId, name: member.name })),
    definitions,
  };
}

/**
 * What the companies list page shows, in one D1 round trip with the session check: a page of the
 * companies the caller may see (searched by `q`), the team (for owner names) and the company
 * fields (for the add form).
 */
export async function companiesListWorkspace(ctx: TenantContext, query: CompanyListQuery) {
  const { scope } = ctx;
  const after = query.cursor ? decodeCursor(query.cursor, "string") : null;
  const [rows, team, definitions] = await scope.read(
    () =>
      [
        listCompanies(
          scope,
          { ownerId: query.ownerId, conditions: [companyMatches(scope, query.q)] },
          visibleRecords(ctx, companies.ownerId),
          after,
          query.limit,
        ),
        listMembers(scope, null, WORKSPACE_MEMBERS),
        customFieldDefinitionsFor(scope, "company"),
      ] as const,
  );
  const page = toPage(rows, query.limit, (row) => ({ sort: row.nameNorm, id: row.id }));
  return {
    companies: page.data.map(companyView),
    nextCursor: page.nextCursor,
    members: team.map((member) => ({ userId: member.userId, name: member.name })),
    definitions,
  };
}
