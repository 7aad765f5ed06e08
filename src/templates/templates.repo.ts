import { sql } from "drizzle-orm";
import { pipelines } from "../pipelines/pipelines.schema";
import type { TenantScope } from "../platform/tenant-scope";

export interface NewTemplatePipeline {
  id: string;
  name: string;
  isDefault: boolean;
  position: number;
}

const value = <T>(v: T, name: string) => sql<T>`${v}`.as(name);

/**
 * Inserts a template's pipelines, each only while the tenant has no other pipeline of that
 * template: decided inside the statement, so two concurrent applies (D1 runs batches one at a
 * time) add the set once. The ids of the set itself are excluded so its own rows do not block it.
 */
export function insertTemplatePipelines(
  scope: TenantScope,
  template: string,
  rows: NewTemplatePipeline[],
  now: number,
) {
  const ids = rows.map((row) => row.id);
  return rows.map((row) =>
    scope.db.insert(pipelines).select(
      scope.db
        .select({
          id: value(row.id, "id"),
          tenantId: value(scope.tenantId, "tenant_id"),
          name: value(row.name, "name"),
          isDefault: value(row.isDefault ? 1 : 0, "is_default"),
          position: value(row.position, "position"),
          template: value(template, "template"),
          archivedAt: sql<null>`NULL`.as("archived_at"),
          createdAt: value(now, "created_at"),
          updatedAt: value(now, "updated_at"),
        })
        .from(sql`(SELECT 1)`)
        .where(
          sql`NOT EXISTS (SELECT 1 FROM ${pipelines} WHERE ${pipelines.tenantId} = ${scope.tenantId} AND ${pipelines.template} = ${template} AND ${pipelines.id} NOT IN (SELECT value FROM json_each(${JSON.stringify(ids)})))`,
        ),
    ),
  );
}
