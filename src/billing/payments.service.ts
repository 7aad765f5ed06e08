import { type Db, dbFor } from "../db/client";
import type { Bindings, Config } from "../env";
import {
  fetchInvoice,
  fetchPayment,
  type MoyasarDeps,
  type MoyasarPayment,
} from "../integrations/moyasar/moyasar-client";
import type { HandledEvent } from "../integrations/moyasar/webhook-event";
import { idPrefixes, newId } from "../platform/ids";
import { log } from "../platform/logger";
import { tenantScope } from "../platform/tenant-scope";
import { tenantById } from "../tenants/tenants.repo";
import { consumeCredits } from "./billing-credits.repo";
import { billingProfileOf } from "./billing-profile.repo";
import {
  type CheckoutRow,
  checkoutByInvoiceId,
  failPendingCheckout,
  markCheckoutPaid,
  recordPayment,
} from "./checkouts.repo";
import type { PaymentStatus } from "./checkouts.schema";
import { nextStatus, periodEndFrom } from "./lifecycle";
import { PLANS } from "./plans";
import { activateForCheckout, type SubscriptionRow, subscriptionOf } from "./subscriptions.repo";
import { documentByReference } from "./tax-invoices.repo";
import type { InvoiceSeller } from "./tax-invoices.schema";
import { issueCreditNote, issueTaxInvoice, sellerOf } from "./tax-invoices.service";

/** A verified Moyasar webhook, queued by POST /webhooks/moyasar for the `webhooks` consumer. */
export interface MoyasarWebhookJob {
  provider: "moyasar";
  eventId: string;
  eventType: HandledEvent;
  paymentId: string;
  receivedAt: number;
}

/**
 * A payment that must not be acted on (it does not match its checkout, or matches none): the
 * consumer reports it to Sentry for an operator (RUNBOOK "A payment is missing").
 */
export class PaymentNotAppliedError extends Error {
  constructor(paymentId: string, reason: string) {
    super(`Moyasar payment ${paymentId} was not applied: ${reason}`);
    this.name = "PaymentNotAppliedError";
  }
}

export type PaymentOutcome =
  | "paid"
  | "already_paid"
  | "failed"
  | "refunded"
  | "voided"
  | "not_final"
  | "mismatch"
  | "unknown_checkout";

/** Moyasar's payment statuses as what they mean for a checkout; others (initiated, authorized …) are not final. */
const OUTCOME_OF = new Map<string, PaymentStatus>([
  ["paid", "paid"],
  ["captured", "paid"],
  ["failed", "failed"],
  ["refunded", "refunded"],
  ["voided", "voided"],
]);

const asString = (value: unknown) => (typeof value === "string" ? value : null);

/** Why a confirmed payment cannot belong to `checkout`, or null when everything matches. */
function mismatchOf(checkout: CheckoutRow, payment: MoyasarPayment, metadata: Record<string, unknown>) {
  if (payment.currency !== "SAR") return `currency ${payment.currency.slice(0, 3)}`;
  if (payment.amount !== checkout.totalHalalas) return `amount ${payment.amount} ≠ ${checkout.totalHalalas}`;
  if (asString(metadata.checkoutId) !== checkout.id || asString(metadata.tenantId) !== checkout.tenantId) {
    return "metadata";
  }
  return null;
}

/** The new plan and period of a paid checkout, from the subscription as it stands. */
function changeFor(checkout: CheckoutRow, subscription: SubscriptionRow, paidAt: number) {
  // An upgrade within the same period keeps the period paid for; anything else starts a new one.
  const keepsPeriod =
    checkout.kind === "upgrade" &&
    subscription.status === "active" &&
    subscription.period === checkout.period;
  // A renewal paid before the period ends starts the next period where this one ends.
  if (
    checkout.kind === "renewal" &&
    subscription.status === "active" &&
    subscription.currentPeriodEnd > paidAt
  ) {
    return {
      status: "active" as const,
      plan: checkout.plan,
      period: checkout.period,
      periodStart: subscription.currentPeriodEnd,
      periodEnd: periodEndFrom(subscription.currentPeriodEnd, checkout.period),
    };
  }
  const periodStart = keepsPeriod ? subscription.currentPeriodStart : paidAt;
  return {
    // Paying is allowed from every status (nextStatus never refuses it): a suspended tenant is restored.
    status: nextStatus(subscription.status, "payment_confirmed") ?? "active",
    plan: checkout.plan,
    period: checkout.period,
    periodStart,
    periodEnd: keepsPeriod ? subscription.currentPeriodEnd : periodEndFrom(paidAt, checkout.period),
  };
}

/**
 * Everything a confirmed payment does, in one atomic batch: the subscription moves to the paid plan
 * (only the first time: the update is guarded by the checkout not yet being paid), the checkout is
 * marked paid and the payment recorded; then the payment's ZATCA tax invoice is issued, so every
 * confirmed payment gets exactly one.
 */
export async function afterPaymentConfirmed(
  db: Db,
  checkout: CheckoutRow,
  payment: MoyasarPayment,
  now: number,
  seller: InvoiceSeller,
): Promise<"paid" | "already_paid"> {
  const scope = tenantScope(db, checkout.tenantId);
  const [[subscription], [tenant], [profile]] = await scope.read(
    () => [subscriptionOf(scope), tenantById(scope.db, scope.tenantId), billingProfileOf(scope)] as const,
  );
  if (!subscription) throw new Error(`tenant ${checkout.tenantId} has no subscription row`);
  const [activated] = await scope.write([
    activateForCheckout(scope, checkout.id, changeFor(checkout, subscription, now), now),
    markCheckoutPaid(scope, checkout.id, now),
    ...(checkout.creditIds.length > 0 ? [consumeCredits(scope, checkout.id, checkout.creditIds)] : []),
    recordPayment(
      scope,
      {
        id: newId(idPrefixes.payment),
        checkoutId: checkout.id,
        moyasarPaymentId: payment.id,
        status: "paid",
        amountHalalas: payment.amount,
        currency: payment.currency,
        mismatch: null,
        createdAt: now,
      },
      now,
    ),
  ]);
  // The tax invoice, once per payment (a redelivery finds the first): after the activation, so a
  // crash between the two is repaired by Moyasar's next delivery of the same event.
  await issueTaxInvoice(
    db,
    {
      tenantId: checkout.tenantId,
      paymentRef: payment.id,
      // The owner's billing profile names the buyer; with its VAT number the invoice is standard (B2B).
      buyer: profile
        ? {
            name: profile.legalName,
            ...(profile.vatNumber ? { vatNumber: profile.vatNumber } : {}),
            ...(profile.address ? { address: profile.address } : {}),
          }
        : { name: tenant?.nameAr || tenant?.nameEn || checkout.tenantId },
      lines: [
        {
          description: {
            ar: `اشتراك ديلكس — باقة ${PLANS[checkout.plan].name.ar} (${checkout.period === "yearly" ? "سنوي" : "شهري"})${checkout.kind === "upgrade" ? " — ترقية" : ""}`,
            en: `Dealix ${PLANS[checkout.plan].name.en} subscription (${checkout.period})${checkout.kind === "upgrade" ? ", upgrade" : ""}`,
          },
          quantity: 1,
          unitPriceHalalas: checkout.netHalalas,
        },
      ],
      issuedAt: new Date(now),
    },
    seller,
  );
  return activated.meta.changes > 0 ? "paid" : "already_paid";
}

/** A refund or void of a paid payment: a credit note against its tax invoice, once per event kind. */
async function creditFor(
  db: Db,
  checkout: CheckoutRow,
  payment: MoyasarPayment,
  status: "refunded" | "voided",
  now: number,
) {
  const [invoice] = await documentByReference(db, "invoice", payment.id);
  if (!invoice) return;
  const amount = status === "voided" ? payment.amount : (payment.refunded ?? payment.amount);
  if (amount <= 0) return;
  await issueCreditNote(db, {
    tenantId: checkout.tenantId,
    invoiceId: invoice.id,
    refundRef: `${payment.id}:${status}:${amount}`,
    amountHalalas: amount,
    reason: status === "voided" ? "Payment voided at Moyasar" : "Payment refunded at Moyasar",
    issuedAt: new Date(now),
  });
}

/** Our metadata as Moyasar holds it: on the payment, or on the invoice it paid. */
async function metadataOf(deps: MoyasarDeps, payment: MoyasarPayment) {
  if (payment.metadata && "checkoutId" in payment.metadata) return payment.metadata;
  if (!payment.invoice_id) return {};
  return (await fetchInvoice(deps, payment.invoice_id)).metadata ?? {};
}

/**
 * Applies one Moyasar event. The event only says which payment to look at: the payment is
 * re-fetched from Moyasar and only what the API confirms counts (status, amount equal to the
 * checkout's total, SAR, our checkout and tenant in the metadata). Idempotent: a redelivery, or an
 * older event arriving after a newer one, never undoes a confirmed payment.
 */
export async function processMoyasarEvent(
  env: Bindings,
  config: Config,
  job: MoyasarWebhookJob,
  now = Date.now(),
): Promise<{ outcome: PaymentOutcome; tenantId: string | null; mismatch?: string }> {
  const deps: MoyasarDeps = { config, breakers: env.CIRCUIT_BREAKER };
  const db = dbFor(env.DB);
  const payment = await fetchPayment(deps, job.paymentId);
  const [checkout] = payment.invoice_id ? await checkoutByInvoiceId(db, payment.invoice_id) : [];
  if (!checkout) return { outcome: "unknown_checkout", tenantId: null };
  const status = OUTCOME_OF.get(payment.status);
  if (!status) return { outcome: "not_final", tenantId: checkout.tenantId };

  const scope = tenantScope(db, checkout.tenantId);
  const mismatch = mismatchOf(checkout, payment, await metadataOf(deps, payment));
  const paymentRow = {
    id: newId(idPrefixes.payment),
    checkoutId: checkout.id,
    moyasarPaymentId: payment.id,
    status,
    amountHalalas: payment.amount,
    currency: payment.currency.slice(0, 3),
    mismatch,
    createdAt: now,
  };
  if (mismatch) {
    await scope.write([recordPayment(scope, paymentRow, now)]);
    return { outcome: "mismatch", tenantId: checkout.tenantId, mismatch };
  }
  switch (status) {
    case "paid":
      return {
        outcome: await afterPaymentConfirmed(db, checkout, payment, now, sellerOf(config)),
        tenantId: checkout.tenantId,
      };
    case "failed":
      await scope.write([
        recordPayment(scope, paymentRow, now),
        failPendingCheckout(scope, checkout.id, now),
      ]);
      log("info", "moyasar payment failed", { tenantId: checkout.tenantId, checkoutId: checkout.id });
      return { outcome: "failed", tenantId: checkout.tenantId };
    case "refunded":
    case "voided":
      await scope.write([recordPayment(scope, paymentRow, now)]);
      await creditFor(db, checkout, payment, status, now);
      return { outcome: status, tenantId: checkout.tenantId };
  }
}
