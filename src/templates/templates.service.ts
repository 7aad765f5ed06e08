import { auditInsert } from "../audit/audit.service";
import { MAX_ACTIVE_FIELDS_PER_OBJECT } from "../custom-fields/custom-fields.model";
import {
  type CustomFieldDefinitionRow,
  insertCustomFieldDefinitionWithinLimit,
  listCustomFieldDefinitions,
} from "../custom-fields/custom-fields.repo";
import { insertStagesIfPipelineExists, listPipelines } from "../pipelines/pipelines.repo";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { TEMPLATES, type Template, templateByKey } from "./templates.catalogue";
import type { ApplyOutcome } from "./templates.model";
import { insertTemplatePipelines } from "./templates.repo";

type Locale = "ar" | "en";

const templateView = (template: Template, applied: boolean) => ({
  key: template.key,
  name: template.name,
  description: template.description,
  applied,
  pipelines: template.pipelines,
  customFields: template.fields.map((field) => ({
    objectType: field.objectType,
    key: field.key,
    labelAr: field.labelAr,
    labelEn: field.labelEn,
    type: field.type,
    options: field.options ?? null,
    format: field.format ?? null,
  })),
});

export type TemplateView = ReturnType<typeof templateView>;

/** Every template, with whether this tenant has applied it (one round trip). */
export async function listTemplates(ctx: TenantContext): Promise<TemplateView[]> {
  const { scope } = ctx;
  const [pipelineRows, fieldRows] = await scope.read(
    () => [listPipelines(scope, true), listCustomFieldDefinitions(scope, undefined)] as const,
  );
  const applied = new Set([...pipelineRows, ...fieldRows].map((row) => row.template));
  return TEMPLATES.map((template) => templateView(template, applied.has(template.key)));
}

const isUniqueViolation = (error: unknown) =>
  String((error as { cause?: unknown })?.cause ?? error).includes("UNIQUE constraint failed") ||
  String(error).includes("UNIQUE constraint failed");

interface FieldPlan {
  objectType: Template["fields"][number]["objectType"];
  key: string;
  outcome: ApplyOutcome;
  id: string | null;
}

/**
 * What applying would add: every field whose key is free on its object while the object stays
 * within its active-field limit. A field this template added before is `already_applied`; a
 * field of the tenant's own with the same key is kept and reported as `key_taken`.
 */
function planFields(template: Template, existing: CustomFieldDefinitionRow[]): FieldPlan[] {
  const active = new Map<string, number>();
  for (const row of existing) {
    if (row.archivedAt === null) active.set(row.objectType, (active.get(row.objectType) ?? 0) + 1);
  }
  return template.fields.map((field) => {
    const same = existing.find((row) => row.objectType === field.objectType && row.key === field.key);
    const base = { objectType: field.objectType, key: field.key, id: null };
    if (same) return { ...base, outcome: same.template === template.key ? "already_applied" : "key_taken" };
    const count = active.get(field.objectType) ?? 0;
    if (count >= MAX_ACTIVE_FIELDS_PER_OBJECT) return { ...base, outcome: "limit_reached" };
    active.set(field.objectType, count + 1);
    return { ...base, outcome: "added", id: newId(idPrefixes.customField) };
  });
}

/**
 * Adds a template's pipelines (with stages) and custom fields in one batch with one audit row.
 * Idempotent per template: pipelines and fields carry `template` = key, and what is there already
 * is skipped, so a second apply adds nothing. Pipeline and stage names are written in `locale`.
 */
export async function applyTemplate(ctx: TenantContext, key: string, locale: Locale) {
  const template = templateByKey(key);
  if (!template) throw new ApiError("NOT_FOUND", `No template "${key}".`);
  const { scope, now } = ctx;
  const [pipelineRows, fieldRows] = await scope.read(
    () => [listPipelines(scope, true), listCustomFieldDefinitions(scope, undefined)] as const,
  );
  const pipelinesApplied = pipelineRows.some((row) => row.template === template.key);
  const noLivePipeline = !pipelineRows.some((row) => row.archivedAt === null);
  const firstPosition = pipelineRows.reduce((max, row) => Math.max(max, row.position + 1), 0);
  const newPipelines = pipelinesApplied
    ? []
    : template.pipelines.map((pipeline, index) => ({
        id: newId(idPrefixes.pipeline),
        name: pipeline.name[locale],
        // A tenant without a pipeline gets the template's first one as its default.
        isDefault: noLivePipeline && index === 0,
        position: firstPosition + index,
        stages: pipeline.stages.map((stage, position) => ({
          id: newId(idPrefixes.stage),
          pipelineId: "",
          name: stage.name[locale],
          kind: stage.kind,
          probability: stage.probability,
          position,
          createdAt: now,
        })),
      }));
  const fields = planFields(template, fieldRows);
  const fieldsToAdd = fields.filter((field) => field.outcome === "added");
  const pipelineInserts = insertTemplatePipelines(scope, template.key, newPipelines, now);
  const stageInserts = newPipelines.flatMap((pipeline) =>
    insertStagesIfPipelineExists(
      scope,
      pipeline.id,
      pipeline.stages.map((stage) => ({ ...stage, pipelineId: pipeline.id })),
    ),
  );
  const fieldInserts = fieldsToAdd.map((plan) => {
    const field = template.fields.find((f) => f.objectType === plan.objectType && f.key === plan.key);
    if (!field || !plan.id) throw new Error("applyTemplate: a planned field is missing");
    return insertCustomFieldDefinitionWithinLimit(
      scope,
      {
        id: plan.id,
        objectType: field.objectType,
        key: field.key,
        labelAr: field.labelAr,
        labelEn: field.labelEn,
        type: field.type,
        options: field.options ?? null,
        required: false,
        format: field.format ?? null,
        template: template.key,
        archivedAt: null,
        createdAt: now,
        updatedAt: now,
      },
      MAX_ACTIVE_FIELDS_PER_OBJECT,
    );
  });
  const pipelineOutcomes = template.pipelines.map((pipeline, index) => ({
    name: pipeline.name[locale],
    outcome: (pipelinesApplied ? "already_applied" : "added") as "added" | "already_applied",
    id: newPipelines[index]?.id ?? null,
  }));
  if (pipelineInserts.length + fieldInserts.length > 0) {
    const audit = auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "template.applied",
        target: { type: "template", id: template.key },
        details: {
          pipelines: newPipelines.length,
          customFields: fieldsToAdd.map((field) => `${field.objectType}.${field.key}`).join(" "),
        },
      },
      ctx.origin,
      now,
    );
    let results: unknown[];
    try {
      results = await scope.write([audit, ...pipelineInserts, ...stageInserts, ...fieldInserts]);
    } catch (error) {
      // Another apply, a new default pipeline or a field with one of these keys won a race.
      if (isUniqueViolation(error)) {
        throw new ApiError("CONFLICT", "The tenant's pipelines or fields changed meanwhile; apply again.");
      }
      throw error;
    }
    const pipelineResults = results.slice(1, 1 + pipelineInserts.length) as { meta: { changes: number } }[];
    if (pipelineResults.some((result) => result.meta.changes === 0)) {
      for (const outcome of pipelineOutcomes)
        Object.assign(outcome, { outcome: "already_applied", id: null });
    }
    const fieldResults = results.slice(results.length - fieldInserts.length) as unknown[][];
    fieldsToAdd.forEach((plan, index) => {
      if ((fieldResults[index] ?? []).length === 0)
        Object.assign(plan, { outcome: "limit_reached", id: null });
    });
  }
  return { template: template.key, pipelines: pipelineOutcomes, customFields: fields };
}
