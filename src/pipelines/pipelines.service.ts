import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import type { StageKind } from "./pipelines.model";
import {
  archiveEmptyStage,
  archivePipeline as archivePipelineRow,
  dealCountInStage,
  defaultPipeline,
  insertPipeline,
  insertPipelineUnlessDefaultExists,
  insertStageAtEnd,
  insertStages,
  insertStagesIfPipelineExists,
  listPipelines,
  listStages,
  makeDefaultPipeline,
  moveAllDeals,
  openDealCountInPipeline,
  type PipelineRow,
  pipelineById,
  reorderStages as reorderStagesRows,
  type StageRow,
  stageById,
  updatePipeline as updatePipelineRow,
  updateStage as updateStageRow,
} from "./pipelines.repo";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const stageView = (row: StageRow) => ({
  id: row.id,
  pipelineId: row.pipelineId,
  name: row.name,
  kind: row.kind,
  probability: row.probability,
  position: row.position,
  archivedAt: iso(row.archivedAt),
});

export const pipelineView = (row: PipelineRow, stages: StageRow[]) => ({
  id: row.id,
  name: row.name,
  isDefault: row.isDefault,
  position: row.position,
  archivedAt: iso(row.archivedAt),
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
  stages: stages.filter((stage) => stage.pipelineId === row.id).map(stageView),
});

export type PipelineView = ReturnType<typeof pipelineView>;

type NewStage = { name: string; kind: StageKind; probability?: number };

/** The stages a new pipeline gets when none are given: a usual sales process plus Won and Lost. */
export const DEFAULT_STAGES: Record<"ar" | "en", NewStage[]> = {
  ar: [
    { name: "جديد", kind: "open", probability: 10 },
    { name: "تم التواصل", kind: "open", probability: 25 },
    { name: "عرض سعر", kind: "open", probability: 50 },
    { name: "تفاوض", kind: "open", probability: 75 },
    { name: "تم الفوز", kind: "won", probability: 100 },
    { name: "خسارة", kind: "lost", probability: 0 },
  ],
  en: [
    { name: "New", kind: "open", probability: 10 },
    { name: "Contacted", kind: "open", probability: 25 },
    { name: "Proposal", kind: "open", probability: 50 },
    { name: "Negotiation", kind: "open", probability: 75 },
    { name: "Won", kind: "won", probability: 100 },
    { name: "Lost", kind: "lost", probability: 0 },
  ],
};

export const DEFAULT_PIPELINE_NAME = { ar: "المبيعات", en: "Sales" } as const;

const defaultProbability = (kind: StageKind) => (kind === "won" ? 100 : kind === "lost" ? 0 : 50);

const stageRows = (pipelineId: string, stages: NewStage[], now: number) =>
  stages.map((stage, position) => ({
    id: newId(idPrefixes.stage),
    pipelineId,
    name: stage.name,
    kind: stage.kind,
    probability: stage.probability ?? defaultProbability(stage.kind),
    position,
    createdAt: now,
  }));

const requireOpenStage = (stages: NewStage[]) => {
  if (!stages.some((stage) => stage.kind === "open")) {
    throw new ApiError("VALIDATION_FAILED", "A pipeline needs at least one open stage.", {
      errors: [{ path: "stages", code: "open_stage_required", message: "Add a stage of kind open." }],
    });
  }
};

const audit = (ctx: TenantContext, action: string, target: { type: string; id: string }, details = {}) => ({
  tenantId: ctx.scope.tenantId,
  actor: ctx.actor,
  action,
  target,
  details,
});

/** The tenant's pipelines with their live stages, in one round trip. */
export async function getPipelines(ctx: TenantContext, includeArchived = false) {
  const { scope } = ctx;
  const [pipelineRows, stages] = await scope.read(
    () => [listPipelines(scope, includeArchived), listStages(scope)] as const,
  );
  return pipelineRows.map((row) => pipelineView(row, stages));
}

export async function createPipeline(
  ctx: TenantContext,
  input: { name: string; isDefault?: boolean; stages?: NewStage[] },
  locale: "ar" | "en" = "ar",
) {
  const { scope, now } = ctx;
  const stages = input.stages ?? DEFAULT_STAGES[locale];
  requireOpenStage(stages);
  const [existing] = await scope.read(() => [listPipelines(scope, true)] as const);
  const live = existing.filter((row) => row.archivedAt === null);
  // The first pipeline is the default whatever the caller asked.
  const isDefault = live.length === 0 || input.isDefault === true;
  const row: PipelineRow = {
    id: newId(idPrefixes.pipeline),
    tenantId: scope.tenantId,
    name: input.name,
    isDefault: false,
    position: existing.reduce((max, p) => Math.max(max, p.position + 1), 0),
    template: null,
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const stagesToInsert = stageRows(row.id, stages, now);
  await scope.write([
    insertPipeline(scope, row),
    insertStages(scope, stagesToInsert),
    ...(isDefault ? makeDefaultPipeline(scope, row.id, now) : []),
    auditInsert(scope.db, audit(ctx, "pipeline.created", { type: "pipeline", id: row.id }), ctx.origin, now),
  ]);
  return pipelineView(
    { ...row, isDefault },
    stagesToInsert.map((stage) => ({ ...stage, tenantId: scope.tenantId, archivedAt: null })),
  );
}

/**
 * Makes sure the tenant has a live pipeline: a new tenant gets a default "Sales" pipeline (named in
 * `locale`) with the usual open stages plus Won and Lost. Safe under concurrent calls: the
 * one-default unique index lets one insert win, and stages go only with the pipeline that won.
 */
export async function ensureDefaultPipeline(ctx: TenantContext, locale: "ar" | "en" = "ar") {
  const { scope, now } = ctx;
  const [[found]] = await scope.read(() => [defaultPipeline(scope)] as const);
  if (found) return found.id;
  const id = newId(idPrefixes.pipeline);
  await scope.write([
    insertPipelineUnlessDefaultExists(scope, {
      id,
      name: DEFAULT_PIPELINE_NAME[locale],
      isDefault: true,
      position: 0,
      createdAt: now,
      updatedAt: now,
    }),
    auditInsertIfChanged(scope.db, audit(ctx, "pipeline.created", { type: "pipeline", id }), ctx.origin, now),
    ...insertStagesIfPipelineExists(scope, id, stageRows(id, DEFAULT_STAGES[locale], now)),
  ]);
  const [[winner]] = await scope.read(() => [defaultPipeline(scope)] as const);
  if (!winner) throw new Error("ensureDefaultPipeline: no pipeline after creating one");
  return winner.id;
}

async function livePipeline(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row], stages] = await scope.read(() => [pipelineById(scope, id), listStages(scope, id)] as const);
  if (!row || row.archivedAt !== null) throw new ApiError("NOT_FOUND", "No such pipeline.");
  return { row, stages };
}

export async function updatePipeline(
  ctx: TenantContext,
  id: string,
  input: { name?: string; isDefault?: true },
) {
  const { scope, now } = ctx;
  const { row, stages } = await livePipeline(ctx, id);
  const changes: Record<string, string | boolean> = {};
  if (input.name !== undefined && input.name !== row.name) changes.name = input.name;
  if (input.isDefault && !row.isDefault) changes.isDefault = true;
  if (Object.keys(changes).length > 0) {
    await scope.write([
      updatePipelineRow(scope, id, { name: input.name ?? row.name, updatedAt: now }),
      ...(input.isDefault ? makeDefaultPipeline(scope, id, now) : []),
      auditInsert(
        scope.db,
        audit(ctx, "pipeline.updated", { type: "pipeline", id }, changes),
        ctx.origin,
        now,
      ),
    ]);
  }
  return pipelineView(
    { ...row, name: input.name ?? row.name, isDefault: row.isDefault || input.isDefault === true },
    stages,
  );
}

export async function archivePipeline(ctx: TenantContext, id: string) {
  const { scope, now } = ctx;
  const [[row], [open]] = await scope.read(
    () => [pipelineById(scope, id), openDealCountInPipeline(scope, id)] as const,
  );
  if (!row) throw new ApiError("NOT_FOUND", "No such pipeline.");
  if (row.archivedAt !== null) return;
  if (row.isDefault) {
    throw new ApiError(
      "CONFLICT",
      "The default pipeline cannot be archived; make another pipeline the default first.",
    );
  }
  if ((open?.deals ?? 0) > 0) {
    throw new ApiError("CONFLICT", `This pipeline has ${open?.deals} open deals; close or move them first.`);
  }
  const [archived] = await scope.write([
    archivePipelineRow(scope, id, now),
    auditInsertIfChanged(
      scope.db,
      audit(ctx, "pipeline.archived", { type: "pipeline", id }),
      ctx.origin,
      now,
    ),
  ]);
  if (archived.meta.changes === 0)
    throw new ApiError("CONFLICT", "The pipeline changed meanwhile; try again.");
}

export async function addStage(ctx: TenantContext, pipelineId: string, input: NewStage) {
  const { scope, now } = ctx;
  await livePipeline(ctx, pipelineId);
  const id = newId(idPrefixes.stage);
  await scope.write([
    insertStageAtEnd(scope, {
      id,
      pipelineId,
      name: input.name,
      kind: input.kind,
      probability: input.probability ?? defaultProbability(input.kind),
      createdAt: now,
    }),
    auditInsert(
      scope.db,
      audit(ctx, "stage.created", { type: "stage", id }, { pipelineId }),
      ctx.origin,
      now,
    ),
  ]);
  const [[row]] = await scope.read(() => [stageById(scope, id)] as const);
  if (!row) throw new Error("addStage: the stage just written is missing");
  return stageView(row);
}

async function liveStage(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  // The stage's pipeline is unknown before the read, so the read takes every live stage of the
  // tenant (a few dozen at most) in the same round trip instead of a second one.
  const [[stage], allStages] = await scope.read(() => [stageById(scope, id), listStages(scope)] as const);
  if (!stage || stage.archivedAt !== null) throw new ApiError("NOT_FOUND", "No such stage.");
  return { stage, siblings: allStages.filter((s) => s.pipelineId === stage.pipelineId) };
}

export async function updateStage(
  ctx: TenantContext,
  id: string,
  input: { name?: string; kind?: StageKind; probability?: number },
) {
  const { scope, now } = ctx;
  const { stage, siblings } = await liveStage(ctx, id);
  const next = { ...stage, ...input };
  if (
    stage.kind === "open" &&
    next.kind !== "open" &&
    !siblings.some((s) => s.id !== id && s.kind === "open")
  ) {
    throw new ApiError("CONFLICT", "This is the pipeline's last open stage; add another open stage first.");
  }
  const details = Object.fromEntries(
    Object.entries(input).filter(([key, value]) => stage[key as keyof StageRow] !== value),
  );
  if (Object.keys(details).length > 0) {
    await scope.write([
      updateStageRow(scope, id, input),
      auditInsertIfChanged(
        scope.db,
        audit(ctx, "stage.updated", { type: "stage", id }, details),
        ctx.origin,
        now,
      ),
    ]);
  }
  return stageView(next);
}

export async function reorderStages(ctx: TenantContext, pipelineId: string, stageIds: string[]) {
  const { scope, now } = ctx;
  const { row, stages } = await livePipeline(ctx, pipelineId);
  const current = new Set(stages.map((stage) => stage.id));
  const given = new Set(stageIds);
  if (
    given.size !== stageIds.length ||
    given.size !== current.size ||
    stageIds.some((id) => !current.has(id))
  ) {
    throw new ApiError("VALIDATION_FAILED", "List every live stage of the pipeline exactly once.", {
      errors: [{ path: "stageIds", code: "stages_mismatch", message: "List every live stage exactly once." }],
    });
  }
  await scope.write([
    reorderStagesRows(scope, pipelineId, stageIds),
    auditInsert(
      scope.db,
      audit(
        ctx,
        "pipeline.stages_reordered",
        { type: "pipeline", id: pipelineId },
        { order: stageIds.join(" ") },
      ),
      ctx.origin,
      now,
    ),
  ]);
  const byId = new Map(stages.map((stage) => [stage.id, stage]));
  return pipelineView(
    row,
    stageIds.map((id, position) => ({ ...(byId.get(id) as StageRow), position })),
  );
}

/**
 * Archives a stage. Deals in it would drop off the board, so it is refused while any remain unless
 * the caller names a live stage of the same pipeline to move them to; each move is recorded in the
 * deals' stage history, in the same batch as the archive.
 */
export async function archiveStage(ctx: TenantContext, id: string, moveDealsToStageId?: string) {
  const { scope, now } = ctx;
  const [[stage], siblings, [inStage]] = await scope.read(
    () => [stageById(scope, id), listStages(scope), dealCountInStage(scope, id)] as const,
  );
  if (!stage) throw new ApiError("NOT_FOUND", "No such stage.");
  if (stage.archivedAt !== null) return;
  const samePipeline = siblings.filter((s) => s.pipelineId === stage.pipelineId && s.id !== id);
  if (stage.kind === "open" && !samePipeline.some((s) => s.kind === "open")) {
    throw new ApiError("CONFLICT", "This is the pipeline's last open stage; add another open stage first.");
  }
  const deals = inStage?.deals ?? 0;
  if (deals > 0 && !moveDealsToStageId) {
    throw new ApiError(
      "CONFLICT",
      `${deals} deals are in this stage; name a stage to move them to (moveDealsToStageId).`,
    );
  }
  const target = moveDealsToStageId ? samePipeline.find((s) => s.id === moveDealsToStageId) : undefined;
  if (moveDealsToStageId && !target) {
    throw new ApiError("VALIDATION_FAILED", "Move the deals to another live stage of the same pipeline.", {
      errors: [
        { path: "moveDealsToStageId", code: "invalid_stage", message: "Not a live stage of this pipeline." },
      ],
    });
  }
  const archive = archiveEmptyStage(scope, stage, now);
  const record = auditInsertIfChanged(
    scope.db,
    audit(ctx, "stage.archived", { type: "stage", id }, { movedDeals: deals, toStageId: target?.id ?? null }),
    ctx.origin,
    now,
  );
  const moves = target
    ? moveAllDeals(
        scope,
        {
          fromStageId: id,
          toStageId: target.id,
          toPipelineId: target.pipelineId,
          closes: target.kind !== "open",
        },
        ctx.actor,
        now,
      )
    : null;
  // The moves run first, so the archive's "no deals left" guard sees the emptied stage.
  const results = moves
    ? await scope.write([...moves, archive, record])
    : await scope.write([archive, record]);
  const archived = results[moves ? moves.length : 0] as { meta: { changes: number } };
  if (archived.meta.changes === 0) {
    throw new ApiError("CONFLICT", "Deals were moved into this stage meanwhile; archive it again.");
  }
}
