// Moving a deal between stages and places on the board.
import { auditInsertIfChanged } from "../audit/audit.service";
import { listStages } from "../pipelines/pipelines.repo";
import type { TenantContext } from "../platform/context";
import { expectedVersion, versionMismatch } from "../platform/versioning";
import {
  dealAudit,
  dealNotFound,
  dealView,
  explainMissedUpdate,
  invalidDeal,
  visibleDeals,
} from "./deal-view";
import { dealById, moveDealStatements, rankAbove, rankInStage } from "./deals.repo";

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
  if (!row) throw dealNotFound();
  const version = ifMatch === undefined ? null : expectedVersion(ifMatch);
  if (version !== null && version !== row.version) throw versionMismatch(row.version);
  const stage = stages.find((s) => s.id === input.stageId);
  if (!stage) throw invalidDeal([{ path: "stageId", code: "unknown_stage", message: "Not a live stage." }]);
  if (before && (!beforeDeal || before === id)) {
    throw invalidDeal([
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
      dealAudit(ctx, "deal.moved", id, { fromStageId: row.stageId, toStageId: stage.id }),
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
