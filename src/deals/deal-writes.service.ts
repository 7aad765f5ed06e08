// Creating and editing deals: each checks its references and custom values in one read batch
// (with the session check), then writes the deal and its audit record in one batch.
import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { companies } from "../companies/companies.schema";
import { contacts } from "../contacts/contacts.schema";
import { visibleRecords } from "../crm/visibility";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { applyCustomValues, checkCustomValues } from "../custom-fields/custom-values";
import { membershipOf } from "../members/members.repo";
import { listPipelines, listStages, type StageRow } from "../pipelines/pipelines.repo";
import { ensureDefaultPipeline } from "../pipelines/pipelines.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import type { FieldError } from "../platform/problem";
import { normaliseText } from "../platform/text-normalise";
import { expectedVersion, versionMismatch } from "../platform/versioning";
import {
  dealAudit,
  dealNotFound,
  dealView,
  explainMissedUpdate,
  invalidDeal,
  visibleDeals,
} from "./deal-view";
import {
  dealById,
  insertDeal,
  insertStageChange,
  updateDeal as updateDealRow,
  visibleCompany,
  visibleContact,
} from "./deals.repo";

/** References a write names: checked in the write's read batch, so a bad id writes nothing. */
interface References {
  contactId?: string | null;
  companyId?: string | null;
  ownerId?: string | null;
}

/**
 * The queries that check a write's references, and the tenant's deal fields for its custom
 * values; an absent reference queries an id that cannot exist.
 */
const referenceQueries = (ctx: TenantContext, refs: References) =>
  [
    visibleContact(ctx.scope, refs.contactId ?? "", visibleRecords(ctx, contacts.ownerId)),
    visibleCompany(ctx.scope, refs.companyId ?? "", visibleRecords(ctx, companies.ownerId)),
    membershipOf(ctx.scope, refs.ownerId ?? ""),
    customFieldDefinitionsFor(ctx.scope, "deal"),
  ] as const;

/** Throws one 422 listing every bad reference and every bad custom value (`customErrors`). */
function checkReferences(
  ctx: TenantContext,
  refs: References,
  found: { contact: unknown; company: unknown; member: unknown },
  currentOwnerId: string | null,
  customErrors: readonly FieldError[] = [],
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
  errors.push(...customErrors);
  if (errors.length > 0) throw invalidDeal(errors);
}

export interface CreateDealInput extends References {
  title: string;
  pipelineId?: string;
  stageId?: string;
  amountHalalas?: number;
  expectedCloseOn?: string | null;
  /** Values by field key, checked against the tenant's active deal fields (checkCustomValues). */
  custom?: unknown;
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
      throw invalidDeal([
        { path: "stageId", code: "unknown_stage", message: "Not a live stage of the pipeline." },
      ]);
    }
    return stage;
  }
  const pipelineId = input.pipelineId ?? (pipelines.find((p) => p.isDefault) ?? pipelines[0])?.id;
  if (!pipelineId || !livePipelines.has(pipelineId)) {
    throw invalidDeal([{ path: "pipelineId", code: "unknown_pipeline", message: "No such pipeline." }]);
  }
  const first = stages.find((s) => s.pipelineId === pipelineId && s.kind === "open");
  if (!first)
    throw invalidDeal([
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
  let [pipelines, stages, [contact], [company], [member], definitions] = await read();
  if (pipelines.length === 0 && !input.pipelineId && !input.stageId) {
    // A new tenant's first deal: give it the default pipeline rather than an error.
    await ensureDefaultPipeline(ctx, locale);
    [pipelines, stages, [contact], [company], [member], definitions] = await read();
  }
  const custom = checkCustomValues(definitions, input.custom, { partial: false });
  checkReferences(ctx, input, { contact, company, member }, null, custom.errors);
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
    custom: applyCustomValues({}, custom.values),
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
      dealAudit(ctx, "deal.created", row.id, { stageId: stage.id, ownerId: row.ownerId }),
      ctx.origin,
      now,
    ),
  ]);
  return dealView({ ...row, tenantId: scope.tenantId, status: stage.kind });
}

export interface UpdateDealInput extends References {
  title?: string;
  amountHalalas?: number;
  expectedCloseOn?: string | null;
  lostReason?: string | null;
  /**
   * A JSON merge patch of the custom values: the keys sent are checked and set, null (or "")
   * removes a value, keys not sent stay as they are.
   */
  custom?: unknown;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function updateDeal(
  ctx: TenantContext,
  id: string,
  ifMatch: string | undefined,
  input: UpdateDealInput,
) {
  const { scope, now } = ctx;
  const [[row], [contact], [company], [member], definitions] = await scope.read(
    () => [dealById(scope, id, visibleDeals(ctx)), ...referenceQueries(ctx, input)] as const,
  );
  if (!row) throw dealNotFound();
  const version = expectedVersion(ifMatch);
  if (version !== row.version) throw versionMismatch(row.version);
  const custom =
    input.custom === undefined
      ? undefined
      : checkCustomValues(definitions, input.custom, { partial: true, current: row.custom });
  checkReferences(ctx, input, { contact, company, member }, row.ownerId, custom?.errors);
  const changes: Partial<typeof row> = {};
  for (const [key, value] of Object.entries(input) as [keyof UpdateDealInput, unknown][]) {
    if (key !== "custom" && value !== undefined && row[key] !== value)
      Object.assign(changes, { [key]: value });
  }
  if (custom) {
    const next = applyCustomValues(row.custom, custom.values);
    if (!sameJson(next, row.custom)) changes.custom = next;
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
    auditInsertIfChanged(scope.db, dealAudit(ctx, "deal.updated", id, details), ctx.origin, now),
  ]);
  const [after] = updated;
  if (!after) return explainMissedUpdate(ctx, id);
  return dealView({ ...after, status: row.status });
}
