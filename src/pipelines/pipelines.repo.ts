import { and, asc, count, eq, isNull, ne, notExists, type SQL, sql } from "drizzle-orm";
import { dealStageHistory, deals } from "../deals/deals.schema";
import type { Actor } from "../platform/context";
import type { TenantScope } from "../platform/tenant-scope";
import { pipelineStages, pipelines } from "./pipelines.schema";

export type PipelineRow = typeof pipelines.$inferSelect;
export type StageRow = typeof pipelineStages.$inferSelect;

const live = (column: typeof pipelines.archivedAt | typeof pipelineStages.archivedAt) => isNull(column);

/** The tenant's pipelines in order (live ones only unless `includeArchived`). */
export const listPipelines = (scope: TenantScope, includeArchived: boolean) =>
  scope.db
    .select()
    .from(pipelines)
    .where(scope.where(pipelines.tenantId, includeArchived ? undefined : live(pipelines.archivedAt)))
    .orderBy(asc(pipelines.position), asc(pipelines.createdAt));

/** Live stages of the tenant's pipelines (one pipeline when `pipelineId` is given), in board order. */
export const listStages = (scope: TenantScope, pipelineId?: string) =>
  scope.db
    .select()
    .from(pipelineStages)
    .where(
      scope.where(
        pipelineStages.tenantId,
        live(pipelineStages.archivedAt),
        pipelineId ? eq(pipelineStages.pipelineId, pipelineId) : undefined,
      ),
    )
    .orderBy(asc(pipelineStages.pipelineId), asc(pipelineStages.position));

export const pipelineById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(pipelines)
    .where(scope.where(pipelines.tenantId, eq(pipelines.id, id)));

export const stageById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(pipelineStages)
    .where(scope.where(pipelineStages.tenantId, eq(pipelineStages.id, id)));

/** The live default pipeline (or, if none is marked, the first live one). */
export const defaultPipeline = (scope: TenantScope) =>
  scope.db
    .select()
    .from(pipelines)
    .where(scope.where(pipelines.tenantId, live(pipelines.archivedAt)))
    .orderBy(sql`${pipelines.isDefault} DESC`, asc(pipelines.position), asc(pipelines.createdAt))
    .limit(1);

/** How many deals sit in each stage of a pipeline (archived stages included). */
export const dealCountsByStage = (scope: TenantScope, pipelineId: string) =>
  scope.db
    .select({ stageId: deals.stageId, deals: count() })
    .from(deals)
    .where(scope.where(deals.tenantId, eq(deals.pipelineId, pipelineId)))
    .groupBy(deals.stageId);

export const dealCountInStage = (scope: TenantScope, stageId: string) =>
  scope.db
    .select({ deals: count() })
    .from(deals)
    .where(scope.where(deals.tenantId, eq(deals.stageId, stageId)));

/** Open deals of a pipeline (deals in its stages of kind open). */
export const openDealCountInPipeline = (scope: TenantScope, pipelineId: string) =>
  scope.db
    .select({ deals: count() })
    .from(deals)
    .innerJoin(pipelineStages, eq(pipelineStages.id, deals.stageId))
    .where(scope.where(deals.tenantId, eq(deals.pipelineId, pipelineId), eq(pipelineStages.kind, "open")));

export const insertPipeline = (scope: TenantScope, row: Omit<typeof pipelines.$inferInsert, "tenantId">) =>
  scope.db.insert(pipelines).values({ ...row, tenantId: scope.tenantId });

/**
 * Inserts a pipeline unless it would be a second live default (`pipelines_one_default`): two
 * concurrent "create the first pipeline" calls then make exactly one.
 */
export const insertPipelineUnlessDefaultExists = (
  scope: TenantScope,
  row: Omit<typeof pipelines.$inferInsert, "tenantId">,
) =>
  scope.db
    .insert(pipelines)
    .values({ ...row, tenantId: scope.tenantId })
    .onConflictDoNothing();

export const insertStages = (
  scope: TenantScope,
  rows: Omit<typeof pipelineStages.$inferInsert, "tenantId">[],
) => scope.db.insert(pipelineStages).values(rows.map((row) => ({ ...row, tenantId: scope.tenantId })));

const value = <T>(v: T, name: string) => sql<T>`${v}`.as(name);

/** A stage row as a SELECT list, in the table's column order (for INSERT … SELECT). */
const stageSelection = (
  scope: TenantScope,
  row: Omit<StageRow, "tenantId" | "position" | "archivedAt">,
  position: SQL,
) => ({
  id: value(row.id, "id"),
  tenantId: value(scope.tenantId, "tenant_id"),
  pipelineId: value(row.pipelineId, "pipeline_id"),
  name: value(row.name, "name"),
  kind: value(row.kind, "kind"),
  probability: value(row.probability, "probability"),
  position: sql<number>`${position}`.as("position"),
  archivedAt: sql<null>`NULL`.as("archived_at"),
  createdAt: value(row.createdAt, "created_at"),
});

/** Stages inserted only if their pipeline exists (it may have lost the race to be the default). */
export const insertStagesIfPipelineExists = (
  scope: TenantScope,
  pipelineId: string,
  rows: Omit<StageRow, "tenantId" | "archivedAt">[],
) =>
  rows.map((row) =>
    scope.db.insert(pipelineStages).select(
      scope.db
        .select(stageSelection(scope, row, sql`${row.position}`))
        .from(pipelines)
        .where(scope.where(pipelines.tenantId, eq(pipelines.id, pipelineId))),
    ),
  );

/** A new stage at the end of its pipeline (position computed in the statement). */
export const insertStageAtEnd = (
  scope: TenantScope,
  row: Omit<StageRow, "tenantId" | "position" | "archivedAt">,
) =>
  scope.db.insert(pipelineStages).select(
    scope.db
      .select(stageSelection(scope, row, sql`COALESCE(MAX(${pipelineStages.position}), -1) + 1`))
      .from(pipelineStages)
      .where(scope.where(pipelineStages.tenantId, eq(pipelineStages.pipelineId, row.pipelineId))),
  );

export const updatePipeline = (
  scope: TenantScope,
  id: string,
  changes: Partial<Pick<PipelineRow, "name" | "updatedAt">>,
) =>
  scope.db
    .update(pipelines)
    .set(changes)
    .where(scope.where(pipelines.tenantId, eq(pipelines.id, id), live(pipelines.archivedAt)));

/** The two statements that make `id` the default, in this order (the unique index allows one). */
export const makeDefaultPipeline = (scope: TenantScope, id: string, now: number) =>
  [
    scope.db
      .update(pipelines)
      .set({ isDefault: false, updatedAt: now })
      .where(
        scope.where(
          pipelines.tenantId,
          eq(pipelines.isDefault, true),
          ne(pipelines.id, id),
          // Only when the new default is still live, so a lost race never leaves no default.
          sql`EXISTS (SELECT 1 FROM pipelines p WHERE p.tenant_id = ${scope.tenantId} AND p.id = ${id} AND p.archived_at IS NULL)`,
        ),
      ),
    scope.db
      .update(pipelines)
      .set({ isDefault: true, updatedAt: now })
      .where(scope.where(pipelines.tenantId, eq(pipelines.id, id), live(pipelines.archivedAt))),
  ] as const;

/** Archives a pipeline unless it is the default or has open deals (checked when it runs). */
export const archivePipeline = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(pipelines)
    .set({ archivedAt: now, updatedAt: now })
    .where(
      scope.where(
        pipelines.tenantId,
        eq(pipelines.id, id),
        live(pipelines.archivedAt),
        eq(pipelines.isDefault, false),
        notExists(
          scope.db
            .select({ one: sql`1` })
            .from(deals)
            .innerJoin(pipelineStages, eq(pipelineStages.id, deals.stageId))
            .where(
              and(
                eq(deals.tenantId, scope.tenantId),
                eq(deals.pipelineId, id),
                eq(pipelineStages.kind, "open"),
              ),
            ),
        ),
      ),
    );

export const updateStage = (
  scope: TenantScope,
  id: string,
  changes: Partial<Pick<StageRow, "name" | "kind" | "probability">>,
) =>
  scope.db
    .update(pipelineStages)
    .set(changes)
    .where(scope.where(pipelineStages.tenantId, eq(pipelineStages.id, id), live(pipelineStages.archivedAt)));

/** One statement that gives every listed stage its index in `stageIds` as position. */
export function reorderStages(scope: TenantScope, pipelineId: string, stageIds: string[]) {
  const cases = sql.join(
    stageIds.map((id, index) => sql`WHEN ${id} THEN ${index}`),
    sql` `,
  );
  return scope.db
    .update(pipelineStages)
    .set({ position: sql`CASE ${pipelineStages.id} ${cases} ELSE ${pipelineStages.position} END` })
    .where(
      scope.where(
        pipelineStages.tenantId,
        eq(pipelineStages.pipelineId, pipelineId),
        live(pipelineStages.archivedAt),
      ),
    );
}

/**
 * Moves every deal of `fromStageId` to `toStageId`, recording each move in the stage history
 * first (the rows are chosen when the batch runs, so a deal moved in meanwhile is included).
 */
export function moveAllDeals(
  scope: TenantScope,
  move: { fromStageId: string; toStageId: string; toPipelineId: string; closes: boolean },
  actor: Actor,
  now: number,
) {
  const inFromStage = and(eq(deals.tenantId, scope.tenantId), eq(deals.stageId, move.fromStageId));
  return [
    scope.db.insert(dealStageHistory).select(
      scope.db
        .select({
          id: sql<string>`'dsh_' || lower(hex(randomblob(10)))`.as("id"),
          tenantId: deals.tenantId,
          dealId: deals.id,
          pipelineId: value(move.toPipelineId, "pipeline_id"),
          fromStageId: deals.stageId,
          toStageId: value(move.toStageId, "to_stage_id"),
          actorType: value(actor.type, "actor_type"),
          actorId: value(actor.id, "actor_id"),
          at: value(now, "at"),
        })
        .from(deals)
        .where(inFromStage),
    ),
    scope.db
      .update(deals)
      .set({
        stageId: move.toStageId,
        pipelineId: move.toPipelineId,
        stageChangedAt: now,
        updatedAt: now,
        closedAt: move.closes ? sql`COALESCE(${deals.closedAt}, ${now})` : null,
        version: sql`${deals.version} + 1`,
      })
      .where(inFromStage),
  ] as const;
}

/**
 * Archives a stage unless deals are still in it when the statement runs, and never the last live
 * open stage of its pipeline (new deals need one).
 */
export const archiveEmptyStage = (
  scope: TenantScope,
  stage: { id: string; pipelineId: string },
  now: number,
) =>
  scope.db
    .update(pipelineStages)
    .set({ archivedAt: now })
    .where(
      scope.where(
        pipelineStages.tenantId,
        eq(pipelineStages.id, stage.id),
        live(pipelineStages.archivedAt),
        sql`NOT EXISTS (SELECT 1 FROM deals WHERE tenant_id = ${scope.tenantId} AND stage_id = ${stage.id})`,
        sql`EXISTS (SELECT 1 FROM pipeline_stages s WHERE s.tenant_id = ${scope.tenantId} AND s.pipeline_id = ${stage.pipelineId}
                    AND s.id <> ${stage.id} AND s.kind = 'open' AND s.archived_at IS NULL)`,
      ),
    );
