import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { TenantScope } from "../platform/tenant-scope";
import { whatsappAccounts } from "./messaging.schema";

export type WhatsAppAccountRow = typeof whatsappAccounts.$inferSelect;

/** The account a webhook names (`?account=`): looked up before the tenant is known. */
export const accountById = (db: Db, id: string) =>
  db.select().from(whatsappAccounts).where(eq(whatsappAccounts.id, id)).limit(1);

export const accountOfTenant = (scope: TenantScope) =>
  scope.db.select().from(whatsappAccounts).where(scope.where(whatsappAccounts.tenantId)).limit(1);

/** Connects or replaces the tenant's number (one per tenant); the id stays when it is replaced. */
export const upsertAccount = (scope: TenantScope, row: Omit<WhatsAppAccountRow, "tenantId">) =>
  scope.db
    .insert(whatsappAccounts)
    .values({ ...row, tenantId: scope.tenantId })
    .onConflictDoUpdate({
      target: whatsappAccounts.tenantId,
      set: {
        phoneNumberId: row.phoneNumberId,
        displayPhone: row.displayPhone,
        businessAccountId: row.businessAccountId,
        accessTokenEnc: row.accessTokenEnc,
        appSecretEnc: row.appSecretEnc,
        verifyTokenEnc: row.verifyTokenEnc,
        updatedAt: row.updatedAt,
      },
    })
    .returning();

export const deleteAccount = (scope: TenantScope) =>
  scope.db
    .delete(whatsappAccounts)
    .where(scope.where(whatsappAccounts.tenantId))
    .returning({ id: whatsappAccounts.id });
