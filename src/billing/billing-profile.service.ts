import { auditInsert } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { type BillingProfileRow, billingProfileOf, upsertBillingProfile } from "./billing-profile.repo";

const profileView = (row: BillingProfileRow | undefined) => ({
  legalName: row?.legalName ?? null,
  vatNumber: row?.vatNumber ?? null,
  address: row?.address ?? null,
  invoiceType: row?.vatNumber ? ("standard" as const) : ("simplified" as const),
  updatedAt: row ? new Date(row.updatedAt).toISOString() : null,
});

export async function getBillingProfile(ctx: TenantContext) {
  const [[row]] = await ctx.scope.read(() => [billingProfileOf(ctx.scope)] as const);
  return profileView(row);
}

/**
 * Sets who Dealix invoices. Applies to payments from now on: invoices already issued keep the
 * buyer they were issued to. Allowed while the account is read-only, like paying.
 */
export async function setBillingProfile(
  ctx: TenantContext,
  input: { legalName: string; vatNumber?: string | null; address?: string | null },
) {
  const { scope, now } = ctx;
  const row = {
    legalName: input.legalName,
    vatNumber: input.vatNumber ?? null,
    address: input.address ?? null,
    updatedBy: ctx.actor.id,
    updatedAt: now,
  };
  await scope.write(
    [
      upsertBillingProfile(scope, row),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "billing.profile_updated",
          target: { type: "tenant", id: scope.tenantId },
          details: { vatRegistered: row.vatNumber !== null },
        },
        ctx.origin,
        now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  return profileView({ ...row, tenantId: scope.tenantId });
}
