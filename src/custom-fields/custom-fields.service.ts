import { auditInsertIfChanged } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import {
  type CreateCustomFieldInput,
  MAX_ACTIVE_FIELDS_PER_OBJECT,
  type UpdateCustomFieldInput,
} from "./custom-fields.model";
import {
  archiveCustomFieldDefinition,
  type CustomFieldDefinitionRow,
  type CustomFieldObject,
  customFieldDefinitionById,
  insertCustomFieldDefinitionWithinLimit,
  listCustomFieldDefinitions,
  restoreCustomFieldDefinition,
  updateCustomFieldDefinition,
} from "./custom-fields.repo";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const customFieldView = (row: CustomFieldDefinitionRow) => ({
  id: row.id,
  objectType: row.objectType,
  key: row.key,
  labelAr: row.labelAr,
  labelEn: row.labelEn,
  type: row.type,
  options: row.options ?? null,
  required: row.required,
  format: row.format,
  position: row.position,
  template: row.template,
  archivedAt: iso(row.archivedAt),
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

export type CustomFieldView = ReturnType<typeof customFieldView>;

const limitReached = () =>
  new ApiError(
    "CONFLICT",
    `An object has at most ${MAX_ACTIVE_FIELDS_PER_OBJECT} active custom fields; archive one first.`,
  );

const notFound = () => new ApiError("NOT_FOUND", "No such custom field.");

const isUniqueViolation = (error: unknown) =>
  String((error as { cause?: unknown })?.cause ?? error).includes("UNIQUE constraint failed") ||
  String(error).includes("UNIQUE constraint failed");

/** The tenant's definitions (one object's or all), archived ones included, in display order. */
export async function customFields(ctx: TenantContext, objectType: CustomFieldObject | undefined) {
  const [rows] = await ctx.scope.read(() => [listCustomFieldDefinitions(ctx.scope, objectType)] as const);
  return rows.map(customFieldView);
}

/** Adds a field at the end of its object's list: 409 for a key taken or the limit reached. */
export async function createCustomField(ctx: TenantContext, input: CreateCustomFieldInput) {
  const { scope, now } = ctx;
  const id = newId(idPrefixes.customField);
  let inserted: CustomFieldDefinitionRow[];
  try {
    [inserted] = await scope.write([
      insertCustomFieldDefinitionWithinLimit(
        scope,
        {
          id,
          objectType: input.objectType,
          key: input.key,
          labelAr: input.labelAr,
          labelEn: input.labelEn,
          type: input.type,
          options: input.options ?? null,
          required: input.required,
          format: null,
          template: null,
          archivedAt: null,
          createdAt: now,
          updatedAt: now,
        },
        MAX_ACTIVE_FIELDS_PER_OBJECT,
      ),
      auditInsertIfChanged(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "custom_field.created",
          target: { type: "custom_field", id },
          details: { objectType: input.objectType, key: input.key, type: input.type },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ApiError(
        "CONFLICT",
        `The ${input.objectType} object already has a field with key "${input.key}".`,
      );
    }
    throw error;
  }
  const [row] = inserted;
  if (!row) throw limitReached();
  return customFieldView(row);
}

/** Changes labels, options, required or position; the key and type never change. */
export async function updateCustomField(ctx: TenantContext, id: string, input: UpdateCustomFieldInput) {
  const { scope, now } = ctx;
  const [[field]] = await scope.read(() => [customFieldDefinitionById(scope, id)] as const);
  if (!field) throw notFound();
  if (input.options && field.type !== "select" && field.type !== "multi_select") {
    throw new ApiError("VALIDATION_FAILED", "Only select fields have options.", {
      errors: [{ path: "options", code: "custom", message: "Only select fields have options." }],
    });
  }
  const changed = Object.keys(input).sort().join(" ");
  const [[row]] = await scope.write([
    updateCustomFieldDefinition(scope, id, input, now),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "custom_field.updated",
        target: { type: "custom_field", id },
        details: { key: field.key, changed },
      },
      ctx.origin,
      now,
    ),
  ]);
  if (!row) throw notFound();
  return customFieldView(row);
}

/** Hides a field from forms and refuses writes to it; records keep their values (idempotent). */
export async function archiveCustomField(ctx: TenantContext, id: string) {
  const { scope, now } = ctx;
  const [[field]] = await scope.read(() => [customFieldDefinitionById(scope, id)] as const);
  if (!field) throw notFound();
  if (field.archivedAt !== null) return customFieldView(field);
  const [[row]] = await scope.write([
    archiveCustomFieldDefinition(scope, id, now),
    auditInsertIfChanged(scope.db, fieldEvent(ctx, "custom_field.archived", field), ctx.origin, now),
  ]);
  return customFieldView(row ?? field);
}

/** Brings an archived field back (idempotent); 409 when its object is at the limit. */
export async function restoreCustomField(ctx: TenantContext, id: string) {
  const { scope, now } = ctx;
  const [[field]] = await scope.read(() => [customFieldDefinitionById(scope, id)] as const);
  if (!field) throw notFound();
  if (field.archivedAt === null) return customFieldView(field);
  const [[row]] = await scope.write([
    restoreCustomFieldDefinition(scope, field, MAX_ACTIVE_FIELDS_PER_OBJECT, now),
    auditInsertIfChanged(scope.db, fieldEvent(ctx, "custom_field.restored", field), ctx.origin, now),
  ]);
  if (row) return customFieldView(row);
  // Nothing changed: restored by someone else meanwhile, or the object is full.
  const [[current]] = await scope.read(() => [customFieldDefinitionById(scope, id)] as const);
  if (current && current.archivedAt === null) return customFieldView(current);
  throw limitReached();
}

const fieldEvent = (ctx: TenantContext, action: string, field: CustomFieldDefinitionRow) => ({
  tenantId: ctx.scope.tenantId,
  actor: ctx.actor,
  action,
  target: { type: "custom_field", id: field.id },
  details: { objectType: field.objectType, key: field.key },
});
