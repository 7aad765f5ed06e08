import { and, count, desc, eq, sql, sum } from "drizzle-orm";
import { billingCheckouts, billingPayments } from "../billing/checkouts.schema";
import { subscriptions } from "../billing/subscriptions.schema";
import { taxInvoices } from "../billing/tax-invoices.schema";
import type { Db } from "../db/client";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import { tenants } from "../tenants/tenants.schema";

/** How many checkouts and payments a tenant's console view shows, newest first. */
export const DETAIL_ROWS = 50;

// The newest payment travels with its tenant's row as one JSON value: no query per tenant.
const lastPaymentJson = sql<
  string | null
>`(SELECT json_object('status', p.status, 'amountHalalas', p.amount_halalas, 'currency', p.currency, 'at', p.created_at) FROM ${billingPayments} p WHERE p.tenant_id = ${tenants.id} ORDER BY p.created_at DESC, p.id DESC LIMIT 1)`;

const tenantColumns = {
  id: tenants.id,
  nameAr: tenants.nameAr,
  nameEn: tenants.nameEn,
  plan: subscriptions.plan,
  period: subscriptions.period,
  status: subscriptions.status,
  trialEndsAt: subscriptions.trialEndsAt,
  currentPeriodEnd: subscriptions.currentPeriodEnd,
  cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd,
  pendingPlan: subscriptions.pendingPlan,
  pendingPeriod: subscriptions.pendingPeriod,
  updatedAt: subscriptions.updatedAt,
  createdAt: tenants.createdAt,
  lastPayment: lastPaymentJson,
};

export type BillingTenantRow = Awaited<ReturnType<typeof billingTenantPage>>[number];

/** Tenants with their subscription, newest tenant first, `limit + 1` rows for toPage. */
export const billingTenantPage = (db: Db, after: CursorPosition | null, limit: number) =>
  db
    .select(tenantColumns)
    .from(tenants)
    .innerJoin(subscriptions, eq(subscriptions.tenantId, tenants.id))
    .where(continuingAfter(tenants.createdAt, tenants.id, after, "desc"))
    .orderBy(desc(tenants.createdAt), desc(tenants.id))
    .limit(limit + 1);

export const billingTenant = (db: Db, tenantId: string) =>
  db
    .select(tenantColumns)
    .from(tenants)
    .innerJoin(subscriptions, eq(subscriptions.tenantId, tenants.id))
    .where(eq(tenants.id, tenantId));

export const checkoutsOfTenant = (db: Db, tenantId: string) =>
  db
    .select()
    .from(billingCheckouts)
    .where(eq(billingCheckouts.tenantId, tenantId))
    .orderBy(desc(billingCheckouts.createdAt), desc(billingCheckouts.id))
    .limit(DETAIL_ROWS);

export const paymentsOfTenant = (db: Db, tenantId: string) =>
  db
    .select()
    .from(billingPayments)
    .where(eq(billingPayments.tenantId, tenantId))
    .orderBy(desc(billingPayments.createdAt), desc(billingPayments.id))
    .limit(DETAIL_ROWS);

/** Invoices and credit notes apart: a credit note reverses an invoice, it is not another charge. */
export const taxInvoiceTotals = (db: Db, tenantId: string) =>
  db
    .select({ kind: taxInvoices.kind, count: count(), totalHalalas: sum(taxInvoices.totalHalalas) })
    .from(taxInvoices)
    .where(eq(taxInvoices.tenantId, tenantId))
    .groupBy(taxInvoices.kind);

/**
 * Moves a trial's end (and its period's) to `trialEndsAt`, back to trialing. Only while the row is
 * still as the operator's request read it (`updatedAt`), so a payment landing in between wins.
 */
export const extendTrialOf = (db: Db, tenantId: string, readAt: number, trialEndsAt: number, now: number) =>
  db
    .update(subscriptions)
    .set({ status: "trialing", trialEndsAt, currentPeriodEnd: trialEndsAt, updatedAt: now })
    .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.updatedAt, readAt)));
