// What every deal operation shares: the API view of a row, the visibility rule, the problems it
// answers and the audit record's shape.
import { visibleRecords } from "../crm/visibility";
import type { TenantContext } from "../platform/context";
import { ApiError, type FieldError } from "../platform/problem";
import { versionMismatch } from "../platform/versioning";
import { type DealWithStatus, dealVersion } from "./deals.repo";
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
  custom: row.custom,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
  stageChangedAt: new Date(row.stageChangedAt).toISOString(),
  closedAt: iso(row.closedAt),
  version: row.version,
});

export type DealView = ReturnType<typeof dealView>;

export const visibleDeals = (ctx: TenantContext) => visibleRecords(ctx, deals.ownerId);

export const dealNotFound = () => new ApiError("NOT_FOUND", "No such deal.");

export const invalidDeal = (errors: FieldError[]) =>
  new ApiError(
    "VALIDATION_FAILED",
    errors.some((error) => error.path.startsWith("custom"))
      ? "Some fields are invalid."
      : "Some fields name records you cannot use.",
    { errors },
  );

export const dealAudit = (
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

/** After a guarded update changed nothing: 404 when the deal is gone from view, else 412. */
export async function explainMissedUpdate(ctx: TenantContext, id: string): Promise<never> {
  const [[current]] = await ctx.scope.read(() => [dealVersion(ctx.scope, id, visibleDeals(ctx))] as const);
  if (!current) throw dealNotFound();
  throw versionMismatch(current.version);
}
