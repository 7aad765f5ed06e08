import type { TenantScope } from "../platform/tenant-scope";
import { billingProfiles } from "./billing-profile.schema";

export type BillingProfileRow = typeof billingProfiles.$inferSelect;

export const billingProfileOf = (scope: TenantScope) =>
  scope.db.select().from(billingProfiles).where(scope.where(billingProfiles.tenantId));

export const upsertBillingProfile = (scope: TenantScope, row: Omit<BillingProfileRow, "tenantId">) =>
  scope.db
    .insert(billingProfiles)
    .values({ ...row, tenantId: scope.tenantId })
    .onConflictDoUpdate({
      target: billingProfiles.tenantId,
      set: {
        legalName: row.legalName,
        vatNumber: row.vatNumber,
        address: row.address,
        updatedBy: row.updatedBy,
        updatedAt: row.updatedAt,
      },
    });
