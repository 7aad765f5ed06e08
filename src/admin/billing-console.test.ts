import { env, exports } from "cloudflare:workers";
import { http } from "msw";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { createOperator, createTenant, putOnPlan } from "../../test/fixtures";
import { call, countRows, expectProblem, ORIGIN, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { resetBreaker } from "../platform/circuit-breaker";

type Operator = Awaited<ReturnType<typeof createOperator>>;
const DAY_MS = 86_400_000;

const post = (operator: Operator, path: string, body: unknown) =>
  call(path, {
    method: "POST",
    headers: { ...operator.cookie, Origin: ORIGIN, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

const subscriptionOf = (tenantId: string) =>
  env.DB.prepare("SELECT status, trial_ends_at, current_period_end FROM subscriptions WHERE tenant_id = ?")
    .bind(tenantId)
    .first<{ status: string; trial_ends_at: number | null; current_period_end: number }>();

const auditOf = (operator: Operator, action: string) =>
  env.DB.prepare(
    "SELECT target_type, target_id, details FROM operator_audit_events WHERE operator_id = ? AND action = ?",
  )
    .bind(operator.userId, action)
    .all<{ target_type: string; target_id: string; details: string }>()
    .then((r) => r.results);

/** A payment as the webhook consumer stores it, on a checkout of its own. */
async function storePayment(tenantId: string, n: number, status: string, amount: number, at: number) {
  const checkoutId = `chk_${String(n).padStart(20, "0")}`;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO billing_checkouts (id, tenant_id, plan, period, kind, net_halalas, vat_halalas, total_halalas, status, created_by, created_at, updated_at) VALUES (?, ?, 'growth', 'monthly', 'new', 249000, 37350, 286350, ?, (SELECT user_id FROM memberships WHERE tenant_id = ? LIMIT 1), ?, ?)",
    ).bind(checkoutId, tenantId, status === "paid" ? "paid" : "failed", tenantId, at, at),
    env.DB.prepare(
      "INSERT INTO billing_payments (id, tenant_id, checkout_id, moyasar_payment_id, status, amount_halalas, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'SAR', ?, ?)",
    ).bind(`pay_${String(n).padStart(20, "0")}`, tenantId, checkoutId, `moy-${n}`, status, amount, at, at),
  ]);
}

let operator: Operator;
beforeEach(async () => {
  operator = await createOperator();
});

describe("GET /admin/billing/tenants and /admin/billing/tenants/{tenantId}", () => {
  it("lists every tenant's plan, status, trial and last payment, a page at a time", async () => {
    const paying = await createTenant("Paying Co");
    const trialing = await createTenant("Trial Co");
    await storePayment(paying.tenantId, 1, "failed", 286_350, 1_700_000_000_000);
    await storePayment(paying.tenantId, 2, "paid", 286_350, 1_700_000_060_000);
    await putOnPlan(paying.tenantId, "growth");
    // The list is newest first: make the order certain even if both were created in one millisecond.
    await env.DB.prepare("UPDATE tenants SET created_at = created_at - 1000 WHERE id = ?")
      .bind(paying.tenantId)
      .run();

    const first = await call("/admin/billing/tenants?limit=1", { headers: operator.cookie });
    expect(first.status).toBe(200);
    const page = (await first.json()) as { data: { tenantId: string }[]; nextCursor: string };
    expect(page.data.map((t) => t.tenantId)).toEqual([trialing.tenantId]);
    expect(page.nextCursor).toEqual(expect.any(String));
    const second = await call(`/admin/billing/tenants?limit=1&cursor=${page.nextCursor}`, {
      headers: operator.cookie,
    });
    const next = (await second.json()) as { data: unknown[] };
    expect(next.data).toEqual([
      {
        tenantId: paying.tenantId,
        name: { ar: "Paying Co", en: "Paying Co" },
        plan: "growth",
        period: "monthly",
        status: "active",
        trialEndsAt: null,
        currentPeriodEnd: expect.any(String),
        cancelAtPeriodEnd: false,
        pendingChange: null,
        lastPayment: {
          status: "paid",
          amountHalalas: 286_350,
          currency: "SAR",
          at: new Date(1_700_000_060_000).toISOString(),
        },
      },
    ]);
    expect(page.data[0]).toMatchObject({ status: "trialing", plan: "growth", lastPayment: null });
  });

  it("shows one tenant's checkouts and payments newest first, with its tax invoice totals", async () => {
    const tenant = await createTenant();
    await storePayment(tenant.tenantId, 3, "failed", 286_350, 1_700_000_000_000);
    await storePayment(tenant.tenantId, 4, "paid", 286_350, 1_700_000_060_000);
    const res = await call(`/admin/billing/tenants/${tenant.tenantId}`, { headers: operator.cookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      checkouts: { status: string }[];
      payments: { status: string; moyasarPaymentId: string }[];
      taxInvoices: unknown;
    };
    expect(body.payments.map((p) => [p.moyasarPaymentId, p.status])).toEqual([
      ["moy-4", "paid"],
      ["moy-3", "failed"],
    ]);
    expect(body.checkouts.map((c) => c.status)).toEqual(["paid", "failed"]);
    expect(body.taxInvoices).toEqual({
      invoices: { count: 0, totalHalalas: 0 },
      creditNotes: { count: 0, totalHalalas: 0 },
    });
  });

  it("answers 404 for an unknown tenant, 422 for a malformed id or cursor, 401 for a tenant's owner", async () => {
    await expectProblem(
      await call("/admin/billing/tenants/ten_00000000000000000000", { headers: operator.cookie }),
      404,
      "NOT_FOUND",
    );
    await expectProblem(
      await call("/admin/billing/tenants/not-a-tenant", { headers: operator.cookie }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await call("/admin/billing/tenants?cursor=nonsense", { headers: operator.cookie }),
      422,
      "VALIDATION_FAILED",
    );
    const tenant = await createTenant();
    await expectProblem(
      await call("/admin/billing/tenants", { headers: tenant.owner.auth }),
      401,
      "UNAUTHENTICATED",
    );
  });
});

describe("POST /admin/billing/tenants/{tenantId}/extend-trial", () => {
  it("extends a live trial from its end, and audits who, why and how far", async () => {
    const tenant = await createTenant();
    const before = await subscriptionOf(tenant.tenantId);
    const res = await post(operator, `/admin/billing/tenants/${tenant.tenantId}/extend-trial`, {
      days: 7,
      reason: "Onboarding call moved",
    });
    expect(res.status).toBe(200);
    const expected = (before?.trial_ends_at ?? 0) + 7 * DAY_MS;
    expect(await subscriptionOf(tenant.tenantId)).toEqual({
      status: "trialing",
      trial_ends_at: expected,
      current_period_end: expected,
    });
    expect(await res.json()).toMatchObject({
      status: "trialing",
      trialEndsAt: new Date(expected).toISOString(),
    });
    const [audit] = await auditOf(operator, "operator.trial_extended");
    expect(audit).toMatchObject({ target_type: "tenant", target_id: tenant.tenantId });
    expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({
      days: 7,
      reason: "Onboarding call moved",
      from: "trialing",
    });
  });

  it("restarts a trial that ran out unpaid from today", async () => {
    const tenant = await createTenant();
    const ended = Date.now() - 3 * DAY_MS;
    await env.DB.prepare(
      "UPDATE subscriptions SET status = 'past_due', trial_ends_at = ?, current_period_end = ? WHERE tenant_id = ?",
    )
      .bind(ended, ended, tenant.tenantId)
      .run();
    const startedAt = Date.now();
    const res = await post(operator, `/admin/billing/tenants/${tenant.tenantId}/extend-trial`, {
      days: 3,
      reason: "Waiting for the purchase order",
    });
    expect(res.status).toBe(200);
    const after = await subscriptionOf(tenant.tenantId);
    expect(after?.status).toBe("trialing");
    expect(after?.trial_ends_at).toBeGreaterThanOrEqual(startedAt + 3 * DAY_MS);
    expect(after?.trial_ends_at).toBeLessThanOrEqual(Date.now() + 3 * DAY_MS);
  });

  it("refuses a paying tenant (409) and bad input (422), writing nothing", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    const before = await subscriptionOf(tenant.tenantId);
    await expectProblem(
      await post(operator, `/admin/billing/tenants/${tenant.tenantId}/extend-trial`, {
        days: 7,
        reason: "Asked nicely",
      }),
      409,
      "CONFLICT",
    );
    const trialing = await createTenant();
    const trialBefore = await subscriptionOf(trialing.tenantId);
    for (const body of [
      { days: 0, reason: "Too few" },
      { days: 31, reason: "Too many" },
      { days: 7 },
      { days: 7, reason: "ok", extra: true },
    ]) {
      await expectProblem(
        await post(operator, `/admin/billing/tenants/${trialing.tenantId}/extend-trial`, body),
        422,
        "VALIDATION_FAILED",
      );
    }
    expect(await subscriptionOf(tenant.tenantId)).toEqual(before);
    expect(await subscriptionOf(trialing.tenantId)).toEqual(trialBefore);
    expect(await auditOf(operator, "operator.trial_extended")).toEqual([]);
  });
});

describe("POST /admin/billing/tenants/{tenantId}/credits", () => {
  // Moyasar calls answered by the dev simulator, in process (tests have no network).
  beforeEach(() =>
    network.use(
      http.all(`${ORIGIN}/dev/moyasar/v1/*`, ({ request }) => exports.default.fetch(request as Request)),
    ),
  );
  afterEach(() => resetBreaker(env.CIRCUIT_BREAKER, "moyasar"));

  const creditsOf = (tenantId: string) =>
    env.DB.prepare(
      "SELECT amount_halalas, reason, created_by, consumed_by_checkout_id FROM billing_credits WHERE tenant_id = ? ORDER BY amount_halalas",
    )
      .bind(tenantId)
      .all<{ amount_halalas: number; consumed_by_checkout_id: string | null }>()
      .then((r) => r.results);

  async function grant(tenantId: string, amountHalalas: number) {
    const res = await post(operator, `/admin/billing/tenants/${tenantId}/credits`, {
      amountHalalas,
      reason: "Sorry for the outage",
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { creditId: string };
  }

  it("takes whole credits off the next checkout before VAT, and spends them only once it is paid", async () => {
    const tenant = await createTenant();
    const small = await grant(tenant.tenantId, 50_000);
    // Larger than Growth's 2,490 SAR: it cannot be taken whole, so it waits for a later checkout.
    await grant(tenant.tenantId, 1_000_000);
    await grant(tenant.tenantId, 30_000);
    const audits = await auditOf(operator, "operator.credit_granted");
    expect(audits).toHaveLength(3);
    const audit = audits.find((a) => JSON.parse(a.details).creditId === small.creditId);
    expect(audit).toMatchObject({ target_type: "tenant", target_id: tenant.tenantId });
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({
      creditId: small.creditId,
      amountHalalas: 50_000,
      reason: "Sorry for the outage",
    });

    // The owner's confirm page already shows the price with the credits taken off.
    const owner = new TestBrowser({
      "__Host-dlx_at": tenant.owner.accessToken,
      "__Host-dlx_rt": tenant.owner.refreshToken,
    });
    expect((await owner.get("/billing/checkout?plan=growth&period=monthly")).status).toBe(200);
    expect(owner.lastHtml).toMatch(/data-testid="checkout-total"><strong>1,943\.50/);

    const res = await postJson(
      "/api/v1/billing/checkout",
      { plan: "growth", period: "monthly" },
      tenant.owner.auth,
    );
    expect(res.status).toBe(201);
    const started = (await res.json()) as { checkoutId: string; url: string };
    expect(started).toMatchObject({
      netHalalas: 169_000,
      creditHalalas: 80_000,
      vatHalalas: 25_350,
      totalHalalas: 194_350,
    });
    // Not paid yet: an abandoned checkout must not burn the credit.
    expect((await creditsOf(tenant.tenantId)).map((c) => c.consumed_by_checkout_id)).toEqual([
      null,
      null,
      null,
    ]);

    const browser = new TestBrowser();
    const path = new URL(started.url).pathname;
    expect((await browser.get(path)).status).toBe(200);
    const paid = await browser.post(path, {
      name: "Test Card",
      number: "4111 1111 1111 1111",
      expiry: "12/30",
      cvc: "123",
    });
    expect(paid.status).toBe(303);
    await eventually(
      () => creditsOf(tenant.tenantId),
      (credits) => credits[0]?.consumed_by_checkout_id === started.checkoutId,
    );
    expect(await creditsOf(tenant.tenantId)).toEqual([
      expect.objectContaining({ amount_halalas: 30_000, consumed_by_checkout_id: started.checkoutId }),
      expect.objectContaining({ amount_halalas: 50_000, consumed_by_checkout_id: started.checkoutId }),
      expect.objectContaining({ amount_halalas: 1_000_000, consumed_by_checkout_id: null }),
    ]);
    const payment = await env.DB.prepare("SELECT amount_halalas FROM billing_payments WHERE checkout_id = ?")
      .bind(started.checkoutId)
      .first<{ amount_halalas: number }>();
    expect(payment?.amount_halalas).toBe(194_350);
    const detail = await call(`/admin/billing/tenants/${tenant.tenantId}`, { headers: operator.cookie });
    const { credits } = (await detail.json()) as {
      credits: { amountHalalas: number; createdBy: string; consumedByCheckoutId: string | null }[];
    };
    // Grants in the same millisecond have no defined order between them: compare by amount.
    const byAmount = credits
      .map((c) => [c.amountHalalas, c.consumedByCheckoutId])
      .sort(([a], [b]) => Number(a) - Number(b));
    expect(byAmount).toEqual([
      [30_000, started.checkoutId],
      [50_000, started.checkoutId],
      [1_000_000, null],
    ]);
    expect(new Set(credits.map((c) => c.createdBy))).toEqual(new Set([operator.userId]));
  });

  it("refuses an amount out of range or no reason (422) and an unknown tenant (404), writing nothing", async () => {
    const tenant = await createTenant();
    for (const body of [
      { amountHalalas: 99, reason: "Too little" },
      { amountHalalas: 1_000_001, reason: "Too much" },
      { amountHalalas: 10.5, reason: "Not whole" },
      { amountHalalas: 5_000 },
    ]) {
      await expectProblem(
        await post(operator, `/admin/billing/tenants/${tenant.tenantId}/credits`, body),
        422,
        "VALIDATION_FAILED",
      );
    }
    await expectProblem(
      await post(operator, "/admin/billing/tenants/ten_00000000000000000000/credits", {
        amountHalalas: 5_000,
        reason: "Nobody",
      }),
      404,
      "NOT_FOUND",
    );
    expect(await countRows(`billing_credits WHERE tenant_id = '${tenant.tenantId}'`)).toBe(0);
    expect(await auditOf(operator, "operator.credit_granted")).toEqual([]);
  });
});
