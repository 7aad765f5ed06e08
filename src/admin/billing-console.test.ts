import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createOperator, createTenant, putOnPlan } from "../../test/fixtures";
import { call, expectProblem, ORIGIN } from "../../test/helpers";

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
