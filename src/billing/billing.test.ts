import { env, exports } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { createTenant, signupViaApi } from "../../test/fixtures";
import { call, countRows, expectProblem, ORIGIN, postJson } from "../../test/helpers";
import { race } from "../../test/race";
import { network } from "../../test/setup/network";
import { loadConfig } from "../env";
import { DEV_WEBHOOK_SECRET } from "../integrations/moyasar/webhook-event";
import { resetBreaker } from "../platform/circuit-breaker";
import { processMoyasarEvent } from "./payments.service";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const MOYASAR = `${ORIGIN}/dev/moyasar/v1`;

/** Moyasar calls answered by the dev simulator, in process (tests have no network). */
const useSimulator = () =>
  network.use(http.all(`${MOYASAR}/*`, ({ request }) => exports.default.fetch(request as Request)));

beforeEach(useSimulator);
afterEach(() => resetBreaker(env.CIRCUIT_BREAKER, "moyasar"));

interface CheckoutBody {
  checkoutId: string;
  url: string;
  kind: string;
  status: string;
  netHalalas: number;
  vatHalalas: number;
  totalHalalas: number;
}

const checkout = (tenant: Tenant, body: unknown, headers: Record<string, string> = {}) =>
  postJson("/api/v1/billing/checkout", body, { ...tenant.owner.auth, ...headers });

async function startCheckout(tenant: Tenant, plan = "growth", period = "monthly") {
  const res = await checkout(tenant, { plan, period });
  expect(res.status).toBe(201);
  return (await res.json()) as CheckoutBody;
}

const row = <T>(sql: string, ...values: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...values)
    .first<T>();

const subscriptionRow = (tenantId: string) =>
  row<{
    plan: string;
    period: string;
    status: string;
    current_period_end: number;
    trial_ends_at: number | null;
  }>("SELECT * FROM subscriptions WHERE tenant_id = ?", tenantId);

const checkoutRow = (id: string) =>
  row<{ status: string; moyasar_invoice_id: string | null; total_halalas: number }>(
    "SELECT * FROM billing_checkouts WHERE id = ?",
    id,
  );

const invoiceIdOf = (url: string) => new URL(url).pathname.split("/").pop() ?? "";

/** Pays the hosted checkout page with a card, as the owner's browser would; returns the redirect. */
async function payOnSimulator(url: string, card: string) {
  const browser = new TestBrowser();
  const path = new URL(url).pathname;
  expect((await browser.get(path)).status).toBe(200);
  const res = await browser.post(path, { name: "Test Card", number: card, expiry: "12/30", cvc: "123" });
  expect(res.status).toBe(303);
  return res.headers.get("Location") ?? "";
}

const eventEnvelope = (type: string, paymentId: string, overrides: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  type,
  created_at: new Date().toISOString(),
  secret_token: DEV_WEBHOOK_SECRET,
  account_name: "Dealix",
  data: { id: paymentId, status: "paid", amount: 1 },
  ...overrides,
});

/** Answers GET /v1/payments/{id} with `payment` instead of the simulator. */
const moyasarPaymentIs = (payment: Record<string, unknown>) =>
  network.use(http.get(`${MOYASAR}/payments/${String(payment.id)}`, () => HttpResponse.json(payment)));

describe("subscriptions", () => {
  it("starts every sign-up on a 14-day Growth trial, with no card", async () => {
    const { res } = await signupViaApi();
    expect(res.status).toBe(201);
    const { accessToken, tenant } = (await res.json()) as { accessToken: string; tenant: { id: string } };
    const stored = await subscriptionRow(tenant.id);
    expect(stored).toMatchObject({ plan: "growth", status: "trialing" });
    const answer = await call("/api/v1/billing/subscription", {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      plan: "growth",
      status: "trialing",
      trialDaysLeft: 14,
      cancelAtPeriodEnd: false,
      pendingChange: null,
    });
  });

  it("lets a manager read the subscription, not an agent", async () => {
    const tenant = await createTenant();
    expect((await call("/api/v1/billing/subscription", { headers: tenant.manager.auth })).status).toBe(200);
    await expectProblem(
      await call("/api/v1/billing/subscription", { headers: tenant.agent.auth }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("POST /api/v1/billing/checkout", () => {
  it("creates one Moyasar invoice for the price plus 15% VAT and returns its page", async () => {
    const tenant = await createTenant();
    const body = await startCheckout(tenant);
    expect(body).toMatchObject({
      kind: "new",
      status: "pending",
      netHalalas: 249_000,
      vatHalalas: 37_350,
      totalHalalas: 286_350,
      currency: "SAR",
    });
    expect(body.url).toBe(`${ORIGIN}/dev/moyasar/checkout/${invoiceIdOf(body.url)}`);
    const stored = await checkoutRow(body.checkoutId);
    expect(stored).toMatchObject({ status: "pending", moyasar_invoice_id: invoiceIdOf(body.url) });
    const invoice = await row<{ amount: number; currency: string; metadata: string; success_url: string }>(
      "SELECT * FROM dev_moyasar_invoices WHERE id = ?",
      invoiceIdOf(body.url),
    );
    expect(invoice).toMatchObject({
      amount: 286_350,
      currency: "SAR",
      success_url: `${ORIGIN}/billing/return?checkout=${body.checkoutId}`,
    });
    expect(JSON.parse(invoice?.metadata ?? "{}")).toEqual({
      tenantId: tenant.tenantId,
      checkoutId: body.checkoutId,
    });
  });

  it("returns the same pending checkout for the same plan and period; another choice replaces it", async () => {
    const tenant = await createTenant();
    const first = await startCheckout(tenant);
    const again = await startCheckout(tenant);
    expect(again).toEqual(first);
    const invoices = await countRows("dev_moyasar_invoices");
    const yearly = await startCheckout(tenant, "growth", "yearly");
    expect(yearly.checkoutId).not.toBe(first.checkoutId);
    expect(yearly.totalHalalas).toBe(2_490_000 + 373_500);
    expect(await countRows("dev_moyasar_invoices")).toBe(invoices + 1);
    expect((await checkoutRow(first.checkoutId))?.status).toBe("expired");
  });

  it("creates a single invoice when the same checkout is started concurrently", async () => {
    const tenant = await createTenant();
    const before = await countRows("dev_moyasar_invoices");
    const racing = race("billing_checkouts", 3);
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        racing.postJson("/api/v1/billing/checkout", { plan: "growth", period: "monthly" }, tenant.owner.auth),
      ),
    );
    expect(racing.raced()).toBe(true);
    const bodies = await Promise.all(answers.map((res) => res.json() as Promise<CheckoutBody>));
    expect(answers.map((res) => res.status)).toEqual([201, 201, 201]);
    expect(new Set(bodies.map((b) => b.url)).size).toBe(1);
    expect(await countRows("dev_moyasar_invoices")).toBe(before + 1);
    const pending = await row<{ n: number }>(
      "SELECT COUNT(*) AS n FROM billing_checkouts WHERE tenant_id = ?",
      tenant.tenantId,
    );
    expect(pending?.n).toBe(1);
  });

  it("replays the answer for a repeated Idempotency-Key", async () => {
    const tenant = await createTenant();
    const key = { "Idempotency-Key": crypto.randomUUID() };
    const first = await checkout(tenant, { plan: "starter", period: "monthly" }, key);
    const second = await checkout(tenant, { plan: "starter", period: "monthly" }, key);
    expect(second.status).toBe(201);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
  });

  it.each([
    ["Enterprise", { plan: "enterprise", period: "monthly" }],
    ["an unknown plan", { plan: "platinum", period: "monthly" }],
    ["an unknown period", { plan: "growth", period: "weekly" }],
    ["an unknown field", { plan: "growth", period: "monthly", totalHalalas: 1 }],
  ])("refuses %s with a 422 and writes nothing", async (_, body) => {
    const tenant = await createTenant();
    const before = await countRows("billing_checkouts");
    await expectProblem(await checkout(tenant, body), 422, "VALIDATION_FAILED");
    expect(await countRows("billing_checkouts")).toBe(before);
  });

  it("is for owners only", async () => {
    const tenant = await createTenant();
    const before = await countRows("billing_checkouts");
    for (const member of [tenant.manager, tenant.agent]) {
      await expectProblem(
        await postJson("/api/v1/billing/checkout", { plan: "growth", period: "monthly" }, member.auth),
        403,
        "FORBIDDEN",
      );
    }
    expect(await countRows("billing_checkouts")).toBe(before);
  });

  it("answers 503 with Retry-After when Moyasar fails, and leaves nothing pending", async () => {
    const tenant = await createTenant();
    network.use(
      http.post(`${MOYASAR}/invoices`, () => HttpResponse.json({ type: "api_error" }, { status: 502 })),
    );
    const res = await checkout(tenant, { plan: "growth", period: "monthly" });
    await expectProblem(res, 503, "UNAVAILABLE");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    const rows = await env.DB.prepare("SELECT status FROM billing_checkouts WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .all<{ status: string }>();
    expect(rows.results.map((r) => r.status)).toEqual(["failed"]);
  });

  it("refuses the plan the tenant already has (409) and shows another tenant's checkout as 404", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await env.DB.prepare("UPDATE subscriptions SET status = 'active', plan = 'growth' WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .run();
    await expectProblem(await checkout(tenant, { plan: "growth", period: "monthly" }), 409, "CONFLICT");
    const foreign = await startCheckout(other);
    await expectProblem(
      await call(`/api/v1/billing/checkouts/${foreign.checkoutId}`, { headers: tenant.owner.auth }),
      404,
      "NOT_FOUND",
    );
  });

  it("charges an upgrade of an active period the prorated difference", async () => {
    const tenant = await createTenant();
    const now = Date.now();
    const day = 86_400_000;
    await env.DB.prepare(
      "UPDATE subscriptions SET status = 'active', plan = 'starter', current_period_start = ?, current_period_end = ? WHERE tenant_id = ?",
    )
      .bind(now - 15 * day, now + 15 * day, tenant.tenantId)
      .run();
    const body = await startCheckout(tenant, "growth", "monthly");
    expect(body.kind).toBe("upgrade");
    // Half of the 1,500 SAR difference, give or take the milliseconds the request took.
    expect(Math.abs(body.netHalalas - 75_000)).toBeLessThanOrEqual(1);
  });
});

describe("paying on the simulator and the Moyasar webhook", () => {
  it("renews the current plan in the last three days of its period: the next period starts where this one ends", async () => {
    const tenant = await createTenant();
    const end = Date.now() + 2 * 86_400_000;
    await env.DB.prepare(
      "UPDATE subscriptions SET status = 'active', plan = 'growth', period = 'monthly', trial_ends_at = NULL, current_period_start = ?, current_period_end = ? WHERE tenant_id = ?",
    )
      .bind(end - 30 * 86_400_000, end, tenant.tenantId)
      .run();
    const started = await startCheckout(tenant);
    expect(started).toMatchObject({ kind: "renewal", netHalalas: 249_000, totalHalalas: 286_350 });
    await payOnSimulator(started.url, "4111 1111 1111 1111");
    await eventually(
      () => subscriptionRow(tenant.tenantId),
      (row) => row?.current_period_end !== end,
    );
    const renewed = await row<{ status: string; current_period_start: number; current_period_end: number }>(
      "SELECT status, current_period_start, current_period_end FROM subscriptions WHERE tenant_id = ?",
      tenant.tenantId,
    );
    expect(renewed?.status).toBe("active");
    expect(renewed?.current_period_start).toBe(end);
    expect(new Date(renewed?.current_period_end ?? 0).getUTCDate()).toBe(new Date(end).getUTCDate());

    // Earlier in the period the same plan is still "already yours".
    const early = await createTenant();
    await env.DB.prepare(
      "UPDATE subscriptions SET status = 'active', plan = 'growth', period = 'monthly', trial_ends_at = NULL, current_period_end = ? WHERE tenant_id = ?",
    )
      .bind(Date.now() + 10 * 86_400_000, early.tenantId)
      .run();
    await expectProblem(await checkout(early, { plan: "growth", period: "monthly" }), 409, "CONFLICT");
  });

  it("restores a suspended account the moment its payment is confirmed: writes work again", async () => {
    const tenant = await createTenant();
    await env.DB.prepare(
      "UPDATE subscriptions SET status = 'suspended', trial_ends_at = NULL, current_period_end = ? WHERE tenant_id = ?",
    )
      .bind(Date.now() - 20 * 86_400_000, tenant.tenantId)
      .run();
    const write = () =>
      postJson(
        "/api/v1/contacts",
        { name: "Reem", source: "walk_in", phones: ["+966551239999"] },
        tenant.agent.auth,
      );
    await expectProblem(await write(), 402, "ACCOUNT_SUSPENDED");

    const started = await startCheckout(tenant);
    expect(started.kind).toBe("new");
    await payOnSimulator(started.url, "4111 1111 1111 1111");
    await eventually(
      () => subscriptionRow(tenant.tenantId),
      (row) => row?.status === "active",
    );
    expect((await write()).status).toBe(201);
  });

  it("activates the subscription once Moyasar confirms the payment, and only once", async () => {
    const tenant = await createTenant();
    const started = await startCheckout(tenant);
    const redirect = await payOnSimulator(started.url, "4111 1111 1111 1111");
    expect(redirect).toBe(`${ORIGIN}/billing/return?checkout=${started.checkoutId}`);
    await eventually(
      () => checkoutRow(started.checkoutId),
      (c) => c?.status === "paid",
    );
    const subscription = await subscriptionRow(tenant.tenantId);
    expect(subscription).toMatchObject({
      plan: "growth",
      period: "monthly",
      status: "active",
      trial_ends_at: null,
    });
    const payment = await row<{
      status: string;
      amount_halalas: number;
      mismatch: string | null;
      moyasar_payment_id: string;
    }>("SELECT * FROM billing_payments WHERE checkout_id = ?", started.checkoutId);
    expect(payment).toMatchObject({ status: "paid", amount_halalas: 286_350, mismatch: null });
    const status = await call(`/api/v1/billing/checkouts/${started.checkoutId}`, {
      headers: tenant.owner.auth,
    });
    expect(await status.json()).toMatchObject({ status: "paid" });

    // A second confirmation of the same payment (a redelivery) moves nothing.
    const periodEnd = subscription?.current_period_end;
    const again = await processMoyasarEvent(env, loadConfig(env), {
      provider: "moyasar",
      eventId: "evt_again",
      eventType: "payment_paid",
      paymentId: payment?.moyasar_payment_id ?? "",
      receivedAt: Date.now(),
    });
    expect(again.outcome).toBe("already_paid");
    expect((await subscriptionRow(tenant.tenantId))?.current_period_end).toBe(periodEnd);
    expect(await countRows(`billing_payments WHERE checkout_id = '${started.checkoutId}'`)).toBe(1);

    // The payment got exactly one ZATCA tax invoice for what was paid, redelivery or not.
    const invoices = await call("/api/v1/billing/invoices", { headers: tenant.owner.auth });
    const listed = (await invoices.json()) as {
      data: { id: string; kind: string; totalHalalas: number; vatHalalas: number; invoiceType: string }[];
    };
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({
      kind: "invoice",
      totalHalalas: 286_350,
      vatHalalas: 37_350,
      invoiceType: "simplified",
    });
    const [issued] = listed.data;
    const document = await call(`/api/v1/billing/invoices/${issued?.id}`, { headers: tenant.owner.auth });
    expect(await document.json()).toMatchObject({ paymentRef: payment?.moyasar_payment_id });

    // Out of order: a "failed" for the same payment after it was paid never undoes it.
    moyasarPaymentIs({
      id: payment?.moyasar_payment_id,
      status: "failed",
      amount: 286_350,
      currency: "SAR",
      invoice_id: invoiceIdOf(started.url),
      metadata: { tenantId: tenant.tenantId, checkoutId: started.checkoutId },
    });
    const late = await processMoyasarEvent(env, loadConfig(env), {
      provider: "moyasar",
      eventId: "evt_late",
      eventType: "payment_failed",
      paymentId: payment?.moyasar_payment_id ?? "",
      receivedAt: Date.now(),
    });
    expect(late.outcome).toBe("failed");
    expect((await checkoutRow(started.checkoutId))?.status).toBe("paid");
    expect((await subscriptionRow(tenant.tenantId))?.status).toBe("active");
    expect(
      (
        await row<{ status: string }>(
          "SELECT status FROM billing_payments WHERE checkout_id = ?",
          started.checkoutId,
        )
      )?.status,
    ).toBe("paid");

    // A refund at Moyasar: a credit note against that invoice, once.
    moyasarPaymentIs({
      id: payment?.moyasar_payment_id,
      status: "refunded",
      amount: 286_350,
      refunded: 286_350,
      currency: "SAR",
      invoice_id: invoiceIdOf(started.url),
      metadata: { tenantId: tenant.tenantId, checkoutId: started.checkoutId },
    });
    for (const eventId of ["evt_refund", "evt_refund_again"]) {
      const refunded = await processMoyasarEvent(env, loadConfig(env), {
        provider: "moyasar",
        eventId,
        eventType: "payment_refunded",
        paymentId: payment?.moyasar_payment_id ?? "",
        receivedAt: Date.now(),
      });
      expect(refunded.outcome).toBe("refunded");
    }
    expect(
      await countRows(
        `tax_invoices WHERE tenant_id = '${tenant.tenantId}' AND kind = 'credit_note' AND total_halalas = 286350`,
      ),
    ).toBe(1);
    useSimulator();
  });

  it.each([
    ["4201320000013020", "DECLINED"],
    ["4201320000311101", "INSUFFICIENT_FUNDS"],
  ])("records a declined card %s and sends the browser back with the failure", async (card, message) => {
    const tenant = await createTenant();
    const started = await startCheckout(tenant);
    const redirect = await payOnSimulator(started.url, card);
    expect(redirect).toBe(`${ORIGIN}/billing?payment=failed`);
    await eventually(
      () => checkoutRow(started.checkoutId),
      (c) => c?.status === "failed",
    );
    expect((await subscriptionRow(tenant.tenantId))?.status).toBe("trialing");
    const payment = await row<{ status: string }>(
      "SELECT status FROM billing_payments WHERE checkout_id = ?",
      started.checkoutId,
    );
    expect(payment?.status).toBe("failed");
    const stored = await row<{ message: string }>(
      "SELECT message FROM dev_moyasar_payments WHERE invoice_id = ?",
      invoiceIdOf(started.url),
    );
    expect(stored?.message).toBe(message);
  });

  it.each([
    ["a wrong secret token", { secret_token: "not-the-secret-token-000000" }],
    ["no secret token", { secret_token: undefined }],
    ["a secret token that is not a string", { secret_token: 12 }],
  ])("refuses %s with a 401 and stores nothing", async (_, overrides) => {
    const before = await countRows("moyasar_webhook_events");
    const res = await postJson(
      "/webhooks/moyasar",
      eventEnvelope("payment_paid", crypto.randomUUID(), overrides),
    );
    await expectProblem(res, 401, "UNAUTHENTICATED");
    expect(await countRows("moyasar_webhook_events")).toBe(before);
  });

  it("answers a replayed event 200 and queues it once", async () => {
    const sent = env.WEBHOOKS_QUEUE.send.bind(env.WEBHOOKS_QUEUE);
    const queued: unknown[] = [];
    env.WEBHOOKS_QUEUE.send = async (body, options) => {
      queued.push(body);
      return sent(body, options);
    };
    try {
      const event = eventEnvelope("payment_paid", crypto.randomUUID());
      expect((await postJson("/webhooks/moyasar", event)).status).toBe(200);
      expect((await postJson("/webhooks/moyasar", event)).status).toBe(200);
      expect(queued).toHaveLength(1);
      expect(await countRows(`moyasar_webhook_events WHERE id = '${event.id}'`)).toBe(1);
    } finally {
      env.WEBHOOKS_QUEUE.send = sent;
    }
  });

  it("ignores events it does not handle, and takes Moyasar's misspelt payment_faild", async () => {
    const before = await countRows("moyasar_webhook_events");
    expect((await postJson("/webhooks/moyasar", eventEnvelope("payment_verified", "p1"))).status).toBe(200);
    expect(await countRows("moyasar_webhook_events")).toBe(before);
    const misspelt = eventEnvelope("payment_faild", crypto.randomUUID());
    expect((await postJson("/webhooks/moyasar", misspelt)).status).toBe(200);
    expect(await countRows(`moyasar_webhook_events WHERE id = '${misspelt.id}'`)).toBe(1);
  });

  it("flags an amount mismatch found on re-fetch when the event comes through the route and the queue", async () => {
    const tenant = await createTenant();
    const started = await startCheckout(tenant);
    const paymentId = crypto.randomUUID();
    moyasarPaymentIs({
      id: paymentId,
      status: "paid",
      amount: 100,
      currency: "SAR",
      invoice_id: invoiceIdOf(started.url),
      metadata: { tenantId: tenant.tenantId, checkoutId: started.checkoutId },
    });
    // The event's own body claims the right amount: only the re-fetched payment counts.
    const event = eventEnvelope("payment_paid", paymentId, {
      data: { id: paymentId, status: "paid", amount: 286_350, currency: "SAR" },
    });
    expect((await postJson("/webhooks/moyasar", event)).status).toBe(200);
    const flagged = await eventually(
      () =>
        row<{ mismatch: string | null }>(
          "SELECT mismatch FROM billing_payments WHERE moyasar_payment_id = ?",
          paymentId,
        ),
      (payment) => payment !== null,
    );
    expect(flagged?.mismatch).toBe("amount 100 ≠ 286350");
    expect((await checkoutRow(started.checkoutId))?.status).toBe("pending");
    expect((await subscriptionRow(tenant.tenantId))?.status).toBe("trialing");
  });

  describe("acts only on what Moyasar confirms on re-fetch", () => {
    async function pendingCheckout() {
      const tenant = await createTenant();
      const started = await startCheckout(tenant);
      return { tenant, started, invoiceId: invoiceIdOf(started.url) };
    }
    const apply = (paymentId: string) =>
      processMoyasarEvent(env, loadConfig(env), {
        provider: "moyasar",
        eventId: crypto.randomUUID(),
        eventType: "payment_paid",
        paymentId,
        receivedAt: Date.now(),
      });

    it.each([
      ["an amount that is not the checkout's total", { amount: 100 }, "amount 100 ≠ 286350"],
      ["a currency other than SAR", { currency: "USD" }, "currency USD"],
      ["another checkout's metadata", { metadata: { tenantId: "ten_x", checkoutId: "chk_x" } }, "metadata"],
    ])("flags %s and activates nothing", async (_, change, mismatch) => {
      const { tenant, started, invoiceId } = await pendingCheckout();
      const paymentId = crypto.randomUUID();
      moyasarPaymentIs({
        id: paymentId,
        status: "paid",
        amount: 286_350,
        currency: "SAR",
        invoice_id: invoiceId,
        metadata: { tenantId: tenant.tenantId, checkoutId: started.checkoutId },
        ...change,
      });
      expect(await apply(paymentId)).toEqual({ outcome: "mismatch", tenantId: tenant.tenantId, mismatch });
      expect(
        await row("SELECT status, mismatch FROM billing_payments WHERE moyasar_payment_id = ?", paymentId),
      ).toEqual({
        status: "paid",
        mismatch,
      });
      expect((await checkoutRow(started.checkoutId))?.status).toBe("pending");
      expect((await subscriptionRow(tenant.tenantId))?.status).toBe("trialing");
    });

    it("reads the metadata from the invoice when the payment has none", async () => {
      const { tenant, started, invoiceId } = await pendingCheckout();
      const paymentId = crypto.randomUUID();
      moyasarPaymentIs({
        id: paymentId,
        status: "paid",
        amount: 286_350,
        currency: "SAR",
        invoice_id: invoiceId,
      });
      expect((await apply(paymentId)).outcome).toBe("paid");
      expect((await subscriptionRow(tenant.tenantId))?.status).toBe("active");
      expect((await checkoutRow(started.checkoutId))?.status).toBe("paid");
    });

    it("applies nothing for a payment of an invoice Dealix never created", async () => {
      const paymentId = crypto.randomUUID();
      moyasarPaymentIs({
        id: paymentId,
        status: "paid",
        amount: 286_350,
        currency: "SAR",
        invoice_id: crypto.randomUUID(),
      });
      const before = await countRows("billing_payments");
      expect(await apply(paymentId)).toEqual({ outcome: "unknown_checkout", tenantId: null });
      expect(await countRows("billing_payments")).toBe(before);
    });

    it("waits on a payment that is not final yet", async () => {
      const { started, invoiceId } = await pendingCheckout();
      const paymentId = crypto.randomUUID();
      moyasarPaymentIs({
        id: paymentId,
        status: "initiated",
        amount: 286_350,
        currency: "SAR",
        invoice_id: invoiceId,
      });
      expect((await apply(paymentId)).outcome).toBe("not_final");
      expect((await checkoutRow(started.checkoutId))?.status).toBe("pending");
    });
  });
});

describe("plan changes and cancellation", () => {
  it("schedules a downgrade and a cancellation for the period end, without payment", async () => {
    const tenant = await createTenant();
    const change = (body: unknown) =>
      postJson("/api/v1/billing/subscription/change", body, tenant.owner.auth);
    await expectProblem(await change({ plan: "starter", period: "monthly" }), 409, "CONFLICT");
    await env.DB.prepare("UPDATE subscriptions SET status = 'active', plan = 'growth' WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .run();
    await expectProblem(await change({ plan: "enterprise", period: "monthly" }), 422, "VALIDATION_FAILED");
    const scheduled = await change({ plan: "starter", period: "monthly" });
    expect(scheduled.status).toBe(200);
    expect(await scheduled.json()).toMatchObject({
      plan: "growth",
      pendingChange: { plan: "starter", period: "monthly" },
    });
    const canceled = await postJson(
      "/api/v1/billing/subscription/cancel",
      { cancel: true },
      tenant.owner.auth,
    );
    expect(await canceled.json()).toMatchObject({
      cancelAtPeriodEnd: true,
      pendingChange: null,
      status: "active",
    });
    await expectProblem(
      await postJson("/api/v1/billing/subscription/cancel", { cancel: true }, tenant.manager.auth),
      403,
      "FORBIDDEN",
    );
    expect(await countRows(`billing_checkouts WHERE tenant_id = '${tenant.tenantId}'`)).toBe(0);
  });
});

describe("billing profile (who Dealix invoices)", () => {
  const put = (tenant: Tenant, body: unknown, auth = tenant.owner.auth) =>
    call("/api/v1/billing/profile", {
      method: "PUT",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  it("refuses bad input and other roles with nothing stored", async () => {
    const tenant = await createTenant();
    await expectProblem(
      await put(tenant, { legalName: "Dar Co", vatNumber: "123" }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await put(tenant, { legalName: "Dar Co", vatNumber: "310123456700003" }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await put(tenant, { legalName: "Dar Co", plan: "free" }), 422, "VALIDATION_FAILED");
    await expectProblem(await put(tenant, { legalName: "Dar Co" }, tenant.manager.auth), 403, "FORBIDDEN");
    await expectProblem(
      await call("/api/v1/billing/profile", { headers: tenant.agent.auth }),
      403,
      "FORBIDDEN",
    );
    expect(await countRows(`billing_profiles WHERE tenant_id = '${tenant.tenantId}'`)).toBe(0);
    const empty = await call("/api/v1/billing/profile", { headers: tenant.owner.auth });
    expect(await empty.json()).toMatchObject({ legalName: null, invoiceType: "simplified" });
  });

  it("makes the next payment's tax invoice a standard one naming the buyer's VAT number and address", async () => {
    const tenant = await createTenant();
    const saved = await put(tenant, {
      legalName: "مؤسسة الدار العقارية",
      vatNumber: "310 1234 5670 0003",
      address: "2345 طريق الملك فهد، الرياض 12211",
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(await saved.json()).toMatchObject({ vatNumber: "310123456700003", invoiceType: "standard" });

    const started = await startCheckout(tenant);
    await payOnSimulator(started.url, "4111 1111 1111 1111");
    const invoice = await eventually(
      () =>
        row<{ invoice_type: string; buyer: string }>(
          "SELECT invoice_type, buyer FROM tax_invoices WHERE tenant_id = ?",
          tenant.tenantId,
        ),
      (found) => found !== null,
    );
    expect(invoice?.invoice_type).toBe("standard");
    expect(JSON.parse(invoice?.buyer ?? "{}")).toEqual({
      name: "مؤسسة الدار العقارية",
      vatNumber: "310123456700003",
      address: "2345 طريق الملك فهد، الرياض 12211",
    });
    // Another tenant's invoices are unaffected by this tenant's profile.
    const other = await createTenant();
    expect(await countRows(`billing_profiles WHERE tenant_id = '${other.tenantId}'`)).toBe(0);
  });
});
