import type { ExecutionContext } from "hono";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { SIMULATOR_SECRET_KEY } from "../integrations/moyasar/moyasar-client";
import { moyasarWebhookSecret } from "../integrations/moyasar/webhook-event";
import { timingSafeEqualStrings } from "../platform/crypto";
import {
  insertSimulatedInvoice,
  insertSimulatedPayment,
  paymentsOfSimulatedInvoice,
  type SimulatedInvoice,
  type SimulatedPayment,
  setSimulatedInvoiceStatus,
  simulatedInvoice,
  simulatedPayment,
} from "./moyasar-simulator.repo";
import type { WorkerFetch } from "./whatsapp-simulator";

/**
 * The dev Moyasar simulator: a fake Moyasar API (invoices and payments, answered as Moyasar does)
 * and a hosted checkout page that takes Moyasar's documented test cards, then posts the webhook
 * event to Dealix's real /webhooks/moyasar route with the Secret Token, as Moyasar would.
 * Development and test only (pages/dev).
 */

export interface MoyasarSimulatorDeps {
  db: Db;
  config: Config;
  env: Bindings;
  executionCtx: ExecutionContext;
  app: WorkerFetch;
}

/**
 * Moyasar's test cards (docs.moyasar.com "Testing cards"): what each one does. Any other number is
 * declined, as the current docs say unlisted cards are.
 */
export const TEST_CARDS: Record<string, { status: "paid" | "failed"; message: string | null }> = {
  "4111111111111111": { status: "paid", message: null },
  "4201320111111010": { status: "paid", message: null },
  "5421080101000000": { status: "paid", message: null },
  "4201320000013020": { status: "failed", message: "DECLINED" },
  "4201320000311101": { status: "failed", message: "INSUFFICIENT_FUNDS" },
};
const UNLISTED_CARD = { status: "failed" as const, message: "UNSPECIFIED_FAILURE" };

interface ApiAnswer {
  status: 200 | 201 | 400 | 401 | 404;
  body: unknown;
}

const apiError = (status: 400 | 401 | 404, type: string, message: string): ApiAnswer => ({
  status,
  body: { type, message, errors: null },
});

/** Basic auth with the simulator's secret key and an empty password, as Moyasar checks it. */
export function authorised(header: string | undefined): boolean {
  const expected = `Basic ${btoa(`${SIMULATOR_SECRET_KEY}:`)}`;
  return header !== undefined && timingSafeEqualStrings(header, expected);
}

const unauthorised = () => apiError(401, "authentication_error", "Invalid authorization credentials");

const iso = (ms: number) => new Date(ms).toISOString();

export const hostedUrl = (config: Config, invoiceId: string) =>
  `${config.APP_ORIGIN}/dev/moyasar/checkout/${invoiceId}`;

function invoiceObject(config: Config, invoice: SimulatedInvoice, payments: SimulatedPayment[]) {
  return {
    id: invoice.id,
    status: invoice.status,
    amount: invoice.amount,
    currency: invoice.currency,
    description: invoice.description,
    amount_format: `${(invoice.amount / 100).toFixed(2)} SAR`,
    url: hostedUrl(config, invoice.id),
    callback_url: invoice.callbackUrl,
    success_url: invoice.successUrl,
    back_url: invoice.backUrl,
    expired_at: null,
    created_at: iso(invoice.createdAt),
    updated_at: iso(invoice.updatedAt),
    payments: payments.map(paymentObject),
    metadata: invoice.metadata,
  };
}

export function paymentObject(payment: SimulatedPayment) {
  return {
    id: payment.id,
    status: payment.status,
    amount: payment.amount,
    fee: 0,
    currency: payment.currency,
    refunded: 0,
    captured: payment.status === "paid" ? payment.amount : 0,
    description: null,
    invoice_id: payment.invoiceId,
    created_at: iso(payment.createdAt),
    updated_at: iso(payment.createdAt),
    metadata: payment.metadata,
    source: {
      type: "creditcard",
      company: "visa",
      name: "Test Card",
      number: `XXXX-XXXX-XXXX-${payment.cardLast4}`,
      message: payment.message ?? "APPROVED",
    },
  };
}

const stringRecord = (value: unknown): Record<string, string> | null => {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  return entries.every(([, v]) => typeof v === "string")
    ? (Object.fromEntries(entries) as Record<string, string>)
    : null;
};

const optionalUrl = (value: unknown) => (typeof value === "string" && URL.canParse(value) ? value : null);

/** `POST /v1/invoices`: validated as Moyasar does (amount ≥ 100 halalas, a description). */
export async function answerCreateInvoice(
  deps: Pick<MoyasarSimulatorDeps, "db" | "config">,
  authorization: string | undefined,
  body: unknown,
  now = Date.now(),
): Promise<ApiAnswer> {
  if (!authorised(authorization)) return unauthorised();
  const input = (body ?? {}) as Record<string, unknown>;
  const metadata = input.metadata === undefined ? {} : stringRecord(input.metadata);
  if (
    typeof input.amount !== "number" ||
    !Number.isInteger(input.amount) ||
    input.amount < 100 ||
    typeof input.description !== "string" ||
    input.description.length === 0 ||
    (input.currency !== undefined && input.currency !== "SAR") ||
    metadata === null
  ) {
    return apiError(400, "invalid_request_error", "Validation Failed");
  }
  const invoice: SimulatedInvoice = {
    id: crypto.randomUUID(),
    status: "initiated",
    amount: input.amount,
    currency: "SAR",
    description: input.description,
    callbackUrl: optionalUrl(input.callback_url),
    successUrl: optionalUrl(input.success_url),
    backUrl: optionalUrl(input.back_url),
    metadata,
    createdAt: now,
    updatedAt: now,
  };
  await insertSimulatedInvoice(deps.db, invoice);
  return { status: 201, body: invoiceObject(deps.config, invoice, []) };
}

export async function answerFetchInvoice(
  deps: Pick<MoyasarSimulatorDeps, "db" | "config">,
  authorization: string | undefined,
  id: string,
): Promise<ApiAnswer> {
  if (!authorised(authorization)) return unauthorised();
  const [[invoice], payments] = await deps.db.batch([
    simulatedInvoice(deps.db, id),
    paymentsOfSimulatedInvoice(deps.db, id),
  ]);
  if (!invoice) return apiError(404, "record_not_found", "Object not found");
  return { status: 200, body: invoiceObject(deps.config, invoice, payments) };
}

export async function answerFetchPayment(
  deps: Pick<MoyasarSimulatorDeps, "db">,
  authorization: string | undefined,
  id: string,
): Promise<ApiAnswer> {
  if (!authorised(authorization)) return unauthorised();
  const [payment] = await simulatedPayment(deps.db, id);
  if (!payment) return apiError(404, "record_not_found", "Object not found");
  return { status: 200, body: paymentObject(payment) };
}

/** The invoice the hosted page shows, or null. */
export async function invoiceForCheckoutPage(db: Db, id: string) {
  const [invoice] = await simulatedInvoice(db, id);
  return invoice ?? null;
}

export type CardOutcome =
  | { kind: "paid"; redirect: string }
  | { kind: "failed"; message: string; redirect: string }
  | { kind: "already_paid"; redirect: string };

/**
 * Pays a simulated invoice with a card number: stores the payment (with the invoice's metadata, as
 * Moyasar copies it), marks the invoice paid when it was, and posts the matching webhook event
 * through the Worker. Returns where the browser goes next.
 */
export async function payWithCard(
  deps: MoyasarSimulatorDeps,
  invoice: SimulatedInvoice,
  cardNumber: string,
  now = Date.now(),
): Promise<CardOutcome> {
  const paidRedirect = invoice.successUrl ?? `${deps.config.APP_ORIGIN}/billing`;
  if (invoice.status === "paid") return { kind: "already_paid", redirect: paidRedirect };
  const digits = cardNumber.replace(/\D/g, "");
  const card = TEST_CARDS[digits] ?? UNLISTED_CARD;
  const payment: SimulatedPayment = {
    id: crypto.randomUUID(),
    invoiceId: invoice.id,
    status: card.status,
    amount: invoice.amount,
    currency: invoice.currency,
    message: card.message,
    cardLast4: digits.slice(-4).padStart(4, "0"),
    metadata: invoice.metadata,
    createdAt: now,
  };
  await deps.db.batch([
    insertSimulatedPayment(deps.db, payment),
    setSimulatedInvoiceStatus(deps.db, invoice.id, card.status === "paid" ? "paid" : invoice.status, now),
  ]);
  await postWebhook(deps, card.status === "paid" ? "payment_paid" : "payment_failed", payment, now);
  if (card.status === "paid") return { kind: "paid", redirect: paidRedirect };
  const back = new URL(invoice.backUrl ?? `${deps.config.APP_ORIGIN}/billing`);
  back.searchParams.set("payment", "failed");
  return { kind: "failed", message: card.message ?? "DECLINED", redirect: back.toString() };
}

/** Posts the event as Moyasar does: the envelope with the Secret Token in the body, no signature header. */
export async function postWebhook(
  deps: MoyasarSimulatorDeps,
  type: string,
  payment: SimulatedPayment,
  now = Date.now(),
): Promise<number> {
  const response = await deps.app.fetch(
    new Request(`${deps.config.APP_ORIGIN}/webhooks/moyasar`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: crypto.randomUUID(),
        type,
        created_at: iso(now),
        secret_token: moyasarWebhookSecret(deps.config),
        account_name: "Dealix (simulator)",
        live: false,
        data: paymentObject(payment),
      }),
    }),
    deps.env,
    deps.executionCtx,
  );
  await response.body?.cancel();
  return response.status;
}
