import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";

type Auth = { Authorization: string };

const load = (auth: Auth, headers: Record<string, string> = {}) =>
  call("/api/v1/sample-data", { method: "POST", headers: { ...auth, ...headers } });
const remove = (auth: Auth) => call("/api/v1/sample-data", { method: "DELETE", headers: auth });

const rows = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all<Record<string, unknown>>()
  ).results;
const scalar = async (sql: string, ...binds: unknown[]) =>
  Number(Object.values((await rows(sql, ...binds))[0] ?? {})[0]);

const countsOf = async (tenantId: string, sample: 0 | 1) => ({
  contacts: await scalar(
    "SELECT count(*) FROM contacts WHERE tenant_id = ? AND sample = ?",
    tenantId,
    sample,
  ),
  companies: await scalar(
    "SELECT count(*) FROM companies WHERE tenant_id = ? AND sample = ?",
    tenantId,
    sample,
  ),
  deals: await scalar("SELECT count(*) FROM deals WHERE tenant_id = ? AND sample = ?", tenantId, sample),
  activities: await scalar(
    "SELECT count(*) FROM activities WHERE tenant_id = ? AND sample = ?",
    tenantId,
    sample,
  ),
});

async function created(auth: Auth, path: string, body: unknown) {
  const res = await postJson(path, body, auth);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe("POST /api/v1/sample-data", () => {
  it("fills the tenant with flagged, realistic rows owned by its agents, searchable, audited", async () => {
    const { tenantId, manager, agent } = await createTenant();
    const second = await createMember(tenantId, "agent");
    const res = await load(manager.auth);
    expect(res.status).toBe(201);
    const counts = (await res.json()) as Record<string, number>;
    expect(counts).toEqual({ contacts: 16, companies: 3, deals: 12, activities: 18 });
    expect(await countsOf(tenantId, 1)).toEqual(counts);

    const contacts = await rows("SELECT * FROM contacts WHERE tenant_id = ?", tenantId);
    expect(contacts.every((c) => /^\+9665\d{8}$/.test(String(c.phone)))).toBe(true);
    expect(contacts.some((c) => /[\u0600-\u06ff]/.test(String(c.name)))).toBe(true);
    expect(contacts.some((c) => /^[A-Za-z -]+$/.test(String(c.name)))).toBe(true);
    expect(new Set(contacts.map((c) => c.owner_id))).toEqual(new Set([agent.userId, second.userId]));
    expect(new Set(contacts.map((c) => c.status)).size).toBe(5);
    expect(await scalar("SELECT count(*) FROM contact_phones WHERE tenant_id = ?", tenantId)).toBe(16);
    expect(await scalar("SELECT count(*) FROM contact_tags WHERE tenant_id = ?", tenantId)).toBeGreaterThan(
      0,
    );

    const companies = await rows("SELECT vat_number FROM companies WHERE tenant_id = ?", tenantId);
    expect(companies.every((c) => /^3\d{13}3$/.test(String(c.vat_number)))).toBe(true);

    const deals = await rows(
      "SELECT d.amount_halalas, d.closed_at, s.kind, d.stage_id FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.tenant_id = ?",
      tenantId,
    );
    expect(new Set(deals.map((d) => d.stage_id)).size).toBeGreaterThanOrEqual(5);
    expect(deals.every((d) => Number(d.amount_halalas) % 100 === 0 && Number(d.amount_halalas) > 0)).toBe(
      true,
    );
    expect(deals.every((d) => (d.kind === "open") === (d.closed_at === null))).toBe(true);
    expect(await scalar("SELECT count(*) FROM deal_stage_history WHERE tenant_id = ?", tenantId)).toBe(12);

    const now = Date.now();
    const tasks = await rows(
      "SELECT due_at, done_at FROM activities WHERE tenant_id = ? AND due_at IS NOT NULL",
      tenantId,
    );
    expect(tasks.some((t) => t.done_at === null && Number(t.due_at) < now - 86_400_000)).toBe(true);
    expect(tasks.some((t) => t.done_at === null && Number(t.due_at) > now + 86_400_000)).toBe(true);
    expect(tasks.some((t) => t.done_at === null && Math.abs(Number(t.due_at) - now) < 3 * 3_600_000)).toBe(
      true,
    );

    expect(await scalar("SELECT count(*) FROM search_documents WHERE tenant_id = ?", tenantId)).toBe(31);
    const search = await call(`/api/v1/search?q=${encodeURIComponent("العتيبي")}`, { headers: manager.auth });
    expect(search.status).toBe(200);
    expect(JSON.stringify(await search.json())).toContain("العتيبي");
    expect(
      await scalar(
        "SELECT count(*) FROM audit_events WHERE tenant_id = ? AND action = 'sample_data.loaded'",
        tenantId,
      ),
    ).toBe(1);
  });

  it("refuses a second load with 409 and adds nothing", async () => {
    const { tenantId, manager } = await createTenant();
    expect((await load(manager.auth)).status).toBe(201);
    await expectProblem(await load(manager.auth), 409, "CONFLICT");
    expect((await countsOf(tenantId, 1)).contacts).toBe(16);
  });

  it("replays an Idempotency-Key instead of answering 409", async () => {
    const { tenantId, manager } = await createTenant();
    const first = await load(manager.auth, { "Idempotency-Key": "sample-1" });
    const again = await load(manager.auth, { "Idempotency-Key": "sample-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect((await countsOf(tenantId, 1)).contacts).toBe(16);
  });

  it("writes one set and one audit row when two loads race", async () => {
    const { tenantId, manager } = await createTenant();
    const statuses = (await Promise.all([load(manager.auth), load(manager.auth)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409]);
    expect(await countsOf(tenantId, 1)).toEqual({ contacts: 16, companies: 3, deals: 12, activities: 18 });
    expect(
      await scalar(
        "SELECT count(*) FROM audit_events WHERE tenant_id = ? AND action = 'sample_data.loaded'",
        tenantId,
      ),
    ).toBe(1);
  });

  it("refuses an agent (403) and writes nothing", async () => {
    const { tenantId, agent } = await createTenant();
    await expectProblem(await load(agent.auth), 403, "FORBIDDEN");
    await expectProblem(await remove(agent.auth), 403, "FORBIDDEN");
    expect(await countsOf(tenantId, 1)).toEqual({ contacts: 0, companies: 0, deals: 0, activities: 0 });
  });
});

describe("DELETE /api/v1/sample-data", () => {
  it("removes exactly the sample rows and what hangs off them; real records survive, unlinked from sample ones", async () => {
    const { tenantId, manager } = await createTenant();
    const other = await createTenant();
    expect((await load(manager.auth)).status).toBe(201);
    expect((await load(other.manager.auth)).status).toBe(201);
    const [sampleDeal] = await rows(
      "SELECT id, contact_id FROM deals WHERE tenant_id = ? AND sample = 1 LIMIT 1",
      tenantId,
    );
    const [sampleCompany] = await rows(
      "SELECT id FROM companies WHERE tenant_id = ? AND sample = 1 LIMIT 1",
      tenantId,
    );

    const realContact = await created(manager.auth, "/api/v1/contacts", {
      name: "عميل حقيقي",
      source: "walk_in",
      phones: ["0551234567"],
      tags: ["vip"],
    });
    const realDeal = await created(manager.auth, "/api/v1/deals", {
      title: "صفقة حقيقية",
      contactId: sampleDeal?.contact_id,
    });
    const realActivity = await created(manager.auth, "/api/v1/activities", {
      kind: "note",
      contactId: realContact,
      dealId: sampleDeal?.id,
      body: "ملاحظة حقيقية",
    });
    await env.DB.prepare("UPDATE contacts SET company_id = ? WHERE id = ?")
      .bind(sampleCompany?.id, realContact)
      .run();
    const real = await countsOf(tenantId, 0);

    const res = await remove(manager.auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ contacts: 16, companies: 3, deals: 12, activities: 18 });
    expect(await countsOf(tenantId, 1)).toEqual({ contacts: 0, companies: 0, deals: 0, activities: 0 });
    expect(await countsOf(tenantId, 0)).toEqual(real);

    const [contact] = await rows("SELECT company_id FROM contacts WHERE id = ?", realContact);
    expect(contact).toEqual({ company_id: null });
    expect(await rows("SELECT contact_id FROM deals WHERE id = ?", realDeal)).toEqual([{ contact_id: null }]);
    expect(await rows("SELECT contact_id, deal_id FROM activities WHERE id = ?", realActivity)).toEqual([
      { contact_id: realContact, deal_id: null },
    ]);
    // Phones, tags, stage history and search entries of the sample rows are gone; the real ones stay.
    expect(await rows("SELECT contact_id FROM contact_phones WHERE tenant_id = ?", tenantId)).toEqual([
      { contact_id: realContact },
    ]);
    expect(await rows("SELECT contact_id FROM contact_tags WHERE tenant_id = ?", tenantId)).toEqual([
      { contact_id: realContact },
    ]);
    expect(await rows("SELECT deal_id FROM deal_stage_history WHERE tenant_id = ?", tenantId)).toEqual([
      { deal_id: realDeal },
    ]);
    expect(
      (
        await rows("SELECT record_id FROM search_documents WHERE tenant_id = ? ORDER BY record_id", tenantId)
      ).map((r) => r.record_id),
    ).toEqual([realContact, realDeal].sort());
    expect(
      await scalar(
        "SELECT count(*) FROM audit_events WHERE tenant_id = ? AND action = 'sample_data.removed'",
        tenantId,
      ),
    ).toBe(1);

    // The other tenant's sample data is untouched.
    expect(await countsOf(other.tenantId, 1)).toEqual({
      contacts: 16,
      companies: 3,
      deals: 12,
      activities: 18,
    });
    expect(await scalar("SELECT count(*) FROM search_documents WHERE tenant_id = ?", other.tenantId)).toBe(
      31,
    );

    // Nothing left to remove: zeros, no second audit row; loading again works.
    expect(await (await remove(manager.auth)).json()).toEqual({
      contacts: 0,
      companies: 0,
      deals: 0,
      activities: 0,
    });
    expect((await load(manager.auth)).status).toBe(201);
  });

  it("refuses (409, nothing removed) while a real activity is only on sample records", async () => {
    const { tenantId, manager } = await createTenant();
    expect((await load(manager.auth)).status).toBe(201);
    const [sampleContact] = await rows(
      "SELECT id FROM contacts WHERE tenant_id = ? AND sample = 1 LIMIT 1",
      tenantId,
    );
    const activity = await created(manager.auth, "/api/v1/activities", {
      kind: "call",
      contactId: sampleContact?.id,
      body: "called the sample lead",
    });
    await expectProblem(await remove(manager.auth), 409, "CONFLICT");
    expect((await countsOf(tenantId, 1)).contacts).toBe(16);
    // Once the user deletes it, removal goes ahead.
    await env.DB.prepare("DELETE FROM activities WHERE id = ?").bind(activity).run();
    expect((await remove(manager.auth)).status).toBe(200);
    expect((await countsOf(tenantId, 1)).contacts).toBe(0);
  });
});
