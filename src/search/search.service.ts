import type { TenantContext } from "../platform/context";
import type { SearchHit } from "./search.model";
import { searchKind } from "./search.repo";
import { SEARCH_KINDS, type SearchKind } from "./search.schema";
import { searchMatch } from "./search-query";

export interface SearchInput {
  q: string;
  kinds?: readonly SearchKind[];
  limit: number;
}

/**
 * One box over contacts, companies and deals: each kind's best `limit` matches, merged by rank.
 * Every kind and the session check go to D1 in one round trip; records the caller may not see
 * (another tenant's, another agent's under "own" visibility, merged contacts) never come back.
 */
export async function search(ctx: TenantContext, input: SearchInput): Promise<SearchHit[]> {
  const kinds = input.kinds?.length ? [...new Set(input.kinds)] : SEARCH_KINDS;
  const searches = kinds.flatMap((kind) => {
    const match = searchMatch(ctx.scope.tenantId, kind, input.q);
    return match === null ? [] : [{ kind, match }];
  });
  const [first, ...rest] = searches;
  if (!first) {
    // Nothing searchable was typed (`)`, `"`, `؟`): no query, but the session is still checked.
    await ctx.scope.settle();
    return [];
  }
  const results = await ctx.scope.read(
    () =>
      [
        searchKind(ctx, first.kind, first.match, input.limit),
        ...rest.map(({ kind, match }) => searchKind(ctx, kind, match, input.limit)),
      ] as const,
  );
  return results
    .flat()
    .sort((a, b) => a.rank - b.rank)
    .slice(0, input.limit)
    .map(({ rank: _rank, ...hit }) => hit);
}
