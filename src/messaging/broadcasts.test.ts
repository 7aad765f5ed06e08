import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventually } from "../../test/eventually";
import { createTenant } from "../../test/fixtures";
import { call, callCountingD1, expectProblem, postJson } from "../../test/helpers";
import { idPrefixes, newId } from "../platform/ids";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

let counter = 0;
const phoneBase = Math.floor(Math.random() * 1000);
const newPhone = () =>
  `+96656${String(phoneBase).padStart(3, "0")}${String(counter++ % 10_000).padStart(4, "0")}`;

async function newContact(tenant: Tenant) {
  const res = await postJson(
    "/api/v1/contacts",
    { name: `Broadcast ${counter++}`, source: "walk_in", phones: [newPhone()] },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Many contacts at once, straight into D1: the API would take a request each. */
async function manyContacts(tenant: Tenant, n: number) {
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => [newId(idPrefixes.contact), `Bulk ${i}`, newPhone()]);
  await env.DB.prepare(
    `INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, phone, created_at, updated_at)
     SELECT json_extract(value, '$[0]'), ?, json_extract(value, '$[1]'), lower(json_extract(value, '$[1]')),
            lower(json_extract(value, '$[1]')), 'walk_in', json_extract(value, '$[2]'), ?, ? FROM json_each(?)`,
  )
    .bind(tenant.tenantId, now, now, JSON.stringify(rows))
    .run();
  return rows.map((row) => String(row[0]));
}

const template = { name: "new_listings", language: "ar", variables: ["الملقا"] };

const broadcast = (tenant: Tenant, body: unknown, auth = tenant.owner.auth, headers = {}) =>
  postJson("/api/v1/messages/broadcasts", body, { ...auth, ...headers });

const grant = (tenant: Tenant, contactId: string) =>
  postJson(
    `/api/v1/contacts/${contactId}/consents`,
    {
      purpose: "marketing",
      status: "granted",
      source: "web_form",
      evidenceText: "أوافق على استلام العروض عبر واتساب / I agree to receive offers on WhatsApp",
    },
    tenant.owner.auth,
  );

const setPolicy = (tenant: Tenant, approveBroadcastOver: number | null) =>
  call("/api/v1/messaging/approval-policy", {
    method: "PUT",
    headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ approveFirstMessage: false, approveAiDrafted: true, approveBroadcastOver }),
  });

const messagesOf = (tenant: Tenant) =>
  env.DB.prepare(
    "SELECT id, contact_id, state, state_reason, broadcast_id, conversation_id, purpose, template, sent_by FROM messages WHERE tenant_id = ? ORDER BY contact_id",
  )
    .bind(tenant.tenantId)
    .all<Record<string, string | null>>()
    .then((r) => r.results);

const broadcastAudits = (tenant: Tenant) =>
  env.DB.prepare(
    "SELECT target_id, details FROM audit_events WHERE tenant_id = ? AND action = 'message.broadcast'",
  )
    .bind(tenant.tenantId)
    .all<{ target_id: string; details: string }>()
    .then((r) => r.results);

interface Summary {
  broadcastId: string;
  total: number;
  queued: number;
  blocked: number;
  pendingApproval: number;
}

describe("the approval policy's broadcast size", () => {
  it("is stored and returned, null by default, and refused outside 1..1000 with nothing changed", async () => {
    const tenant = await createTenant();
    const read = async () =>
      (await call("/api/v1/messaging/approval-policy", { headers: tenant.manager.auth })).json();
    expect(await read()).toEqual({
      approveFirstMessage: false,
      approveAiDrafted: true,
      approveBroadcastOver: null,
    });
    const set = await setPolicy(tenant, 50);
    expect(await set.json()).toEqual({
      approveFirstMessage: false,
      approveAiDrafted: true,
      approveBroadcastOver: 50,
    });
    for (const bad of [0, 1001, 2.5])
      await expectProblem(await setPolicy(tenant, bad), 422, "VALIDATION_FAILED");
    expect(await read()).toMatchObject({ approveBroadcastOver: 50 });
    expect((await setPolicy(tenant, null)).status).toBe(200);
    expect(await read()).toMatchObject({ approveBroadcastOver: null });
  });
});

describe("POST /api/v1/messages/broadcasts", () => {
  it("refuses bad input with nothing written: no contacts, duplicates, over 1,000, text instead of a template", async () => {
    const tenant = await createTenant();
    const contactId = await newContact(tenant);
    const tooMany = Array.from({ length: 1001 }, () => newId(idPrefixes.contact));
    for (const body of [
      { contactIds: [], template, purpose: "service" },
      { contactIds: [contactId, contactId], template, purpose: "service" },
      { contactIds: tooMany, template, purpose: "service" },
      { contactIds: [contactId], text: "عرض جديد", purpose: "service" },
      { contactIds: [contactId], template, text: "عرض جديد", purpose: "service" },
      { contactIds: [contactId], template },
    ]) {
      await expectProblem(await broadcast(tenant, body), 422, "VALIDATION_FAILED");
    }
    expect(await messagesOf(tenant)).toEqual([]);
    expect(await broadcastAudits(tenant)).toEqual([]);
  });

  it("refuses another tenant's contact, listing it, with nothing written", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const mine = await newContact(tenant);
    const theirs = await newContact(other);
    const problem = await expectProblem(
      await broadcast(tenant, { contactIds: [mine, theirs], template, purpose: "service" }),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors).toEqual([
      { path: "contactIds.1", code: "not_found", message: `No contact ${theirs}.` },
    ]);
    expect(await messagesOf(tenant)).toEqual([]);
    expect(await messagesOf(other)).toEqual([]);
    expect(await broadcastAudits(tenant)).toEqual([]);
  });

  it("is for managers and owners: an agent is refused", async () => {
    const tenant = await createTenant();
    const contactId = await newContact(tenant);
    await expectProblem(
      await broadcast(tenant, { contactIds: [contactId], template, purpose: "service" }, tenant.agent.auth),
      403,
      "FORBIDDEN",
    );
    expect(await messagesOf(tenant)).toEqual([]);
  });

  it("queues one message per contact, blocks marketing without consent, audits once, and the consumer sends each once", async () => {
    const tenant = await createTenant();
    const contactIds = [await newContact(tenant), await newContact(tenant), await newContact(tenant)];
    expect((await grant(tenant, String(contactIds[0]))).status).toBe(201);
    expect((await grant(tenant, String(contactIds[2]))).status).toBe(201);
    const res = await broadcast(tenant, { contactIds, template, purpose: "marketing" }, tenant.manager.auth);
    expect(res.status).toBe(202);
    const summary = (await res.json()) as Summary;
    expect(summary).toEqual({
      broadcastId: expect.stringMatching(/^brc_/),
      total: 3,
      queued: 2,
      blocked: 1,
      pendingApproval: 0,
    });
    const rows = await messagesOf(tenant);
    expect(rows).toHaveLength(3);
    const byContact = new Map(rows.map((row) => [row.contact_id, row]));
    expect(byContact.get(contactIds[1])).toMatchObject({
      state: "blocked",
      state_reason: "no_marketing_consent",
    });
    for (const row of rows) {
      expect(row).toMatchObject({
        broadcast_id: summary.broadcastId,
        purpose: "marketing",
        sent_by: tenant.manager.userId,
        template: JSON.stringify(template),
      });
      expect(row.conversation_id).toMatch(/^cnv_/);
    }
    const audits = await broadcastAudits(tenant);
    expect(audits).toHaveLength(1);
    expect(audits[0]?.target_id).toBe(summary.broadcastId);
    expect(JSON.parse(String(audits[0]?.details))).toMatchObject({ total: 3, queued: 2, blocked: 1 });

    // No number connected: the dev outbox is the transport, one entry per consenting contact.
    const sent = await eventually(
      () => messagesOf(tenant),
      (all) => all.filter((row) => row.state === "sent").length === 2,
    );
    expect(sent.filter((row) => row.state === "blocked").map((row) => row.contact_id)).toEqual([
      contactIds[1],
    ]);
    const outbox = await env.DB.prepare(
      `SELECT recipient, COUNT(*) AS n FROM outbox_messages WHERE recipient IN (SELECT phone FROM contacts WHERE id IN (?, ?, ?)) GROUP BY recipient`,
    )
      .bind(...contactIds)
      .all<{ recipient: string; n: number }>();
    expect(outbox.results.map((r) => r.n)).toEqual([1, 1]);
    const thread = await call(`/api/v1/conversations/${rows[0]?.conversation_id}`, {
      headers: tenant.owner.auth,
    });
    expect(thread.status).toBe(200);
  });

  it("holds every message for approval over the policy's size; approving one sends that one", async () => {
    const tenant = await createTenant();
    expect((await setPolicy(tenant, 2)).status).toBe(200);
    const contactIds = [await newContact(tenant), await newContact(tenant), await newContact(tenant)];
    const res = await broadcast(tenant, { contactIds, template, purpose: "service" });
    expect(res.status).toBe(202);
    const summary = (await res.json()) as Summary;
    expect(summary).toMatchObject({ total: 3, queued: 0, blocked: 0, pendingApproval: 3 });
    const rows = await messagesOf(tenant);
    expect(rows.map((row) => [row.state, row.state_reason])).toEqual([
      ["pending_approval", "broadcast"],
      ["pending_approval", "broadcast"],
      ["pending_approval", "broadcast"],
    ]);
    const list = await call("/api/v1/approvals", { headers: tenant.manager.auth });
    const approvals = (await list.json()) as { data: { id: string; broadcastId: string | null }[] };
    expect(approvals.data).toHaveLength(3);
    expect(new Set(approvals.data.map((m) => m.broadcastId))).toEqual(new Set([summary.broadcastId]));

    const first = String(approvals.data[0]?.id);
    const approved = await postJson(`/api/v1/approvals/${first}/approve`, {}, tenant.manager.auth);
    expect(approved.status).toBe(200);
    await eventually(
      () => messagesOf(tenant),
      (all) => all.find((row) => row.id === first)?.state === "sent",
    );
    const states = (await messagesOf(tenant)).filter((row) => row.id !== first).map((row) => row.state);
    expect(states).toEqual(["pending_approval", "pending_approval"]);
  });

  it("queues a broadcast of exactly the policy's size, and one of more than a queue batch (100) in one write", async () => {
    const tenant = await createTenant();
    expect((await setPolicy(tenant, 150)).status).toBe(200);
    const contactIds = await manyContacts(tenant, 150);
    const res = await broadcast(tenant, { contactIds, template, purpose: "transactional" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ total: 150, queued: 150, pendingApproval: 0 });
    await eventually(
      () => messagesOf(tenant),
      (all) => all.length === 150 && all.every((row) => row.state === "sent"),
      25_000,
    );
    const threads = await env.DB.prepare("SELECT COUNT(*) AS n FROM conversations WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ n: number }>();
    expect(threads?.n).toBe(150);
  }, 30_000);

  it("writes a broadcast to 1,000 contacts in one read and one write batch", async () => {
    const tenant = await createTenant();
    // Held for approval, so the test measures the write, not the sends.
    expect((await setPolicy(tenant, 999)).status).toBe(200);
    const contactIds = await manyContacts(tenant, 1000);
    const { res, d1RoundTrips } = await callCountingD1("/api/v1/messages/broadcasts", {
      method: "POST",
      headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ contactIds, template, purpose: "service" }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ total: 1000, queued: 0, pendingApproval: 1000 });
    // The read (with the session check), the write: no Idempotency-Key was sent.
    expect(d1RoundTrips).toBe(2);
    const rows = await messagesOf(tenant);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((row) => row.contact_id))).toEqual(new Set(contactIds));
    expect(rows.every((row) => row.state === "pending_approval" && row.conversation_id)).toBe(true);
  }, 30_000);

  it("replays the same broadcast for the same Idempotency-Key, writing nothing more", async () => {
    const tenant = await createTenant();
    const contactIds = [await newContact(tenant), await newContact(tenant)];
    const key = { "Idempotency-Key": `broadcast-${Date.now()}` };
    const body = { contactIds, template, purpose: "service" };
    const first = await broadcast(tenant, body, tenant.owner.auth, key);
    expect(first.status).toBe(202);
    const again = await broadcast(tenant, body, tenant.owner.auth, key);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(await first.json());
    expect(await messagesOf(tenant)).toHaveLength(2);
    expect(await broadcastAudits(tenant)).toHaveLength(1);
  });
});
