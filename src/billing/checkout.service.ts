import { type AuditActor, auditInsert } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { createInvoice, type MoyasarDeps, MoyasarRefusedError } from "../integrations/moyasar/moyasar-client";
import { CircuitOpenError } from "../platform/circuit-breaker";
import type { RequestOrigin, TenantContext } from "../platform/context";
import { isUniqueViolation } from "../platform/errors";
import { idPrefixes, newId } from "../platform/ids";
import { log } from "../platform/logger";
import { ApiError } from "../platform/problem";
import { type TenantScope, tenantScope } from "../platform/tenant-scope";
import { availableCreditsOf, type BillingCreditRow } from "./billing-credits.repo";
import {
  attachInvoice,
  type CheckoutRow,
  checkoutById,
  expirePendingCheckout,
  failPendingCheckout,
  firstOwnerOf,
  insertCheckout,
  pendingCheckoutOf,
} from "./checkouts.repo";
import type { CheckoutKind } from "./checkouts.schema";
import { quoteCheckout } from "./lifecycle";
import { type BillingPeriod, isPlanId, PLANS, type PlanId, vatOf } from "./plans";
import { type SubscriptionRow, subscriptionOf } from "./subscriptions.repo";

/** How long a second request waits for the first one's invoice before answering 409. */
const INVOICE_WAIT_MS = 10_000;
const INVOICE_POLL_MS = 200;
/** What a 503 asks the caller to wait when Moyasar failed without saying for how long. */
const RETRY_AFTER_SECONDS = 30;

/** A pending checkout this old was left unpaid: the billing run may replace it with a renewal. */
const ABANDONED_AFTER_MS = 86_400_000;

/** Moyasar refuses an amount below 1 SAR, so credits never bring a checkout's net under it. */
const MIN_NET_HALALAS = 100;

/**
 * What a checkout of `netHalalas` costs once the tenant's credits are taken off (oldest first)
 * before VAT. Each credit is taken whole while it fits above the minimum, and one that does not
 * fit is left for a later checkout: splitting a credit would need a remainder row, and whole
 * credits keep "spent by which checkout" a single column.
 */
function priceWithCredits(netHalalas: number, available: readonly BillingCreditRow[]) {
  const creditIds: string[] = [];
  let creditHalalas = 0;
  for (const credit of available) {
    if (netHalalas - creditHalalas - credit.amountHalalas < MIN_NET_HALALAS) continue;
    creditIds.push(credit.id);
    creditHalalas += credit.amountHalalas;
  }
  const net = netHalalas - creditHalalas;
  const vat = vatOf(net);
  return { netHalalas: net, vatHalalas: vat, totalHalalas: net + vat, creditHalalas, creditIds };
}

const statusView = (row: Omit<CheckoutRow, "tenantId">) => ({
  checkoutId: row.id,
  plan: row.plan,
  period: row.period,
  kind: row.kind,
  status: row.status,
  netHalalas: row.netHalalas,
  vatHalalas: row.vatHalalas,
  totalHalalas: row.totalHalalas,
  creditHalalas: row.creditHalalas,
  currency: "SAR" as const,
});

const checkoutView = (row: Omit<CheckoutRow, "tenantId"> & { url: string }) => ({
  ...statusView(row),
  url: row.url,
});

const unknownPlan = (plan: string) =>
  new ApiError("VALIDATION_FAILED", `Plan ${plan} cannot be bought online.`, {
    errors: [
      {
        path: "plan",
        message: "Choose starter or growth; Enterprise is agreed with sales.",
        code: "not_self_serve",
      },
    ],
  });

const moyasarDown = (retryAfterSeconds: number) =>
  new ApiError("UNAVAILABLE", "The payment provider is not answering; try again shortly.", {
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Another request of this tenant holds the pending checkout and is creating its invoice: wait for
 * its URL (same plan and period) rather than create a second invoice.
 */
async function awaitInvoiceOf(scope: TenantScope, plan: string, period: BillingPeriod) {
  const deadline = Date.now() + INVOICE_WAIT_MS;
  for (;;) {
    const [[pending]] = await scope.read(() => [pendingCheckoutOf(scope)] as const);
    if (!pending) throw moyasarDown(RETRY_AFTER_SECONDS);
    if (pending.plan !== plan || pending.period !== period) {
      throw new ApiError(
        "CONFLICT",
        "Another checkout was started at the same moment; reload and choose again.",
      );
    }
    if (pending.url !== null) return checkoutView({ ...pending, url: pending.url });
    if (Date.now() >= deadline) {
      throw new ApiError("CONFLICT", "The checkout is still being prepared; try again in a moment.", {
        headers: { "Retry-After": "2" },
      });
    }
    await sleep(INVOICE_POLL_MS);
  }
}

/** Who opens a checkout and where: a person on the billing page, or the daily billing run. */
interface CheckoutOpener {
  scope: TenantScope;
  config: Config;
  env: Bindings;
  now: number;
  origin: RequestOrigin;
  actor: AuditActor;
  /** The person the checkout is recorded against: the owner who chose, or the owner reminded. */
  buyerId: string;
}

interface Order {
  plan: PlanId;
  period: BillingPeriod;
  kind: CheckoutKind;
  netHalalas: number;
}

/**
 * Creates the tenant's pending checkout for `order` (retiring `pending`, another choice) and its
 * Moyasar invoice through the breaker. If Moyasar cannot answer, the checkout is marked failed
 * (nothing stays pending without an invoice) and the answer is a 503.
 */
async function openCheckout(
  opener: CheckoutOpener,
  order: Order,
  pending: CheckoutRow | undefined,
  credits: readonly BillingCreditRow[],
) {
  const { scope, now, config } = opener;
  const { plan, period } = order;
  const row: Omit<CheckoutRow, "tenantId"> = {
    id: newId(idPrefixes.checkout),
    plan,
    period,
    kind: order.kind,
    // VAT is due on what the tenant pays, so credits come off the net before it.
    ...priceWithCredits(order.netHalalas, credits),
    status: "pending",
    moyasarInvoiceId: null,
    url: null,
    createdBy: opener.buyerId,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await scope.write(
      [
        auditInsert(
          scope.db,
          {
            tenantId: scope.tenantId,
            actor: opener.actor,
            action: "billing.checkout_started",
            target: { type: "checkout", id: row.id },
            details: { plan, period, kind: row.kind, totalHalalas: row.totalHalalas },
          },
          opener.origin,
          now,
        ),
        ...(pending ? [expirePendingCheckout(scope, pending.id, now)] : []),
        insertCheckout(scope, row),
      ],
      { evenWhenReadOnly: true },
    );
  } catch (error) {
    // A concurrent request inserted the tenant's pending checkout first: share its invoice.
    if (isUniqueViolation(error)) return awaitInvoiceOf(scope, plan, period);
    throw error;
  }

  const deps: MoyasarDeps = { config, breakers: opener.env.CIRCUIT_BREAKER };
  let invoice: { id: string; url: string };
  try {
    invoice = await createInvoice(deps, {
      amount: row.totalHalalas,
      description: `Dealix ${PLANS[plan].name.en} (${period})`,
      callbackUrl: `${config.APP_ORIGIN}/webhooks/moyasar`,
      successUrl: `${config.APP_ORIGIN}/billing/return?checkout=${row.id}`,
      backUrl: `${config.APP_ORIGIN}/billing`,
      metadata: { tenantId: scope.tenantId, checkoutId: row.id },
    });
  } catch (error) {
    await scope.write([failPendingCheckout(scope, row.id, Date.now())], { evenWhenReadOnly: true });
    log("warn", "moyasar invoice not created", {
      tenantId: scope.tenantId,
      checkoutId: row.id,
      error: error instanceof Error ? error.name : "unknown",
    });
    // A refusal means our request or key is wrong: a 500 that reaches Sentry, not a "try later".
    if (error instanceof MoyasarRefusedError) throw error;
    throw moyasarDown(error instanceof CircuitOpenError ? error.retryAfterSeconds : RETRY_AFTER_SECONDS);
  }
  await scope.write([attachInvoice(scope, row.id, invoice, Date.now())], { evenWhenReadOnly: true });
  return checkoutView({ ...row, url: invoice.url });
}

/**
 * Starts (or resumes) the purchase of a plan: one pending checkout per tenant, one Moyasar invoice
 * per pending checkout. The same plan and period while one is pending returns its URL; another
 * choice retires it.
 */
export async function startCheckout(ctx: TenantContext, input: { plan: string; period: BillingPeriod }) {
  const { scope, now } = ctx;
  if (ctx.actor.type !== "user") throw new Error("startCheckout: checkouts are started by people");
  const { plan, period } = input;
  if (!isPlanId(plan) || !PLANS[plan].selfServe) throw unknownPlan(plan);
  const [[subscription], [pending], credits] = await scope.read(
    () => [subscriptionOf(scope), pendingCheckoutOf(scope), availableCreditsOf(scope)] as const,
  );
  if (!subscription) throw new Error(`tenant ${scope.tenantId} has no subscription row`);
  const quote = quoteCheckout(subscription, plan, period, now);
  if (!quote.ok) {
    if (quote.reason === "not_self_serve") throw unknownPlan(plan);
    throw new ApiError(
      "CONFLICT",
      quote.reason === "already_current"
        ? "This is already your plan."
        : "A lower plan or shorter period starts at the end of the paid period: schedule it as a plan change.",
    );
  }
  if (pending && pending.plan === plan && pending.period === period)
    return awaitInvoiceOf(scope, plan, period);
  return openCheckout(
    { ...ctx, buyerId: ctx.actor.id },
    { plan, period, kind: quote.kind, netHalalas: quote.netHalalas },
    pending,
    credits,
  );
}

/**
 * The invoice the daily billing run sends with a reminder, so the owner pays from the message
 * itself: for an active period about to end, its renewal (on the scheduled plan when a downgrade
 * waits); for a past-due one, a new period of the same plan. A pending checkout for the same
 * choice is reused; one for another choice (the owner is buying something else) is left alone,
 * and the reminder then points to the billing page. Returns the hosted URL, or null when there is
 * none to send (no owner, Moyasar down: the reminder still goes, without it).
 */
export async function openRenewalCheckout(
  env: Bindings,
  config: Config,
  db: Db,
  subscription: SubscriptionRow,
  now: number,
): Promise<string | null> {
  if (subscription.status !== "active" && subscription.status !== "past_due") return null;
  const scope = tenantScope(db, subscription.tenantId);
  const plan = subscription.pendingPlan ?? subscription.plan;
  const period = subscription.pendingPeriod ?? subscription.period;
  const [[pending], credits, [owner]] = await scope.read(
    () => [pendingCheckoutOf(scope), availableCreditsOf(scope), firstOwnerOf(scope)] as const,
  );
  if (pending && pending.plan === plan && pending.period === period) return pending.url;
  // The owner's own checkout of something else is theirs to finish, unless it was abandoned.
  if (pending && now - pending.createdAt < ABANDONED_AFTER_MS) return null;
  const quote = quoteCheckout(subscription, plan, period, now);
  if (!quote.ok || !owner) return null;
  try {
    const checkout = await openCheckout(
      {
        scope,
        config,
        env,
        now,
        origin: { requestId: null, ip: null },
        actor: { type: "system" },
        buyerId: owner.userId,
      },
      { plan, period, kind: quote.kind, netHalalas: quote.netHalalas },
      pending,
      credits,
    );
    return checkout.url;
  } catch (error) {
    log("warn", "renewal invoice not opened", {
      tenantId: subscription.tenantId,
      error: error instanceof Error ? error.name : "unknown",
    });
    return null;
  }
}

/** A checkout's status, for the return page after paying (the webhook may still be on its way). */
export async function getCheckout(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(() => [checkoutById(ctx.scope, id)] as const);
  if (!row) throw new ApiError("NOT_FOUND", "No such checkout.");
  return statusView(row);
}

/** What buying a plan would cost now (the confirm page), credits taken off, without writing anything. */
export async function previewCheckout(ctx: TenantContext, input: { plan: string; period: BillingPeriod }) {
  const { scope } = ctx;
  const { plan, period } = input;
  if (!isPlanId(plan) || !PLANS[plan].selfServe) throw unknownPlan(plan);
  const [[subscription], credits] = await scope.read(
    () => [subscriptionOf(scope), availableCreditsOf(scope)] as const,
  );
  if (!subscription) throw new Error(`tenant ${scope.tenantId} has no subscription row`);
  const quote = quoteCheckout(subscription, plan, period, ctx.now);
  if (!quote.ok) return { ok: false as const, reason: quote.reason };
  return {
    ok: true as const,
    plan,
    period,
    kind: quote.kind,
    ...priceWithCredits(quote.netHalalas, credits),
  };
}
