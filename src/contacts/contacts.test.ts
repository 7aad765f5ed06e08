import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, createMember, createTenant } from "../../test/fixtures";
import { call, callCountingD1, expectProblem } from "../../test/helpers";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Contact = {
  id: string;
  name: string;
  phones: string[];
  ownerId: string | null;
  version: number;
  tags: string[];
};

const send = (
  actor: Actor | { auth: Record<string, string> },
  method: string,
  path: string,
  body?: unknown,
  headers = {},
) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...actor.auth, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });

async function create(actor: Actor, body: Record<string, unknown>): Promise<Contact> {
  const res = await send(actor, "POST", "/contacts", { source: "walk_in", ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Contact;
}

const rowsOf = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all()
  ).results as Record<string, unknown>[];

const contactCount = async (tenantId: string) =>
  Number((await rowsOf("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?", tenantId))[0]?.n);

let tenant: Tenant;
let other: Tenant;
let secondAgent: Actor;

beforeAll(async () => {
  [tenant, other] = await Promise.all([createTenant("Contacts"), createTenant("Other")]);
  secondAgent = await createMember(tenant.tenantId, "agent");
});

describe("creating contacts", () => {
  it("stores phones in E.164, tags lower-cased, the creator as owner, and answers with the ETag", async () => {
    const res = await send(tenant.agent, "POST", "/contacts", {
      name: "نورة العتيبي",
      phones: ["٠٥٥ ١٢٣ ٤٥٦٧", "+971 50 123 4567"],
      email: " Noura@Example.SA ",
      source: "whatsapp",
      tags: ["VIP", "vip ", "Villa"],
    });
    expect(res.status).toBe(201);
    const contact = (await res.json()) as Contact & { email: string; status: string };
    expect(contact).toMatchObject({
      phones: ["+966551234567", "+971501234567"],
      email: "noura@example.sa",
      status: "new",
      ownerId: tenant.agent.userId,
      tags: ["villa", "vip"],
      version: 1,
    });
    expect(res.headers.get("ETag")).toBe('"1"');
    const [row] = await rowsOf("SELECT name_norm, name_key, phone FROM contacts WHERE id = ?", contact.id);
    expect(row).toEqual({ name_norm: "نوره العتيبي", name_key: "نوره عتيبي", phone: "+966551234567" });
    const audit = await rowsOf("SELECT action FROM audit_events WHERE target_id = ?", contact.id);
    expect(audit.map((a) => a.action)).toEqual(["contact.created"]);
  });

  it.each([
    ["no name", { source: "walk_in" }],
    ["a landline", { name: "A", source: "walk_in", phones: ["+966 11 234 5678"] }],
    ["a bad email", { name: "A", source: "walk_in", email: "not-an-email" }],
    ["an unknown source", { name: "A", source: "billboard" }],
    ["an unknown field", { name: "A", source: "walk_in", tenantId: "ten_x" }],
    ["too many phones", { name: "A", source: "walk_in", phones: Array(6).fill("0551234567") }],
    ["an undefined custom field", { name: "A", source: "walk_in", custom: { budget: 5 } }],
    [
      "another tenant's member as owner",
      { name: "A", source: "walk_in", ownerId: "usr_00000000000000000000" },
    ],
    ["an unknown company", { name: "A", source: "walk_in", companyId: "com_00000000000000000000" }],
  ])("refuses %s and writes nothing", async (_, body) => {
    const before = await contactCount(tenant.tenantId);
    await expectProblem(await send(tenant.manager, "POST", "/contacts", body), 422, "VALIDATION_FAILED");
    expect(await contactCount(tenant.tenantId)).toBe(before);
  });

  it("does not let an agent hand a new lead to someone else", async () => {
    const problem = await expectProblem(
      await send(tenant.agent, "POST", "/contacts", {
        name: "A",
        source: "walk_in",
        ownerId: secondAgent.userId,
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.[0]?.path).toBe("ownerId");
  });
});

describe("duplicates", () => {
  it("refuses the same phone typed differently, the same email, and a transliterated name", async () => {
    const first = await create(tenant.manager, {
      name: "Mohammed Al-Qahtani",
      phones: ["0557654321"],
      email: "mq@example.sa",
    });
    const byPhone = await expectProblem(
      await send(tenant.manager, "POST", "/contacts", {
        name: "Someone",
        source: "walk_in",
        phones: ["+966 (0)55 765 4321"],
      }),
      409,
      "DUPLICATE_CONTACT",
    );
    expect(byPhone.errors?.[0]).toMatchObject({ code: "duplicate_phone" });
    expect(byPhone.errors?.[0]?.message).toContain(first.id);
    await expectProblem(
      await send(tenant.manager, "POST", "/contacts", {
        name: "Else",
        source: "walk_in",
        email: "MQ@example.sa",
      }),
      409,
      "DUPLICATE_CONTACT",
    );
    const byName = await expectProblem(
      await send(tenant.manager, "POST", "/contacts", { name: "Muhammad Al Qahtani", source: "walk_in" }),
      409,
      "DUPLICATE_CONTACT",
    );
    expect(byName.errors?.[0]?.code).toBe("duplicate_name");
  });

  it("creates anyway when asked, then lists the duplicates strongest first", async () => {
    const first = await create(tenant.manager, { name: "Abdullah Saeed", phones: ["0551112233"] });
    const second = await create(tenant.manager, {
      name: "عبد الله سعيد",
      phones: ["966551112233"],
      onDuplicate: "create",
    });
    const third = await create(tenant.manager, { name: "Abdallah Saeed", onDuplicate: "create" });
    const res = await send(tenant.manager, "GET", `/contacts/${first.id}/duplicates`);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { id: string; matchedOn: string }[] };
    expect(data.map((d) => [d.id, d.matchedOn])).toEqual([
      [second.id, "phone"],
      [third.id, "name"],
    ]);
  });

  it("does not show an agent the details of another agent's contact", async () => {
    await create(secondAgent, { name: "Hidden Lead", phones: ["0553334444"] });
    const problem = await expectProblem(
      await send(tenant.agent, "POST", "/contacts", { name: "X", source: "walk_in", phones: ["0553334444"] }),
      409,
      "DUPLICATE_CONTACT",
    );
    expect(problem.errors?.[0]?.message).not.toContain("Hidden Lead");
    expect(problem.errors?.[0]?.message).toContain("another member");
  });
});

describe("visibility", () => {
  it("lets agents see only their own contacts until the tenant widens it", async () => {
    const tenantB = await createTenant("Visibility");
    const theirs = await create(tenantB.manager, { name: "Manager's lead" });
    const mine = await create(tenantB.agent, { name: "Agent's lead" });
    const listAs = async (actor: Actor) =>
      ((await (await send(actor, "GET", "/contacts")).json()) as { data: Contact[] }).data.map((c) => c.id);
    expect(await listAs(tenantB.agent)).toEqual([mine.id]);
    expect(await listAs(tenantB.manager)).toEqual([mine.id, theirs.id]);
    await expectProblem(await send(tenantB.agent, "GET", `/contacts/${theirs.id}`), 404, "NOT_FOUND");
    await expectProblem(
      await send(
        tenantB.agent,
        "PATCH",
        `/contacts/${theirs.id}`,
        { status: "contacted" },
        { "If-Match": '"1"' },
      ),
      404,
      "NOT_FOUND",
    );
    const widened = await send(tenantB.manager, "PUT", "/crm/settings", { visibility: "all" });
    expect(widened.status).toBe(200);
    expect(await listAs(tenantB.agent)).toEqual([mine.id, theirs.id]);
    expect((await send(tenantB.agent, "GET", `/contacts/${theirs.id}`)).status).toBe(200);
  });

  it("answers 404 for another tenant's contact, even to its owner role", async () => {
    const foreign = await create(other.owner, { name: "Foreign" });
    await expectProblem(await send(tenant.owner, "GET", `/contacts/${foreign.id}`), 404, "NOT_FOUND");
    await expectProblem(
      await send(tenant.owner, "POST", `/contacts/${foreign.id}/merge`, { otherId: foreign.id }),
      404,
      "NOT_FOUND",
    );
  });
});

describe("updates with If-Match", () => {
  it("requires the version, refuses a stale one and writes nothing", async () => {
    const contact = await create(tenant.manager, { name: "Versioned", phones: ["0556667777"], tags: ["a"] });
    await expectProblem(
      await send(tenant.manager, "PATCH", `/contacts/${contact.id}`, { status: "qualified" }),
      428,
      "VERSION_REQUIRED",
    );
    await expectProblem(
      await send(
        tenant.manager,
        "PATCH",
        `/contacts/${contact.id}`,
        { status: "qualified" },
        { "If-Match": "v1" },
      ),
      400,
      "INVALID_HEADER",
    );
    const ok = await send(
      tenant.manager,
      "PATCH",
      `/contacts/${contact.id}`,
      { status: "qualified" },
      { "If-Match": '"1"' },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get("ETag")).toBe('"2"');
    const stale = await expectProblem(
      await send(
        tenant.manager,
        "PATCH",
        `/contacts/${contact.id}`,
        { phones: ["0558889999"] },
        { "If-Match": '"1"' },
      ),
      412,
      "VERSION_MISMATCH",
    );
    expect(stale.detail).toContain("version 2");
    const phones = await rowsOf("SELECT phone FROM contact_phones WHERE contact_id = ?", contact.id);
    expect(phones).toEqual([{ phone: "+966556667777" }]);
  });

  it("lets exactly one of two concurrent edits of the same version through, with its phones and tags", async () => {
    const contact = await create(tenant.manager, { name: "Raced", phones: ["0550001111"] });
    const edits = await Promise.all(
      ["0550002222", "0550003333"].map((phone, i) =>
        send(
          tenant.manager,
          "PATCH",
          `/contacts/${contact.id}`,
          { phones: [phone], tags: [`t${i}`] },
          { "If-Match": '"1"' },
        ),
      ),
    );
    const statuses = edits.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 412]);
    const winner = (await edits.find((res) => res.status === 200)?.json()) as Contact;
    const [row] = await rowsOf("SELECT version, phone FROM contacts WHERE id = ?", contact.id);
    expect(row).toEqual({ version: 2, phone: winner.phones[0] });
    expect(await rowsOf("SELECT phone FROM contact_phones WHERE contact_id = ?", contact.id)).toEqual([
      { phone: winner.phones[0] },
    ]);
    expect((await rowsOf("SELECT tag FROM contact_tags WHERE contact_id = ?", contact.id)).length).toBe(1);
  });

  it("audits a reassignment and refuses one by an agent", async () => {
    const contact = await create(tenant.manager, { name: "Reassigned", ownerId: tenant.agent.userId });
    await expectProblem(
      await send(
        tenant.agent,
        "PATCH",
        `/contacts/${contact.id}`,
        { ownerId: secondAgent.userId },
        { "If-Match": '"1"' },
      ),
      422,
      "VALIDATION_FAILED",
    );
    const res = await send(
      tenant.manager,
      "PATCH",
      `/contacts/${contact.id}`,
      { ownerId: secondAgent.userId },
      {
        "If-Match": '"1"',
      },
    );
    expect(res.status).toBe(200);
    const audit = await rowsOf(
      "SELECT details FROM audit_events WHERE target_id = ? AND action = 'contact.reassigned'",
      contact.id,
    );
    expect(JSON.parse(String(audit[0]?.details))).toEqual({
      from: tenant.agent.userId,
      to: secondAgent.userId,
    });
  });
});

describe("merging", () => {
  it("moves every activity, deal, phone and tag, fills empty fields, keeps both notes, and audits", async () => {
    const now = Date.now();
    const survivor = await create(tenant.manager, {
      name: "Survivor",
      phones: ["0551230001"],
      tags: ["a"],
      notes: "first",
    });
    const merged = await create(tenant.manager, {
      name: "Survivor copy",
      phones: ["0551230002"],
      email: "copy@example.sa",
      tags: ["a", "b"],
      notes: "second",
      onDuplicate: "create",
    });
    await env.DB.batch([
      ...[1, 2, 3].map((n) =>
        env.DB.prepare(
          "INSERT INTO activities (id, tenant_id, kind, contact_id, body, occurred_at, created_at, updated_at) VALUES (?, ?, 'note', ?, 'n', ?, ?, ?)",
        ).bind(`act_merge${n}${now}`, tenant.tenantId, merged.id, now, now, now),
      ),
      env.DB.prepare(
        "INSERT INTO deals (id, tenant_id, title, title_norm, contact_id, pipeline_id, stage_id, created_at, updated_at, stage_changed_at) VALUES (?, ?, 'Villa', 'villa', ?, 'pip_x', 'stg_x', ?, ?, ?)",
      ).bind(`deal_merge${now}`, tenant.tenantId, merged.id, now, now, now),
    ]);
    const res = await send(tenant.manager, "POST", `/contacts/${survivor.id}/merge`, { otherId: merged.id });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as Contact & { email: string; notes: string };
    expect(result).toMatchObject({
      phones: ["+966551230001", "+966551230002"],
      email: "copy@example.sa",
      tags: ["a", "b"],
      notes: "first\n\nsecond",
    });
    expect(await rowsOf("SELECT COUNT(*) AS n FROM activities WHERE contact_id = ?", survivor.id)).toEqual([
      { n: 3 },
    ]);
    expect(await rowsOf("SELECT contact_id FROM deals WHERE id = ?", `deal_merge${now}`)).toEqual([
      { contact_id: survivor.id },
    ]);
    const [gone] = await rowsOf("SELECT merged_into_id FROM contacts WHERE id = ?", merged.id);
    expect(gone?.merged_into_id).toBe(survivor.id);
    const audit = await rowsOf(
      "SELECT details FROM audit_events WHERE target_id = ? AND action = 'contact.merged'",
      survivor.id,
    );
    expect(JSON.parse(String(audit[0]?.details))).toEqual({ mergedContactId: merged.id });
    // A merged contact is gone from lists and cannot be merged again.
    await expectProblem(
      await send(tenant.manager, "POST", `/contacts/${survivor.id}/merge`, { otherId: merged.id }),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("lets only one of two crossing merges happen", async () => {
    const a = await create(tenant.manager, { name: "Crossing A" });
    const b = await create(tenant.manager, { name: "Crossing B" });
    const results = await Promise.all([
      send(tenant.manager, "POST", `/contacts/${a.id}/merge`, { otherId: b.id }),
      send(tenant.manager, "POST", `/contacts/${b.id}/merge`, { otherId: a.id }),
    ]);
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    const rows = await rowsOf(
      "SELECT id FROM contacts WHERE id IN (?, ?) AND merged_into_id IS NULL",
      a.id,
      b.id,
    );
    expect(rows).toHaveLength(1);
  });
});

describe("round-robin assignment", () => {
  it("deals concurrently created leads out evenly over the chosen agents", async () => {
    const team = await createTenant("Round robin");
    const agents = [
      team.agent,
      await createMember(team.tenantId, "agent"),
      await createMember(team.tenantId, "agent"),
    ];
    const settings = await send(team.manager, "PUT", "/crm/settings", {
      assignment: "round_robin",
      roundRobinAgentIds: agents.map((a) => a.userId),
    });
    expect(settings.status).toBe(200);
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        send(team.manager, "POST", "/contacts", { name: `Lead ${i}`, source: "web_form", phones: [] }),
      ),
    );
    expect(created.every((res) => res.status === 201)).toBe(true);
    const owners = await rowsOf(
      "SELECT owner_id, COUNT(*) AS n FROM contacts WHERE tenant_id = ? GROUP BY owner_id ORDER BY owner_id",
      team.tenantId,
    );
    expect(owners.map((o) => o.n)).toEqual([10, 10, 10]);
    expect(new Set(owners.map((o) => o.owner_id))).toEqual(new Set(agents.map((a) => a.userId)));
  });

  it("skips a member who left and refuses non-members in the list", async () => {
    const team = await createTenant("Round robin 2");
    await expectProblem(
      await send(team.manager, "PUT", "/crm/settings", { roundRobinAgentIds: [other.agent.userId] }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(team.agent, "PUT", "/crm/settings", { visibility: "all" }),
      403,
      "FORBIDDEN",
    );
    const leaving = await createMember(team.tenantId, "agent");
    await send(team.manager, "PUT", "/crm/settings", {
      assignment: "round_robin",
      roundRobinAgentIds: [team.agent.userId, leaving.userId],
    });
    await env.DB.prepare("DELETE FROM memberships WHERE user_id = ?").bind(leaving.userId).run();
    for (let i = 0; i < 3; i++) {
      const contact = await create(team.manager, { name: `After ${i}` });
      expect(contact.ownerId).toBe(team.agent.userId);
    }
    // Agents keep the leads they create themselves.
    expect((await create(team.agent, { name: "Walk-in" })).ownerId).toBe(team.agent.userId);
  });
});

describe("custom fields on contacts", () => {
  it("validates values on create and update, and filters the list by them", async () => {
    const team = await createTenant("Custom");
    const defined = await send(team.manager, "POST", "/custom-fields", {
      objectType: "contact",
      key: "district",
      labelAr: "الحي",
      labelEn: "District",
      type: "select",
      options: [
        { value: "narjis", labelAr: "النرجس", labelEn: "Al Narjis" },
        { value: "malqa", labelAr: "الملقا", labelEn: "Al Malqa" },
      ],
    });
    expect(defined.status, await defined.clone().text()).toBe(201);
    const before = await contactCount(team.tenantId);
    const refused = await expectProblem(
      await send(team.manager, "POST", "/contacts", {
        name: "A",
        source: "walk_in",
        custom: { district: "olaya" },
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(refused.errors?.[0]?.path).toBe("custom.district");
    expect(await contactCount(team.tenantId)).toBe(before);
    const narjis = await create(team.manager, { name: "In Narjis", custom: { district: "narjis" } });
    await create(team.manager, { name: "In Malqa", custom: { district: "malqa" } });
    const list = await send(team.manager, "GET", "/contacts?custom.district=narjis");
    expect(((await list.json()) as { data: Contact[] }).data.map((c) => c.id)).toEqual([narjis.id]);
    await expectProblem(
      await send(team.manager, "GET", "/contacts?custom.nothing=1"),
      422,
      "VALIDATION_FAILED",
    );
    const updated = await send(
      team.manager,
      "PATCH",
      `/contacts/${narjis.id}`,
      { custom: { district: "malqa" } },
      {
        "If-Match": '"1"',
      },
    );
    expect(((await updated.json()) as { custom: Record<string, unknown> }).custom).toEqual({
      district: "malqa",
    });
  });
});

describe("custom values as stored", () => {
  it("stores the checked values on create: a phone field in E.164", async () => {
    const team = await createTenant("Stored custom");
    for (const field of [
      { key: "alt_phone", labelAr: "جوال آخر", labelEn: "Other mobile", type: "phone" },
      { key: "bedrooms", labelAr: "الغرف", labelEn: "Bedrooms", type: "number" },
    ]) {
      const defined = await send(team.manager, "POST", "/custom-fields", { objectType: "contact", ...field });
      expect(defined.status, await defined.clone().text()).toBe(201);
    }
    const contact = await create(team.manager, {
      name: "Stored",
      custom: { alt_phone: "055 123 4567", bedrooms: 4 },
    });
    const [row] = await rowsOf("SELECT custom FROM contacts WHERE id = ?", contact.id);
    expect(JSON.parse(String(row?.custom))).toEqual({ alt_phone: "+966551234567", bedrooms: 4 });
  });
});

describe("D1 round trips", () => {
  it("a list and a read cost 1; a create and an update 2, with the stored row in the write batch", async () => {
    const team = await createTenant();
    const json = { ...team.manager.auth, "Content-Type": "application/json" };
    const trips = async (path: string, init: RequestInit = {}) => {
      const { res, d1RoundTrips } = await callCountingD1(`/api/v1${path}`, init);
      expect(res.status).toBeLessThan(300);
      return { body: (await res.json()) as Contact, d1RoundTrips };
    };
    // A create without an Idempotency-Key: the checks (with the session check), the write batch.
    const created = await trips("/contacts", {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        name: "سلمان الحربي",
        phones: ["0551239876"],
        tags: ["vip"],
        source: "walk_in",
      }),
    });
    expect(created.d1RoundTrips).toBe(2);
    expect(created.body).toMatchObject({ phones: ["+966551239876"], tags: ["vip"], version: 1 });
    expect((await trips(`/contacts/${created.body.id}`, { headers: team.manager.auth })).d1RoundTrips).toBe(
      1,
    );
    expect((await trips("/contacts?status=new", { headers: team.manager.auth })).d1RoundTrips).toBe(1);
    const updated = await trips(`/contacts/${created.body.id}`, {
      method: "PATCH",
      headers: { ...json, "If-Match": '"1"' },
      body: JSON.stringify({ phones: ["0551230000"], tags: [] }),
    });
    expect(updated.d1RoundTrips).toBe(2);
    expect(updated.body).toMatchObject({ phones: ["+966551230000"], tags: [], version: 2 });
  });
});
