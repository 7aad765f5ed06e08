// Reading deals: one deal, the list, a deal's stage history, the board and the deal page.
// Writes are in deal-writes.service.ts, stage moves in deal-moves.service.ts.
import { sql } from "drizzle-orm";
import { timelinePage, timelineQuery } from "../activities/activities.service";
import { customFilterConditions } from "../custom-fields/custom-field-filter";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { listPipelines, listStages } from "../pipelines/pipelines.repo";
import { pipelineView } from "../pipelines/pipelines.service";
import type { TenantContext } from "../platform/context";
import { decodeCursor, toPage } from "../platform/pagination";
import { dealNotFound, dealView, visibleDeals } from "./deal-view";
import type { DealSort } from "./deals.model";
import {
  boardDeals,
  type DealFilters,
  dealById,
  defaultPipelineId,
  listDeals,
  sortColumnOf,
  stageHistory,
  stageTotals,
  tenantMembers,
} from "./deals.repo";
import { deals } from "./deals.schema";

export async function getDeal(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row]] = await scope.read(() => [dealById(scope, id, visibleDeals(ctx))] as const);
  if (!row) throw dealNotFound();
  return dealView(row);
}

/**
 * A page of the deals the caller may see: one D1 round trip, two with `custom.<key>` filters
 * (a filter depends on its field's type, so the definitions are read first, as for contacts).
 */
export async function findDeals(
  ctx: TenantContext,
  filters: DealFilters,
  sort: DealSort,
  cursor: string | undefined,
  limit: number,
  customFilters: Record<string, string> = {},
) {
  const { scope } = ctx;
  const after = cursor ? decodeCursor(cursor, "number") : null;
  let conditions: DealFilters["conditions"];
  if (Object.keys(customFilters).length > 0) {
    const [definitions] = await scope.read(() => [customFieldDefinitionsFor(scope, "deal")] as const);
    conditions = [customFilterConditions(deals.custom, definitions, customFilters) ?? sql`1`];
  }
  const [rows] = await scope.read(
    () => [listDeals(scope, { ...filters, conditions }, visibleDeals(ctx), sort, after, limit)] as const,
  );
  const { field } = sortColumnOf(sort);
  const page = toPage(rows, limit, (row) => ({ sort: row[field], id: row.id }));
  return { data: page.data.map(dealView), nextCursor: page.nextCursor };
}

export async function dealHistory(ctx: TenantContext, id: string, cursor: string | undefined, limit: number) {
  const { scope } = ctx;
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [[row], rows] = await scope.read(
    () => [dealById(scope, id, visibleDeals(ctx)), stageHistory(scope, id, after, limit)] as const,
  );
  if (!row) throw dealNotFound();
  const page = toPage(rows, limit, (change) => ({ sort: change.at, id: change.id }));
  return {
    data: page.data.map((change) => ({
      id: change.id,
      dealId: change.dealId,
      pipelineId: change.pipelineId,
      fromStageId: change.fromStageId,
      fromStageName: change.fromStageName,
      toStageId: change.toStageId,
      toStageName: change.toStageName,
      actor: { type: change.actorType, id: change.actorId },
      at: new Date(change.at).toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}

/** Most deals a board shows at once (per pipeline); the list API pages through the rest. */
export const BOARD_DEAL_CAP = 500;

/**
 * Everything the board page shows, in one D1 round trip: the pipelines with their stages, the
 * chosen (or default) pipeline's visible deals in rank order, each stage's count and total, and
 * the deal fields (the new-deal form's custom inputs).
 */
export async function board(ctx: TenantContext, pipelineId: string | undefined) {
  const { scope } = ctx;
  const visible = visibleDeals(ctx);
  const chosen = pipelineId ?? defaultPipelineId(scope);
  const [pipelines, stages, cards, totals, definitions] = await scope.read(
    () =>
      [
        listPipelines(scope, false),
        listStages(scope),
        boardDeals(scope, chosen, visible, BOARD_DEAL_CAP),
        stageTotals(scope, chosen, visible),
        customFieldDefinitionsFor(scope, "deal"),
      ] as const,
  );
  const views = pipelines.map((row) => pipelineView(row, stages));
  const current =
    views.find((p) => p.id === pipelineId) ??
    (pipelineId ? undefined : (views.find((p) => p.isDefault) ?? views[0]));
  return {
    pipelines: views,
    pipeline: current ?? null,
    deals: current ? cards.map(dealView) : [],
    totals: new Map(
      totals.map((t) => [t.stageId, { deals: Number(t.deals), amountHalalas: Number(t.amountHalalas) }]),
    ),
    definitions,
  };
}

/** Most stage changes the deal page shows; the history API pages through the rest. */
const DEAL_PAGE_HISTORY = 50;

/** The activities the deal page shows; older ones page through the API. */
const DEAL_PAGE_TIMELINE = 50;

/**
 * Everything the deal page shows, in one D1 round trip: the deal, its latest stage changes, the
 * pipelines with their stages (for names and the stage picker), the members (owner picker), its
 * timeline and the deal fields (archived ones too: their stored values are still shown).
 */
export async function dealPage(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row], history, pipelines, stages, members, timelineRows, definitions] = await scope.read(
    () =>
      [
        dealById(scope, id, visibleDeals(ctx)),
        stageHistory(scope, id, null, DEAL_PAGE_HISTORY),
        listPipelines(scope, true),
        listStages(scope),
        tenantMembers(scope),
        // Read beside the visibility check; dropped with the rest when the deal is not visible.
        timelineQuery(ctx, { dealId: id }, DEAL_PAGE_TIMELINE),
        customFieldDefinitionsFor(scope, "deal"),
      ] as const,
  );
  if (!row) throw dealNotFound();
  return {
    deal: dealView(row),
    history: history.slice(0, DEAL_PAGE_HISTORY),
    pipelines: pipelines.map((p) => pipelineView(p, stages)),
    members,
    timeline: timelinePage(timelineRows, DEAL_PAGE_TIMELINE).data,
    definitions,
  };
}

/** The deal fields, for a posted deal form (turning its text into typed values needs them). */
export async function dealFields(ctx: TenantContext) {
  const { scope } = ctx;
  const [definitions] = await scope.read(() => [customFieldDefinitionsFor(scope, "deal")] as const);
  return definitions;
}
