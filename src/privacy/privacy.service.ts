import type { Db } from "../db/client";
import type { TenantContext } from "../platform/context";
import { ApiError } from "../platform/problem";
import { effectivePeriods } from "../retention/retention.policy";
import { policyOf } from "../retention/retention.repo";
import { tenantById } from "../tenants/tenants.repo";
import { recordsOfProcessing } from "./processing-records";

/** The tenant's record of processing, from configuration, its name and retention, in one round trip. */
export async function tenantProcessingRecords(ctx: TenantContext) {
  const { scope, now } = ctx;
  const [[tenant], [policy]] = await scope.read(
    () => [tenantById(scope.db, scope.tenantId), policyOf(scope.db, scope.tenantId)] as const,
  );
  if (!tenant) throw new ApiError("NOT_FOUND", "No such tenant.");
  return recordsOfProcessing(
    { id: tenant.id, name: { ar: tenant.nameAr, en: tenant.nameEn } },
    effectivePeriods(policy?.periods),
    now,
  );
}

/**
 * What a tenant's public privacy notice needs: its name and retention periods. Public by tenant id
 * (ids are unguessable); an unknown tenant is a 404.
 */
export async function publicNoticeOf(db: Db, tenantId: string) {
  const [[tenant], [policy]] = await db.batch([tenantById(db, tenantId), policyOf(db, tenantId)]);
  if (!tenant) throw new ApiError("NOT_FOUND", "No such business.");
  return {
    tenantId: tenant.id,
    name: { ar: tenant.nameAr, en: tenant.nameEn },
    retention: effectivePeriods(policy?.periods),
  };
}
