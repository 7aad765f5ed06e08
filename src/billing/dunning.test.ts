import { env, exports } from "cloudflare:workers";
import { http } from "msw";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { type Actor, createTenant, putOnPlan } from "../../test/fixtures";
import { call, expectProblem, ORIGIN, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { loadConfig } from "../env";
import { resetBreaker } from "../platform/circuit-breaker";
import { DUNNING_REMINDER_DAYS, dueEvent, dueReminder, GRACE_DAYS, runBillingCycle } from "./dunning";

const DAY = 86_400_000;
type Tenant = Awaited<ReturnType<typeof createTenant>>;

const subscriptionOf = (tenant: Tenant) =>
  env.DB.prepare("SELECT status, current_period_end FROM subscriptions WHERE tenant_id = ?")
    .bind(tenant.tenantId)
    .first<{ status: string; current_period_end: number }>();

const setSubscription = (tenant: Tenant, status: string, periodEnd: number, cancel = false) =>
  env.DB.prepare(
    "UPDATE subscriptions SET status = ?, current_period_end = ?, trial_ends_at = CASE WHEN ? = 'trialing' THEN ? ELSE NULL END, cancel_at_period_end = ? WHERE tenant_id = ?",
  )
    .bind(status, periodEnd, status, periodEnd, cancel ? 1 : 0, tenant.tenantId)
    .run();

/** The billing e-mails the dev outbox holds for an owner, oldest first. */
const noticesTo = async (owner: Actor) =>
  (
    await env.DB.prepare(
      "SELECT subject, body FROM outbox_messages WHERE recipient = ? AND channel = 'email' AND subject LIKE 'Dealix:%' ORDER BY created_at",
    )
      .bind(owner.email)
      .all<{ subject: string; body: string }>()
  ).results;

const run = (now: number) => runBillingCycle(env, loadConfig(env), now);

// The renewal invoices the run opens are created on the dev simulator, in process (no network).
beforeEach(() =>
  network.use(
    http.all(`${ORIGIN}/dev/moyasar/v1/*`, ({ request }) => exports.default.fetch(request as Request)),
  ),
);
afterEach(() => resetBreaker(env.CIRCUIT_BREAKER, "moyasar"));

const checkoutsOf = async (tenant: Tenant) =>
  (
    await env.DB.prepare(
      "SELECT id, plan, period, kind, status, net_halalas, url, created_by FROM billing_checkouts WHERE tenant_id = ? ORDER BY created_at",
    )
      .bind(tenant.tenantId)
      .all<{
        id: string;
        plan: string;
        period: string;
        kind: string;
        status: string;
        net_halalas: number;
        url: string | null;
        created_by: string;
      }>()
  ).results;

/** Pays a hosted invoice page with Moyasar's test card, as the owner's browser would. */
async function pay(url: string) {
  const browser = new TestBrowser();
  const path = new URL(url).pathname;
  expect((await browser.get(path)).status).toBe(200);
  const res = await browser.post(path, {
    name: "Test Card",
    number: "4111111111111111",
    expiry: "12/30",
    cvc: "123",
  });
  expect(res.status).toBe(303);
}

describe("billing run (dunning)", () => {
  it("ends a trial, reminds on days 0, 3 and 7 once each, suspends on day 14, and a run repeated changes nothing", async () => {
    const tenant = await createTenant();
    const end = Date.now() - 1000;
    await setSubscription(tenant, "trialing", end);

    await run(end + 1000);
    expect((await subscriptionOf(tenant))?.status).toBe("past_due");
    const first = await noticesTo(tenant.owner);
    expect(first).toHaveLength(1);
    expect(first[0]?.body).toContain("انتهت الفترة التجريبية");
    expect(first[0]?.body).toContain("Your trial has ended");
    expect(first[0]?.body).toContain("/billing");

    // Every page asks for the payment; the owner gets the way to pay.
    const page = await new TestBrowser({
      "__Host-dlx_at": tenant.owner.accessToken,
      "__Host-dlx_rt": tenant.owner.refreshToken,
    }).get("/contacts");
    const html = await page.text();
    expect(html).toContain('data-testid="dunning-banner"');
    expect(html).not.toContain('data-testid="suspended-banner"');

    // The same day again, twice at once: nothing new.
    await Promise.all([run(end + 2 * 3600_000), run(end + 2 * 3600_000)]);
    expect(await noticesTo(tenant.owner)).toHaveLength(1);

    await run(end + 3 * DAY + 1000);
    await run(end + 4 * DAY);
    await run(end + 7 * DAY + 1000);
    const reminders = await noticesTo(tenant.owner);
    expect(reminders).toHaveLength(3);
    expect(reminders[1]?.body).toContain("We have not received the renewal");
    expect((await subscriptionOf(tenant))?.status).toBe("past_due");

    await run(end + GRACE_DAYS * DAY + 1000);
    expect((await subscriptionOf(tenant))?.status).toBe("suspended");
    const all = await noticesTo(tenant.owner);
    expect(all).toHaveLength(4);
    expect(all[3]?.body).toContain("suspended for non-payment");
    await run(end + GRACE_DAYS * DAY + 2000);
    expect(await noticesTo(tenant.owner)).toHaveLength(4);
  });

  it("tells the owner before a paid period ends, once, and ends a canceled one without reminders", async () => {
    const renewing = await createTenant();
    const now = Date.now();
    await setSubscription(renewing, "active", now + 2 * DAY);
    await run(now);
    await run(now + 3600_000);
    const notices = await noticesTo(renewing.owner);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.body).toContain("Renew by paying at the link");
    expect((await subscriptionOf(renewing))?.status).toBe("active");

    const leaving = await createTenant();
    await setSubscription(leaving, "active", now - 1000, true);
    await run(now);
    expect((await subscriptionOf(leaving))?.status).toBe("canceled");
    expect(await noticesTo(leaving.owner)).toHaveLength(0);
  });

  it("opens the renewal invoice itself and sends its link, once, on the plan a downgrade scheduled", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "growth");
    const now = Date.now();
    await setSubscription(tenant, "active", now + 2 * DAY);
    // The owner scheduled Starter for the period end.
    const change = await postJson(
      "/api/v1/billing/subscription/change",
      { plan: "starter", period: "monthly" },
      tenant.owner.auth,
    );
    expect(change.status, await change.clone().text()).toBe(200);

    const result = await run(now);
    expect(result).toMatchObject({ reminded: 1, invoices: 1 });
    await run(now + 3600_000);
    const [renewal, ...others] = await checkoutsOf(tenant);
    expect(others).toHaveLength(0);
    expect(renewal).toMatchObject({
      plan: "starter",
      period: "monthly",
      kind: "renewal",
      status: "pending",
      net_halalas: 99_000,
      created_by: tenant.owner.userId,
    });
    const [notice] = await noticesTo(tenant.owner);
    expect(notice?.body).toContain(renewal?.url ?? "missing");

    // Paying it starts the Starter period where the Growth one ends.
    await pay(renewal?.url ?? "");
    const paid = await eventually(
      () =>
        env.DB.prepare(
          "SELECT plan, status, current_period_start, pending_plan FROM subscriptions WHERE tenant_id = ?",
        )
          .bind(tenant.tenantId)
          .first<{
            plan: string;
            status: string;
            current_period_start: number;
            pending_plan: string | null;
          }>(),
      (row) => row?.plan === "starter",
    );
    expect(paid).toMatchObject({ status: "active", current_period_start: now + 2 * DAY, pending_plan: null });
  });

  it("sends the same unpaid renewal invoice with the overdue reminders, and leaves an owner's own checkout alone", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    // The period ended three days ago; the run before it opened the renewal invoice.
    const end = Date.now() - 3 * DAY - 5000;
    await setSubscription(tenant, "active", end);
    await run(end - 2 * DAY);
    await run(end + 1000);
    expect((await subscriptionOf(tenant))?.status).toBe("past_due");
    const checkouts = await checkoutsOf(tenant);
    expect(checkouts).toHaveLength(1);
    const notices = await noticesTo(tenant.owner);
    expect(notices).toHaveLength(2);
    expect(notices[1]?.body).toContain(checkouts[0]?.url ?? "missing");

    // The owner starts buying Growth instead: the run does not replace that checkout.
    const own = await postJson(
      "/api/v1/billing/checkout",
      { plan: "growth", period: "monthly" },
      tenant.owner.auth,
    );
    expect(own.status).toBe(201);
    await run(Date.now() + 1000);
    const after = await checkoutsOf(tenant);
    expect(after.map((c) => [c.plan, c.status])).toEqual([
      ["starter", "expired"],
      ["growth", "pending"],
    ]);
    const third = (await noticesTo(tenant.owner))[2];
    expect(third?.body).toContain(`${ORIGIN}/billing`);
  });

  it("keeps a suspended account readable and signed in, refuses its writes with a banner, and lets its owner pay", async () => {
    const tenant = await createTenant();
    await setSubscription(tenant, "suspended", Date.now() - 20 * DAY);

    const read = await call("/api/v1/contacts", { headers: tenant.agent.auth });
    expect(read.status, await read.clone().text()).toBe(200);
    const refused = await postJson(
      "/api/v1/contacts",
      { name: "Reem", source: "walk_in", phones: ["+966551230001"] },
      tenant.agent.auth,
    );
    await expectProblem(refused, 402, "ACCOUNT_SUSPENDED");
    expect(
      (
        await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?")
          .bind(tenant.tenantId)
          .first<{ n: number }>()
      )?.n,
    ).toBe(0);

    // An API key of the tenant is refused the same way.
    const key = await env.DB.prepare("UPDATE subscriptions SET status = 'active' WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .run()
      .then(() => postJson("/api/v1/api-keys", { name: "Sync", scopes: ["crm:write"] }, tenant.owner.auth));
    expect(key.status).toBe(201);
    const apiKey = ((await key.json()) as { key: string }).key;
    await setSubscription(tenant, "suspended", Date.now() - 20 * DAY);
    await expectProblem(
      await postJson(
        "/api/v1/contacts",
        { name: "Reem", source: "walk_in", phones: ["+966551230002"] },
        { Authorization: `Bearer ${apiKey}` },
      ),
      402,
      "ACCOUNT_SUSPENDED",
    );

    // The page says so, with the way to pay for the owner.
    const page = await new TestBrowser({
      "__Host-dlx_at": tenant.owner.accessToken,
      "__Host-dlx_rt": tenant.owner.refreshToken,
    }).get("/contacts");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="suspended-banner"');
    expect(html).toContain('href="/billing"');

    // Paying stays possible: the owner's checkout is stored (Moyasar is unreachable in tests: 503).
    const checkout = await postJson(
      "/api/v1/billing/checkout",
      { plan: "growth", period: "monthly" },
      tenant.owner.auth,
    );
    expect(checkout.status).not.toBe(402);
    expect(
      (
        await env.DB.prepare("SELECT COUNT(*) AS n FROM billing_checkouts WHERE tenant_id = ?")
          .bind(tenant.tenantId)
          .first<{ n: number }>()
      )?.n,
    ).toBe(1);
  });

  it("decides each day's step from the clock alone", () => {
    const end = Date.UTC(2026, 11, 1);
    const row = (status: "trialing" | "active" | "past_due", cancel = false) => ({
      status,
      currentPeriodEnd: end,
      cancelAtPeriodEnd: cancel,
      trialEndsAt: status === "trialing" ? end : null,
    });
    expect(dueEvent(row("active"), end - 1)).toBeNull();
    expect(dueEvent(row("active"), end)).toEqual({ event: "renewal_failed", to: "past_due" });
    expect(dueEvent(row("active", true), end)).toEqual({ event: "period_ended_canceled", to: "canceled" });
    expect(dueEvent(row("trialing"), end)).toEqual({ event: "trial_ended", to: "past_due" });
    expect(dueEvent(row("past_due"), end + (GRACE_DAYS * DAY - 1))).toBeNull();
    expect(dueEvent(row("past_due"), end + GRACE_DAYS * DAY)).toEqual({
      event: "grace_ended",
      to: "suspended",
    });
    expect(dueReminder(row("active"), end - 4 * DAY)).toBeNull();
    expect(dueReminder(row("active"), end - 2 * DAY)).toEqual({ day: -3, kind: "renewal_due" });
    for (const day of DUNNING_REMINDER_DAYS) {
      expect(dueReminder(row("past_due"), end + day * DAY + 1)?.day).toBe(day);
    }
    expect(dueReminder(row("past_due"), end + 5 * DAY)?.day).toBe(3);
  });
});
