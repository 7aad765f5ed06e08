import { asc, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import type { TenantScope } from "../platform/tenant-scope";
import { billingCredits } from "./billing-credits.schema";

export type BillingCreditRow = typeof billingCredits.$inferSelect;

/** An operator's credit; the tenant is the operator's choice, not a caller's scope. */
export const insertCredit = (db: Db, row: BillingCreditRow) => db.insert(billingCredits).values(row);

/** Credits not spent yet, oldest first: the order a checkout takes them in. */
export const availableCreditsOf = (scope: TenantScope) =>
  scope.db
    .select()
    .from(billingCredits)
    .where(scope.where(billingCredits.tenantId, isNull(billingCredits.consumedByCheckoutId)))
    .orderBy(asc(billingCredits.createdAt), asc(billingCredits.id));

/**
 * Spends the credits a paid checkout took off its price. Only those still unspent: a redelivered
 * confirmation changes nothing, and a credit is never spent twice.
 */
export const consumeCredits = (scope: TenantScope, checkoutId: string, creditIds: string[]) =>
  scope.db
    .update(billingCredits)
    .set({ consumedByCheckoutId: checkoutId })
    .where(
      scope.where(
        billingCredits.tenantId,
        inArray(billingCredits.id, creditIds),
        isNull(billingCredits.consumedByCheckoutId),
      ),
    );

/** A tenant's credits for the operator console, newest first. */
export const creditsOfTenant = (db: Db, tenantId: string, limit: number) =>
  db
    .select()
    .from(billingCredits)
    .where(eq(billingCredits.tenantId, tenantId))
    .orderBy(desc(billingCredits.createdAt), desc(billingCredits.id))
    .limit(limit);
