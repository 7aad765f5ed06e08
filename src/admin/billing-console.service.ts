import { type BillingCreditRow, creditsOfTenant, insertCredit } from "../billing/billing-credits.repo";
import type { PaymentStatus } from "../billing/checkouts.schema";
import type { Db } from "../db/client";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import {
  type BillingTenantRow,
  billingTenant,
  billingTenantPage,
  checkoutsOfTenant,
  DETAIL_ROWS,
  extendTrialOf,
  paymentsOfTenant,
  taxInvoiceTotals,
} from "./billing-console.repo";
import type { OperatorAct } from "./operations.service";
import { operatorAudit } from "./operator-audit";

const DAY_MS = 86_400_000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function lastPaymentOf(json: string | null) {
  if (json === null) return null;
  const payment = JSON.parse(json) as {
    status: PaymentStatus;
    amountHalalas: number;
    currency: string;
    at: number;
  };
  return { ...payment, at: new Date(payment.at).toISOString() };
}

const tenantView = (row: BillingTenantRow) => ({
  tenantId: row.id,
  name: { ar: row.nameAr, en: row.nameEn },
  plan: row.plan,
  period: row.period,
  status: row.status,
  trialEndsAt: iso(row.trialEndsAt),
  currentPeriodEnd: new Date(row.currentPeriodEnd).toISOString(),
  cancelAtPeriodEnd: row.cancelAtPeriodEnd,
  pendingChange:
    row.pendingPlan && row.pendingPeriod ? { plan: row.pendingPlan, period: row.pendingPeriod } : null,
  lastPayment: lastPaymentOf(row.lastPayment),
});

export async function billingTenants(db: Db, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const rows = await billingTenantPage(db, after, limit);
  const page = toPage(rows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return { data: page.data.map(tenantView), nextCursor: page.nextCursor };
}

const noSuchTenant = () => new ApiError("NOT_FOUND", "No such tenant.");

const creditView = (credit: BillingCreditRow) => ({
  creditId: credit.id,
  amountHalalas: credit.amountHalalas,
  reason: credit.reason,
  createdBy: credit.createdBy,
  createdAt: new Date(credit.createdAt).toISOString(),
  consumedByCheckoutId: credit.consumedByCheckoutId,
});

/** A tenant's billing at a glance, read in one round trip. */
export async function billingTenantDetail(db: Db, tenantId: string) {
  const [[row], checkouts, payments, totals, credits] = await db.batch([
    billingTenant(db, tenantId),
    checkoutsOfTenant(db, tenantId),
    paymentsOfTenant(db, tenantId),
    taxInvoiceTotals(db, tenantId),
    creditsOfTenant(db, tenantId, DETAIL_ROWS),
  ]);
  if (!row) throw noSuchTenant();
  const totalOf = (kind: "invoice" | "credit_note") => {
    const found = totals.find((total) => total.kind === kind);
    return { count: found?.count ?? 0, totalHalalas: Number(found?.totalHalalas ?? 0) };
  };
  return {
    ...tenantView(row),
    checkouts: checkouts.map((checkout) => ({
      checkoutId: checkout.id,
      plan: checkout.plan,
      period: checkout.period,
      kind: checkout.kind,
      status: checkout.status,
      netHalalas: checkout.netHalalas,
      vatHalalas: checkout.vatHalalas,
      totalHalalas: checkout.totalHalalas,
      createdAt: new Date(checkout.createdAt).toISOString(),
    })),
    payments: payments.map((payment) => ({
      paymentId: payment.id,
      checkoutId: payment.checkoutId,
      moyasarPaymentId: payment.moyasarPaymentId,
      status: payment.status,
      amountHalalas: payment.amountHalalas,
      currency: payment.currency,
      mismatch: payment.mismatch,
      createdAt: new Date(payment.createdAt).toISOString(),
    })),
    taxInvoices: { invoices: totalOf("invoice"), creditNotes: totalOf("credit_note") },
    credits: credits.map(creditView),
  };
}

/**
 * Gives a tenant more trial: a live trial, or one that ran out unpaid (past_due with a trial end),
 * which is back to trialing. The days count from the trial's end, or from now once it has passed,
 * so an extension is never partly spent already. A paying tenant's period is left to payments.
 */
export async function extendTrial(
  act: OperatorAct,
  tenantId: string,
  input: { days: number; reason: string },
) {
  const now = Date.now();
  const [[row]] = await act.db.batch([billingTenant(act.db, tenantId)]);
  if (!row) throw noSuchTenant();
  const lapsedTrial = row.status === "past_due" && row.trialEndsAt !== null;
  if (row.status !== "trialing" && !lapsedTrial) {
    throw new ApiError("CONFLICT", `Only a trial can be extended; this tenant is ${row.status}.`);
  }
  const trialEndsAt = Math.max(now, row.trialEndsAt ?? now) + input.days * DAY_MS;
  const [updated] = await act.db.batch([
    extendTrialOf(act.db, tenantId, row.updatedAt, trialEndsAt, now),
    operatorAudit(
      act.db,
      {
        operatorId: act.operator.userId,
        action: "operator.trial_extended",
        target: { type: "tenant", id: tenantId },
        details: {
          days: input.days,
          reason: input.reason,
          from: row.status,
          previousTrialEndsAt: iso(row.trialEndsAt),
          trialEndsAt: iso(trialEndsAt),
        },
      },
      act.origin,
      now,
    ),
  ]);
  if (updated.meta.changes === 0) {
    throw new ApiError("CONFLICT", "The subscription changed meanwhile; reload and try again.");
  }
  return billingTenantDetail(act.db, tenantId);
}

/**
 * Puts a credit on a tenant's account, taken off the net price of its next checkout (see
 * checkout.service.ts) and spent only when that checkout is paid.
 */
export async function grantCredit(
  act: OperatorAct,
  tenantId: string,
  input: { amountHalalas: number; reason: string },
) {
  const now = Date.now();
  const [[row]] = await act.db.batch([billingTenant(act.db, tenantId)]);
  if (!row) throw noSuchTenant();
  const credit: BillingCreditRow = {
    id: newId(idPrefixes.billingCredit),
    tenantId,
    amountHalalas: input.amountHalalas,
    reason: input.reason,
    createdBy: act.operator.userId,
    createdAt: now,
    consumedByCheckoutId: null,
  };
  await act.db.batch([
    insertCredit(act.db, credit),
    operatorAudit(
      act.db,
      {
        operatorId: act.operator.userId,
        action: "operator.credit_granted",
        target: { type: "tenant", id: tenantId },
        details: { creditId: credit.id, amountHalalas: input.amountHalalas, reason: input.reason },
      },
      act.origin,
      now,
    ),
  ]);
  return { tenantId, ...creditView(credit) };
}
