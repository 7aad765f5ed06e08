import { and, asc, eq, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { TenantScope } from "../platform/tenant-scope";
import { type CUSTOM_FIELD_OBJECTS, customFieldDefinitions } from "./custom-fields.schema";

export type CustomFieldDefinitionRow = typeof customFieldDefinitions.$inferSelect;
export type CustomFieldObject = (typeof CUSTOM_FIELD_OBJECTS)[number];

const inDisplayOrder = [asc(customFieldDefinitions.position), asc(customFieldDefinitions.createdAt)];

/**
 * Every definition of one object (archived ones too: their stored values stay readable and
 * checkCustomValues must know them), in display order. A query, not a call: put it in the
 * caller's `scope.read(() => [...])` batch with the record it goes with, so a form or a record
 * write costs no extra round trip.
 */
export const customFieldDefinitionsFor = (scope: TenantScope, objectType: CustomFieldObject) =>
  scope.db
    .select()
    .from(customFieldDefinitions)
    .where(scope.where(customFieldDefinitions.tenantId, eq(customFieldDefinitions.objectType, objectType)))
    .orderBy(...inDisplayOrder);

/** All the tenant's definitions, or one object's, grouped by object then in display order. */
export const listCustomFieldDefinitions = (scope: TenantScope, objectType: CustomFieldObject | undefined) =>
  scope.db
    .select()
    .from(customFieldDefinitions)
    .where(
      scope.where(
        customFieldDefinitions.tenantId,
        objectType ? eq(customFieldDefinitions.objectType, objectType) : undefined,
      ),
    )
    .orderBy(asc(customFieldDefinitions.objectType), ...inDisplayOrder);

export const customFieldDefinitionById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(customFieldDefinitions)
    .where(scope.where(customFieldDefinitions.tenantId, eq(customFieldDefinitions.id, id)));

/** The tenant's active fields on an object, counted inside the statement that adds one. */
const activeFieldCount = (scope: TenantScope, objectType: CustomFieldObject) =>
  sql`(SELECT count(*) FROM ${customFieldDefinitions} WHERE ${customFieldDefinitions.tenantId} = ${scope.tenantId} AND ${customFieldDefinitions.objectType} = ${objectType} AND ${customFieldDefinitions.archivedAt} IS NULL)`;

export type NewCustomFieldDefinition = Omit<CustomFieldDefinitionRow, "tenantId" | "position">;

/**
 * Adds a definition at the end of its object's list, unless the object already has `limit`
 * active fields: decided inside the one statement, so concurrent adds cannot pass the limit
 * together. Returns the row, or nothing when the limit was reached. A key already taken on the
 * object fails on the unique index (custom_field_definitions_key).
 */
export function insertCustomFieldDefinitionWithinLimit(
  scope: TenantScope,
  row: NewCustomFieldDefinition,
  limit: number,
) {
  const t = customFieldDefinitions;
  const value = (v: unknown, name: string) => sql`${v}`.as(name);
  return scope.db
    .insert(t)
    .select(
      scope.db
        .select({
          id: value(row.id, "id"),
          tenantId: value(scope.tenantId, "tenant_id"),
          objectType: value(row.objectType, "object_type"),
          key: value(row.key, "key"),
          labelAr: value(row.labelAr, "label_ar"),
          labelEn: value(row.labelEn, "label_en"),
          type: value(row.type, "type"),
          options: value(row.options ? JSON.stringify(row.options) : null, "options"),
          required: value(row.required ? 1 : 0, "required"),
          format: value(row.format, "format"),
          position:
            sql`(SELECT coalesce(max(${t.position}), -1) + 1 FROM ${t} WHERE ${t.tenantId} = ${scope.tenantId} AND ${t.objectType} = ${row.objectType})`.as(
              "position",
            ),
          template: value(row.template, "template"),
          archivedAt: value(row.archivedAt, "archived_at"),
          createdAt: value(row.createdAt, "created_at"),
          updatedAt: value(row.updatedAt, "updated_at"),
        })
        .from(sql`(SELECT 1)`)
        .where(sql`${activeFieldCount(scope, row.objectType)} < ${limit}`),
    )
    .returning();
}

export type CustomFieldChanges = Partial<
  Pick<CustomFieldDefinitionRow, "labelAr" | "labelEn" | "options" | "required" | "position">
>;

export const updateCustomFieldDefinition = (
  scope: TenantScope,
  id: string,
  changes: CustomFieldChanges,
  now: number,
) =>
  scope.db
    .update(customFieldDefinitions)
    .set({ ...changes, updatedAt: now })
    .where(scope.where(customFieldDefinitions.tenantId, eq(customFieldDefinitions.id, id)))
    .returning();

/** Archives an active field; no row comes back when it was archived already. */
export const archiveCustomFieldDefinition = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(customFieldDefinitions)
    .set({ archivedAt: now, updatedAt: now })
    .where(
      scope.where(
        customFieldDefinitions.tenantId,
        eq(customFieldDefinitions.id, id),
        isNull(customFieldDefinitions.archivedAt),
      ),
    )
    .returning();

/** Restores an archived field while its object has fewer than `limit` active fields. */
export const restoreCustomFieldDefinition = (
  scope: TenantScope,
  field: { id: string; objectType: CustomFieldObject },
  limit: number,
  now: number,
) =>
  scope.db
    .update(customFieldDefinitions)
    .set({ archivedAt: null, updatedAt: now })
    .where(
      scope.where(
        customFieldDefinitions.tenantId,
        eq(customFieldDefinitions.id, field.id),
        isNotNull(customFieldDefinitions.archivedAt),
        and(sql`${activeFieldCount(scope, field.objectType)} < ${limit}`) as SQL,
      ),
    )
    .returning();
