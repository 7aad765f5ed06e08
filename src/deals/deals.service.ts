import { timelinePage, timelineQuery } from "../activities/activities.service";
import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { companies } from "../companies/companies.schema";
import { contacts } from "../contacts/contacts.schema";
import { visibleRecords } from "../crm/visibility";
import { membershipOf } from "../members/members.repo";
import { listPipelines, listStages, type StageRow } from "../pipelines/pipelines.repo";
import { ensureDefaultPipeline, pipelineView } from "../pipelines/pipelines.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError, type FieldError } from "../platform/problem";
import { normaliseText } from "../platform/text-normalise";
import { expectedVersion, versionMismatch } from "../platform/versioning";
import type { DealSort } from "./deals.model";
import {
  boardDeals,
  type DealFilters,
  type DealWithStatus,
  dealById,
  dealVersion,
  defaultPipelineId,
  insertDeal,
  insertStageChange,
  listDeals,
  moveDealStatements,
  rankAbove,
  rankInStage,
  sortColumnOf,
  stageHistory,
  stageTotals,
  tenantMembers,
  updateDeal as updateDealRow,
  visibleCompany,
  visibleContact,
} from "./deals.repo";
import { deals } from "./deals.schema";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const dealView = (row: DealWithStatus) => ({
  id: row.id,
  title: row.title,
  contactId: row.contactId,
  companyId: row.companyId,
  pipelineId: row.pipelineId,
  stageId: row.stageId,
  status: row.status,
  amountHalalas: row.amountHalalas,
  expectedCloseOn: row.expectedCloseOn,
  ownerId: row.ownerId,
  lostReason: row.lostReason,
  boardRank: row.boardRank,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
  stageChangedAt: new Date(row.stageChangedAt).toISOString(),
  closedAt: iso(row.closedAt),
  version: row.version,
});

export type DealView = ReturnType<typeof dealView>;

const visibleDeals = (ctx: TenantContext) => visibleRecords(ctx, deals.ownerId);

const notFound = () => new ApiError("NOT_FOUND", "No such deal.");

const invalid = (errors: FieldError[]) =>
  new ApiError("VALIDATION_FAILED", "Some fields name records you cannot use.", { errors });

/** References a write names: checked in the write's read batch, so a bad id writes nothing. */
interface References {
  contactId?: string | null;
  companyId?: string | null;
  ownerId?: string | null;
}

/** The queries that check a write's references; an absent reference queries an id that cannot exist. */
const referenceQueries = (ctx: TenantContext, refs: References) =>
  [
    visibleContact(ctx.scope, refs.contactId ?? "", visibleRecords(ctx, contacts.ownerId)),
    visibleCompany(ctx.scope, refs.companyId ?? "", visibleRecords(ctx, companies.ownerId)),
    membershipOf(ctx.scope, refs.ownerId ?? ""),
  ] as const;

function checkReferences(
  ctx: TenantContext,
  refs: References,
  found: { contact: unknown; company: unknown; member: unknown },
  currentOwnerId: string | null,
) {
  const errors: FieldError[] = [];
  if (refs.contactId && !found.contact) {
    errors.push({ path: "contactId", code: "unknown_contact", message: "No such contact." });
  }
  if (refs.companyId && !found.company) {
    errors.push({ path: "companyId", code: "unknown_company", message: "No such company." });
  }
  if (refs.ownerId && !found.member) {
    errors.push({
      path: "ownerId",
      code: "not_a_member",
      message: "The owner must be a member of this workspace.",
    });
  }
  const { principal } = ctx;
  // An agent cannot hand a deal to someone else (it would vanish from their own view); managers do that.
  if (
    refs.ownerId !== undefined &&
    refs.ownerId !== currentOwnerId &&
    principal.kind === "user" &&
    principal.role === "agent" &&
    refs.ownerId !== principal.userId
  ) {
    errors.push({ path: "ownerId", code: "owner_not_allowed", message: "Agents own the deals they handle." });
  }
  if (errors.length > 0) throw invalid(errors);
}

const audit = (
  ctx: TenantContext,
  action: string,
  id: string,
  details: Record<string, string | number | boolean | null>,
) => ({
  tenantId: ctx.scope.tenantId,
  actor: ctx.actor,
  action,
  target: { type: "deal", id },
  details,
});

export interface CreateDealInput extends References {
  title: string;
  pipelineId?: string;
  stageId?: string;
  amountHalalas?: number;
  expectedCloseOn?: string | null;
}

/** The stage a new deal starts in: the named one, or the pipeline's (default pipeline's) first open stage. */
function startingStage(
  input: { pipelineId?: string; stageId?: string },
  pipelines: { id: string; isDefault: boolean }[],
  stages: StageRow[],
): StageRow {
  const livePipelines = new Set(pipelines.map((p) => p.id));
  if (input.stageId) {
    const stage = stages.find((s) => s.id === input.stageId && livePipelines.has(s.pipelineId));
    if (!stage || (input.pipelineId && stage.pipelineId !== input.pipelineId)) {
      throw invalid([
        { path: "stageId", code: "unknown_stage", message: "Not a live stage of the pipeline." },
      ]);
    }
    return stage;
  }
  const pipelineId = input.pipelineId ?? (pipelines.find((p) => p.isDefault) ?? pipelines[0])?.id;
  if (!pipelineId || !livePipelines.has(pipelineId)) {
    throw invalid([{ path: "pipelineId", code: "unknown_pipeline", message: "No such pipeline." }]);
  }
  const first = stages.find((s) => s.pipelineId === pipelineId && s.kind === "open");
  if (!first)
    throw invalid([
      { path: "pipelineId", code: "no_open_stage", message: "The pipeline has no open stage." },
    ]);
  return first;
}

export async function createDeal(ctx: TenantContext, input: CreateDealInput, locale: "ar" | "en" = "ar") {
  const { scope, now, principal } = ctx;
  const read = () =>
    scope.read(
      () => [listPipelines(scope, false), listStages(scope), ...referenceQueries(ctx, input)] as const,
    );
  let [pipelines, stages, [contact], [company], [member]] = await read();
  if (pipelines.length === 0 && !input.pipelineId && !input.stageId) {
    // A new tenant's first deal: give it the default pipeline rather than an error.
    await ensureDefaultPipeline(ctx, locale);
    [pipelines, stages, [contact], [company], [member]] = await read();
  }
  checkReferences(ctx, input, { contact, company, member }, null);
  const stage = startingStage(input, pipelines, stages);
  const ownerId =
    input.ownerId !== undefined ? input.ownerId : principal.kind === "user" ? principal.userId : null;
  const row = {
    id: newId(idPrefixes.deal),
    title: input.title,
    titleNorm: normaliseText(input.title),
    contactId: input.contactId ?? null,
    companyId: input.companyId ?? null,
    pipelineId: stage.pipelineId,
    stageId: stage.id,
    amountHalalas: input.amountHalalas ?? 0,
    expectedCloseOn: input.expectedCloseOn ?? null,
    ownerId,
    lostReason: null,
    // Creation time as rank puts a new deal at the end of its column without reading the column.
    boardRank: now,
    custom: {},
    sample: false,
    createdBy: ctx.actor.type === "user" ? ctx.actor.id : null,
    createdAt: now,
    updatedAt: now,
    stageChangedAt: now,
    closedAt: stage.kind === "open" ? null : now,
    version: 1,
  };
  await scope.write([
    insertDeal(scope, row),
    insertStageChange(scope, {
      id: newId(idPrefixes.stageChange),
      dealId: row.id,
      pipelineId: row.pipelineId,
      fromStageId: null,
      toStageId: stage.id,
      actorType: ctx.actor.type,
      actorId: ctx.actor.id,
      at: now,
    }),
    auditInsert(
      scope.db,
      audit(ctx, "deal.created", row.id, { stageId: stage.id, ownerId: row.ownerId }),
      ctx.origin,
      now,
    ),
  ]);
  return dealView({ ...row, tenantId: scope.tenantId, status: stage.kind });
}

export async function getDeal(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row]] = await scope.read(() => [dealById(scope, id, visibleDeals(ctx))] as const);
  if (!row) throw notFound();
  return dealView(row);
}

export async function findDeals(
  ctx: TenantContext,
  filters: DealFilters,
  sort: DealSort,
  cursor: string | undefined,
  limit: number,
) {
  const { scope } = ctx;
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await scope.read(
    () => [listDeals(scope, filters, visibleDeals(ctx), sort, after, limit)] as const,
  );
  const { field } = sortColumnOf(sort);
  const page = toPage(rows, limit, (row) => ({ sort: row[field], id: row.id }));
  return { data: page.data.map(dealView), nextCursor: page.nextCursor };
}

export interface UpdateDealInput extends References {
  title?: string;
  amountHalalas?: number;
  expectedCloseOn?: string | null;
  lostReason?: string | null;
}

/** After a guarded update changed nothing: 404 when the deal is gone from view, else 412. */
async function explainMissedUpdate(ctx: TenantContext, id: string): Promise<never> {
  const [[current]] = await ctx.scope.read(() => [dealVersion(ctx.scope, id, visibleDeals(ctx))] as const);
  if (!current) throw notFound();
  throw versionMismatch(current.version);
}

export async function updateDeal(
  ctx: TenantContext,
  id: string,
  ifMatch: string | undefined,
  input: UpdateDealInput,
) {
  const { scope, now } = ctx;
  const [[row], [contact], [company], [member]] = await scope.read(
    () => [dealById(scope, id, visibleDeals(ctx)), ...referenceQueries(ctx, input)] as const,
  );
  if (!row) throw notFound();
  const version = expectedVersion(ifMatch);
  if (version !== row.version) throw versionMismatch(row.version);
  checkReferences(ctx, input, { contact, company, member }, row.ownerId);
  const changes: Partial<typeof row> = {};
  for (const [key, value] of Object.entries(input) as [keyof UpdateDealInput, unknown][]) {
    if (value !== undefined && row[key] !== value) Object.assign(changes, { [key]: value });
  }
  if (Object.keys(changes).length === 0) return dealView(row);
  if (changes.title !== undefined) changes.titleNorm = normaliseText(changes.title);
  const details: Record<string, string | null> = {
    fields: Object.keys(input)
      .filter((k) => k in changes)
      .join(" "),
  };
  if ("ownerId" in changes)
    Object.assign(details, { ownerFrom: row.ownerId, ownerTo: changes.ownerId ?? null });
  const [updated] = await scope.write([
    updateDealRow(scope, id, visibleDeals(ctx), version, { ...changes, updatedAt: now }),
    auditInsertIfChanged(scope.db, audit(ctx, "deal.updated", id, details), ctx.origin, now),
  ]);
  const [after] = updated;
  if (!after) return explainMissedUpdate(ctx, id);
  return dealView({ ...after, status: row.status });
}

/**
 * Moves a deal to a stage (or to another place in its column) and records the change in the
 * deal's stage history and the audit log, in one batch. `If-Match` is optional here: a board drag
 * says where the deal goes, not what it was, so concurrent moves are all kept, in order.
 */
export async function moveDeal(
  ctx: TenantContext,
  id: string,
  ifMatch: string | undefined,
  input: { stageId: string; beforeDealId?: string },
) {
  const { scope, now } = ctx;
  const before = input.beforeDealId ?? null;
  const [[row], stages, [beforeDeal], [above]] = await scope.read(
    () =>
      [
        dealById(scope, id, visibleDeals(ctx)),
        listStages(scope),
        rankInStage(scope, before ?? "", input.stageId),
        rankAbove(scope, input.stageId, before, id),
      ] as const,
  );
  if (!row) throw notFound();
  const version = ifMatch === undefined ? null : expectedVersion(ifMatch);
  if (version !== null && version !== row.version) throw versionMismatch(row.version);
  const stage = stages.find((s) => s.id === input.stageId);
  if (!stage) throw invalid([{ path: "stageId", code: "unknown_stage", message: "Not a live stage." }]);
  if (before && (!beforeDeal || before === id)) {
    throw invalid([
      { path: "beforeDealId", code: "unknown_deal", message: "Not a deal of the target stage." },
    ]);
  }
  // Between the neighbours: halfway when there is one above, else one below the first.
  const boardRank = beforeDeal
    ? above
      ? (above.boardRank + beforeDeal.boardRank) / 2
      : beforeDeal.boardRank - 1
    : above
      ? above.boardRank + 1
      : 0;
  const [, moved] = await scope.write([
    ...moveDealStatements(
      scope,
      {
        id,
        visible: visibleDeals(ctx),
        version,
        toStageId: stage.id,
        toPipelineId: stage.pipelineId,
        closes: stage.kind !== "open",
        boardRank,
      },
      ctx.actor,
      now,
    ),
    auditInsertIfChanged(
      scope.db,
      audit(ctx, "deal.moved", id, { fromStageId: row.stageId, toStageId: stage.id }),
      ctx.origin,
      now,
    ),
  ]);
  const [result] = moved;
  if (!result) return explainMissedUpdate(ctx, id);
  const stageChanged = row.stageId !== stage.id;
  return dealView({
    ...row,
    stageId: stage.id,
    pipelineId: stage.pipelineId,
    status: stage.kind,
    boardRank,
    updatedAt: now,
    stageChangedAt: stageChanged ? now : row.stageChangedAt,
    closedAt: stage.kind === "open" ? null : (row.closedAt ?? now),
    version: result.version,
  });
}

export async function dealHistory(ctx: TenantContext, id: string, cursor: string | undefined, limit: number) {
  const { scope } = ctx;
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [[row], rows] = await scope.read(
    () => [dealById(scope, id, visibleDeals(ctx)), stageHistory(scope, id, after, limit)] as const,
  );
  if (!row) throw notFound();
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
 * chosen (or default) pipeline's visible deals in rank order and each stage's count and total.
 */
export async function board(ctx: TenantContext, pipelineId: string | undefined) {
  const { scope } = ctx;
  const visible = visibleDeals(ctx);
  const chosen = pipelineId ?? defaultPipelineId(scope);
  const [pipelines, stages, cards, totals] = await scope.read(
    () =>
      [
        listPipelines(scope, false),
        listStages(scope),
        boardDeals(scope, chosen, visible, BOARD_DEAL_CAP),
        stageTotals(scope, chosen, visible),
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
  };
}

/** Most stage changes the deal page shows; the history API pages through the rest. */
const DEAL_PAGE_HISTORY = 50;

/**
 * Everything the deal page shows, in one D1 round trip: the deal, its latest stage changes, the
 * pipelines with their stages (for names and the stage picker) and the members (owner picker).
 */
/** The activities the deal page shows; older ones page through the API. */
const DEAL_PAGE_TIMELINE = 50;

export async function dealPage(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row], history, pipelines, stages, members, timelineRows] = await scope.read(
    () =>
      [
        dealById(scope, id, visibleDeals(ctx)),
        stageHistory(scope, id, null, DEAL_PAGE_HISTORY),
        listPipelines(scope, true),
        listStages(scope),
        tenantMembers(scope),
        // Read beside the visibility check; dropped with the rest when the deal is not visible.
        timelineQuery(ctx, { dealId: id }, DEAL_PAGE_TIMELINE),
      ] as const,
  );
  if (!row) throw notFound();
  return {
    deal: dealView(row),
    history: history.slice(0, DEAL_PAGE_HISTORY),
    pipelines: pipelines.map((p) => pipelineView(p, stages)),
    members,
    timeline: timelinePage(timelineRows, DEAL_PAGE_TIMELINE).data,
  };
}
