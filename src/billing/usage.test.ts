import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addWhatsAppTemplate, createTenant, putOnPlan, uniquePhone } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import { tenantScope } from "../platform/tenant-scope";
import { PLANS } from "./plans";
import { meter, riyadhMonth, withinPlan } from "./usage";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const setMonthlyUse = (tenant: Tenant, metric: string, used: number) =>
  env.DB.prepare(
    "INSERT INTO usage_counters (tenant_id, metric, period, used, allowed, updated_at) VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT DO UPDATE SET used = excluded.used",
  )
    .bind(tenant.tenantId, metric, riyadhMonth(Date.now()), used, Date.now())
    .run();

const monthlyUse = async (tenant: Tenant, metric: string) =>
  (
    await env.DB.prepare("SELECT used FROM usage_counters WHERE tenant_id = ? AND metric = ? AND period = ?")
      .bind(tenant.tenantId, metric, riyadhMonth(Date.now()))
      .first<{ used: number }>()
  )?.used ?? 0;

const countOf = async (sql: string, ...values: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...values)
      .first<{ n: number }>()
  )?.n ?? 0;

/** Fills a tenant with `n` contacts in one statement (a recursive series), as an import would. */
const fillContacts = (tenant: Tenant, n: number) =>
  env.DB.prepare(
    `WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < ?)
     INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, created_at, updated_at)
     SELECT 'con_fill' || ? || '_' || i, ?, 'Lead ' || i, 'lead ' || i, 'lead' || i, 'import', 1, 1 FROM series`,
  )
    .bind(n, tenant.tenantId.slice(4), tenant.tenantId)
    .run();

describe("plan limits and usage metering", () => {
  it("counts 100 concurrent uses at the limit exactly: the ones that fit pass, the rest are refused", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    const limit = PLANS.starter.limits.whatsappMessagesPerMonth;
    await setMonthlyUse(tenant, "whatsapp_messages", limit - 37);
    const config = loadConfig(env);
    const scope = tenantScope(dbFor(env.DB), tenant.tenantId);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, () =>
        withinPlan({ config }, "whatsapp_messages", () =>
          scope.write([meter(scope, "whatsapp_messages", 1, Date.now())]),
        ),
      ),
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(37);
    expect(refused).toHaveLength(63);
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: "PLAN_LIMIT", status: 402 });
    }
    expect(await monthlyUse(tenant, "whatsapp_messages")).toBe(limit);
  });

  it("refuses a contact past the plan with 402 and the upgrade link, writing nothing", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    await fillContacts(tenant, PLANS.starter.limits.contacts - 1);
    const create = (name: string) =>
      postJson("/api/v1/contacts", { name, source: "walk_in", phones: [uniquePhone()] }, tenant.owner.auth);

    expect((await create("Last one that fits")).status).toBe(201);
    const refused = await expectProblem(await create("One too many"), 402, "PLAN_LIMIT");
    expect(refused.upgradeUrl).toMatch(/\/pricing$/);
    expect(await countOf("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?", tenant.tenantId)).toBe(
      PLANS.starter.limits.contacts,
    );
    expect(
      await countOf(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'contact.created'",
        tenant.tenantId,
      ),
    ).toBe(1);

    // Merged and sample contacts do not count: a merge frees a place.
    await env.DB.prepare("UPDATE contacts SET merged_into_id = id WHERE id = ?")
      .bind(`con_fill${tenant.tenantId.slice(4)}_1`)
      .run();
    expect((await create("After a merge")).status).toBe(201);

    // Growth allows far more: the same tenant upgraded goes on at once.
    await putOnPlan(tenant.tenantId, "growth");
    expect((await create("On Growth")).status).toBe(201);
  });

  it("refuses a WhatsApp message once the month's messages are used, but never blocks counting a blocked one", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    const contact = await postJson(
      "/api/v1/contacts",
      { name: "Reem", source: "walk_in", phones: [uniquePhone()] },
      tenant.owner.auth,
    );
    const contactId = ((await contact.json()) as { id: string }).id;
    await addWhatsAppTemplate(tenant.tenantId, {
      name: "visit_reminder",
      variableCount: 1,
      footer: "للإيقاف أرسل إيقاف",
    });
    const send = (purpose: "service" | "marketing") =>
      postJson(
        "/api/v1/messages",
        { contactId, purpose, template: { name: "visit_reminder", language: "ar", variables: ["غداً"] } },
        tenant.owner.auth,
      );
    const limit = PLANS.starter.limits.whatsappMessagesPerMonth;
    await setMonthlyUse(tenant, "whatsapp_messages", limit - 1);

    expect((await send("service")).status).toBe(202);
    expect(await monthlyUse(tenant, "whatsapp_messages")).toBe(limit);
    await expectProblem(await send("service"), 402, "PLAN_LIMIT");
    // A marketing message without consent is stored blocked and never sent: not counted, not refused.
    const blocked = await send("marketing");
    expect(blocked.status).toBe(202);
    expect(((await blocked.json()) as { state: string }).state).toBe("blocked");
    expect(await countOf("SELECT COUNT(*) AS n FROM messages WHERE tenant_id = ?", tenant.tenantId)).toBe(2);
    expect(await monthlyUse(tenant, "whatsapp_messages")).toBe(limit);
  });

  it("holds a seat per pending invitation and refuses one past the plan", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    // The fixture's owner, manager and agent fill Starter's three seats.
    const res = await postJson(
      "/api/v1/invitations",
      { phone: uniquePhone(), role: "agent" },
      tenant.owner.auth,
    );
    await expectProblem(res, 402, "PLAN_LIMIT");
    expect(await countOf("SELECT COUNT(*) AS n FROM invitations WHERE tenant_id = ?", tenant.tenantId)).toBe(
      0,
    );

    await putOnPlan(tenant.tenantId, "growth");
    const invited = await postJson(
      "/api/v1/invitations",
      { phone: uniquePhone(), role: "agent" },
      tenant.owner.auth,
    );
    expect(invited.status).toBe(201);
  });

  it("reports the plan and each limit's use to owners and managers, per tenant", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await putOnPlan(tenant.tenantId, "growth");
    await setMonthlyUse(tenant, "whatsapp_messages", 12);
    await setMonthlyUse(other, "whatsapp_messages", 99);

    const res = await call("/api/v1/billing/usage", { headers: tenant.manager.auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      plan: string;
      metrics: { metric: string; used: number; limit: number }[];
    };
    expect(body.plan).toBe("growth");
    expect(body.metrics).toEqual([
      { metric: "seats", used: 3, limit: 10, period: "total" },
      { metric: "contacts", used: 0, limit: 50_000, period: "total" },
      { metric: "whatsapp_messages", used: 12, limit: 10_000, period: riyadhMonth(Date.now()) },
      { metric: "ai_calls", used: 0, limit: 2_000, period: riyadhMonth(Date.now()) },
    ]);
    await expectProblem(
      await call("/api/v1/billing/usage", { headers: tenant.agent.auth }),
      403,
      "FORBIDDEN",
    );
  });

  it("counts months in Riyadh time (UTC+3)", () => {
    expect(riyadhMonth(Date.parse("2026-11-30T20:59:59Z"))).toBe("2026-11");
    expect(riyadhMonth(Date.parse("2026-11-30T21:00:00Z"))).toBe("2026-12");
  });
});
