import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { addWhatsAppTemplate, createTenant as createBareTenant } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { PRIVACY_CRON } from "../../workers/cron/index";
import { dbFor } from "../db/client";
import worker from "../index";
import { tenantScope } from "../platform/tenant-scope";
import { marketingConsentExpiry, marketingGrantCutoff } from "./consent-validity";
import { lapsedMarketingGrants, marketingConsentsEnding } from "./consents.repo";

const DAY = 86_400_000;

async function createTenant() {
  const tenant = await createBareTenant();
  await addWhatsAppTemplate(tenant.tenantId, {
    name: "offers",
    body: "عروض جديدة في {{1}}",
    variableCount: 1,
    footer: "للإيقاف أرسل «إيقاف»",
  });
  return tenant;
}
type Tenant = Awaited<ReturnType<typeof createTenant>>;

let counter = 0;
async function newContact(tenant: Tenant) {
  const phone = `+96656${String(Date.now() % 100_000).padStart(5, "0")}${String(counter++ % 100).padStart(2, "0")}`;
  const res = await postJson(
    "/api/v1/contacts",
    { name: `Nora ${counter}`, source: "walk_in", phones: [phone] },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const grant = async (tenant: Tenant, contactId: string, occurredAt: number) => {
  const res = await postJson(
    `/api/v1/contacts/${contactId}/consents`,
    {
      purpose: "marketing",
      status: "granted",
      source: "web_form",
      evidenceText: "أوافق على استلام العروض عبر واتساب / I agree to receive offers on WhatsApp",
      occurredAt: new Date(occurredAt).toISOString(),
    },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
};

const send = async (tenant: Tenant, contactId: string, purpose: "marketing" | "service") => {
  const res = await postJson(
    "/api/v1/messages",
    { contactId, template: { name: "offers", language: "ar", variables: ["الملقا"] }, purpose },
    tenant.owner.auth,
  );
  expect(res.status).toBe(202);
  return (await res.json()) as { state: string; stateReason: string | null };
};

async function runPrivacyCron(now: number) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: PRIVACY_CRON }), env, ctx);
  await waitOnExecutionContext(ctx);
  spy.mockRestore();
  return JSON.parse(lines.find((line) => line.includes('"msg":"job"')) ?? "{}");
}

const ledger = (tenantId: string, contactId: string) =>
  env.DB.prepare(
    "SELECT status, source, evidence_text, occurred_at, recorded_by FROM consents WHERE tenant_id = ? AND contact_id = ? ORDER BY created_at, rowid",
  )
    .bind(tenantId, contactId)
    .all<{
      status: string;
      source: string;
      evidence_text: string;
      occurred_at: number;
      recorded_by: string | null;
    }>()
    .then((r) => r.results);

describe("marketing consent validity", () => {
  it("lapses 12 calendar months after the grant", () => {
    const granted = Date.parse("2025-03-15T09:00:00.000Z");
    expect(new Date(marketingConsentExpiry(granted)).toISOString()).toBe("2026-03-15T09:00:00.000Z");
    expect(marketingGrantCutoff(Date.parse("2026-03-15T09:00:00.000Z"))).toBe(granted);
    const leap = Date.parse("2028-02-29T00:00:00.000Z");
    // A leap-day grant lapses on 1 March; the day before, it still holds.
    expect(leap <= marketingGrantCutoff(Date.parse("2029-02-28T23:59:59.999Z"))).toBe(false);
    expect(leap <= marketingGrantCutoff(Date.parse("2029-03-01T00:00:00.000Z"))).toBe(true);
  });
});

describe("consent expiry", () => {
  it("blocks marketing on a grant over 12 months old before the job runs, and lets service messages pass", async () => {
    const tenant = await createTenant();
    const contactId = await newContact(tenant);
    await grant(tenant, contactId, Date.now() - 400 * DAY);
    expect(await send(tenant, contactId, "marketing")).toMatchObject({
      state: "blocked",
      stateReason: "no_marketing_consent",
    });
    expect((await send(tenant, contactId, "service")).state).toBe("queued");
    const consents = await call(`/api/v1/contacts/${contactId}/consents`, { headers: tenant.owner.auth });
    expect(((await consents.json()) as { current: unknown[] }).current).toEqual([
      expect.objectContaining({ purpose: "marketing", status: "expired", source: "expiry" }),
    ]);
  });

  it("writes one audited expired row with evidence, is idempotent, leaves other consents alone, and a renewal restores marketing", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const now = Date.now();
    const grantedAt = now - 370 * DAY;
    const [lapsed, fresh] = [await newContact(tenant), await newContact(tenant)];
    const othersContact = await newContact(other);
    await grant(tenant, lapsed, grantedAt);
    await grant(tenant, fresh, now - 300 * DAY);
    await grant(other, othersContact, now - 100 * DAY);

    const first = await runPrivacyCron(now);
    expect(first).toMatchObject({ job: "privacy_daily" });
    expect(first.consentsExpired).toBeGreaterThanOrEqual(1);
    const rows = await ledger(tenant.tenantId, lapsed);
    expect(rows.map((row) => row.status)).toEqual(["granted", "expired"]);
    expect(rows[1]).toMatchObject({
      source: "expiry",
      recorded_by: null,
      occurred_at: marketingConsentExpiry(grantedAt),
      evidence_text: `granted ${new Date(grantedAt).toISOString().slice(0, 10)} (web_form), not renewed in 12 months`,
    });
    const audit = await env.DB.prepare(
      "SELECT actor_type, target_id, details FROM audit_events WHERE tenant_id = ? AND action = 'consent.expired'",
    )
      .bind(tenant.tenantId)
      .all<{ actor_type: string; target_id: string; details: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor_type: "system", target_id: lapsed });
    expect(JSON.parse(audit.results[0]?.details ?? "{}")).toMatchObject({
      channel: "whatsapp",
      grantedAt: new Date(grantedAt).toISOString(),
    });

    // A second run writes nothing more; the fresh grant and the other tenant's stay as they were.
    await runPrivacyCron(now + 1000);
    expect((await ledger(tenant.tenantId, lapsed)).map((row) => row.status)).toEqual(["granted", "expired"]);
    expect((await ledger(tenant.tenantId, fresh)).map((row) => row.status)).toEqual(["granted"]);
    expect((await ledger(other.tenantId, othersContact)).map((row) => row.status)).toEqual(["granted"]);
    const auditCount = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id IN (?, ?) AND action = 'consent.expired'",
    )
      .bind(tenant.tenantId, other.tenantId)
      .first<{ n: number }>();
    expect(auditCount?.n).toBe(1);

    expect((await send(tenant, lapsed, "marketing")).stateReason).toBe("no_marketing_consent");
    await grant(tenant, lapsed, Date.now());
    expect((await send(tenant, lapsed, "marketing")).state).toBe("queued");
    await runPrivacyCron(Date.now());
    expect((await ledger(tenant.tenantId, lapsed)).map((row) => row.status)).toEqual([
      "granted",
      "expired",
      "granted",
    ]);
  });

  it("lists the tenant's consents lapsing within 30 days and those lapsed, to managers only", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const now = Date.now();
    const [soon, lapsed, later] = [
      await newContact(tenant),
      await newContact(tenant),
      await newContact(tenant),
    ];
    await grant(tenant, soon, now - 350 * DAY);
    await grant(tenant, lapsed, now - 380 * DAY);
    await grant(tenant, later, now - 100 * DAY);
    await grant(other, await newContact(other), now - 350 * DAY);

    const res = await call("/api/v1/consents/expiring", { headers: tenant.manager.auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      withinDays: number;
      expiring: { contactId: string; status: string; expiresAt: string }[];
      expired: { contactId: string; status: string; grantedAt: string }[];
    };
    expect(body.withinDays).toBe(30);
    expect(body.expiring.map((row) => row.contactId)).toEqual([soon]);
    expect(body.expiring[0]?.expiresAt).toBe(new Date(marketingConsentExpiry(now - 350 * DAY)).toISOString());
    expect(body.expired.map((row) => row.contactId)).toEqual([lapsed]);

    // Once the job has closed it, the expired grant is listed from its ledger row.
    await runPrivacyCron(now);
    const after = (await (
      await call("/api/v1/consents/expiring", { headers: tenant.owner.auth })
    ).json()) as typeof body;
    expect(after.expired).toEqual([
      expect.objectContaining({ contactId: lapsed, grantedAt: new Date(now - 380 * DAY).toISOString() }),
    ]);
    await expectProblem(
      await call("/api/v1/consents/expiring", { headers: tenant.agent.auth }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("consent expiry query plans", () => {
  const planOf = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    return results.map((row) => row.detail).join("; ");
  };

  it("walks only marketing grants old enough to lapse, through the partial index", async () => {
    expect(await planOf(lapsedMarketingGrants(dbFor(env.DB), Date.now(), 50))).toMatch(
      /USING INDEX consents_marketing_grants \(occurred_at<\?\)/,
    );
  });

  it("lists a tenant's ending consents through its marketing index", async () => {
    const scope = tenantScope(dbFor(env.DB), "ten_plan");
    expect(await planOf(marketingConsentsEnding(scope, "granted", Date.now(), 100))).toMatch(
      /consents_tenant_marketing/,
    );
  });
});
