import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, freshIp, latestCodeSentTo, uniquePhone } from "../../test/fixtures";
import { call, countRows, expectProblem, postJson, postJsonSettled } from "../../test/helpers";
import { processWhatsAppWebhook } from "../messaging/inbound";
import type { OutboundJob } from "../messaging/messaging.service";
import { CODE_MAX_ATTEMPTS } from "./privacy-requests.service";
import { privacyKeyword, WHATSAPP_ACKNOWLEDGEMENT } from "./whatsapp-keywords";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Request = {
  id: string;
  state: string;
  type: string;
  overdue: boolean;
  receivedAt: string;
  dueAt: string;
  contactId: string | null;
  extension: { days: number; reason: string } | null;
  verification: { method: string; note: string | null } | null;
  result: Record<string, unknown> | null;
};

const DAY = 24 * 60 * 60 * 1000;
const base = "/api/v1/privacy-requests";

async function newContact(tenant: Tenant, extra: Record<string, unknown> = {}) {
  const phone = uniquePhone();
  const res = await postJson(
    "/api/v1/contacts",
    { name: "Reem Alharbi", source: "walk_in", phones: [phone], ...extra },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return { id: ((await res.json()) as { id: string }).id, phone };
}

/** Opens a request as the manager and waits for the code delivery that runs after the response. */
async function open(tenant: Tenant, body: Record<string, unknown>) {
  const res = await postJsonSettled(base, body, { ...tenant.manager.auth, ...freshIp() });
  expect(res.status).toBe(201);
  return (await res.json()) as Request;
}

const act = (tenant: Tenant, id: string, action: string, body: unknown = {}) =>
  postJson(`${base}/${id}/${action}`, body, { ...tenant.manager.auth, ...freshIp() });

const requestRow = (id: string) =>
  env.DB.prepare("SELECT * FROM privacy_requests WHERE id = ?").bind(id).first<Record<string, unknown>>();

const historyOf = async (id: string) =>
  (
    await env.DB.prepare(
      "SELECT action, from_state, to_state FROM privacy_request_events WHERE request_id = ? ORDER BY at, rowid",
    )
      .bind(id)
      .all<{ action: string; from_state: string | null; to_state: string }>()
  ).results;

const auditActions = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT action FROM audit_events WHERE tenant_id = ? AND action LIKE 'privacy_request.%' ORDER BY created_at, rowid",
    )
      .bind(tenantId)
      .all<{ action: string }>()
  ).results.map((r) => r.action);

async function openVerified(tenant: Tenant, type = "access", extra: Record<string, unknown> = {}) {
  const contact = await newContact(tenant, extra);
  const request = await open(tenant, { type, requesterName: "Reem", phone: contact.phone });
  const code = await latestCodeSentTo(contact.phone);
  const verified = await act(tenant, request.id, "verify", { method: "code", code });
  expect(verified.status).toBe(200);
  return { contact, request: (await verified.json()) as Request };
}

describe("privacy requests: deadlines", () => {
  it("answers within 30 days; one extension of up to 30 days with a reason, and the person is told", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant, { email: `reem-${Date.now()}@example.sa` });
    const request = await open(tenant, { type: "access", requesterName: "Reem", phone: contact.phone });
    expect(request).toMatchObject({ state: "received", contactId: contact.id, overdue: false });
    expect(Date.parse(request.dueAt) - Date.parse(request.receivedAt)).toBe(30 * DAY);

    await expectProblem(
      await act(tenant, request.id, "extend", { days: 31, reason: "Archive search" }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await act(tenant, request.id, "extend", { days: 10 }), 422, "VALIDATION_FAILED");
    expect((await requestRow(request.id))?.extended_at).toBeNull();

    const extended = await act(tenant, request.id, "extend", {
      days: 20,
      reason: "Records in the paper archive",
    });
    expect(extended.status).toBe(200);
    const body = (await extended.json()) as Request;
    expect(Date.parse(body.dueAt) - Date.parse(request.receivedAt)).toBe(50 * DAY);
    expect(body.extension).toMatchObject({ days: 20, reason: "Records in the paper archive" });
    const notice = await env.DB.prepare(
      "SELECT channel, body FROM outbox_messages WHERE recipient = (SELECT email FROM contacts WHERE id = ?) ORDER BY created_at DESC LIMIT 1",
    )
      .bind(contact.id)
      .first<{ channel: string; body: string }>();
    expect(notice?.channel).toBe("email");
    expect(notice?.body).toContain("Records in the paper archive");

    await expectProblem(
      await act(tenant, request.id, "extend", { days: 5, reason: "Once more please" }),
      409,
      "CONFLICT",
    );
    const row = await requestRow(request.id);
    expect(row?.due_at).toBe(Date.parse(request.receivedAt) + 50 * DAY);
    expect((await historyOf(request.id)).map((e) => e.action)).toEqual(["opened", "extended", "notice_sent"]);
    expect(await auditActions(tenant.tenantId)).toEqual([
      "privacy_request.opened",
      "privacy_request.extended",
    ]);
  });

  it("tells a person without an email of the extension on WhatsApp, and a race extends once", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const request = await open(tenant, { type: "erasure", requesterName: "Reem", phone: contact.phone });
    const [first, second] = await Promise.all([
      act(tenant, request.id, "extend", { days: 30, reason: "Backups to check" }),
      act(tenant, request.id, "extend", { days: 30, reason: "Backups to check" }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const notices = await env.DB.prepare(
      "SELECT channel, body FROM outbox_messages WHERE recipient = ? AND body LIKE '%Backups to check%'",
    )
      .bind(contact.phone)
      .all<{ channel: string; body: string }>();
    expect(notices.results.map((n) => n.channel)).toEqual(["whatsapp"]);
    expect((await historyOf(request.id)).filter((e) => e.action === "extended")).toHaveLength(1);
  });

  it("lists open requests by due date with the overdue first, answered ones after", async () => {
    const tenant = await createTenant();
    const late = await open(tenant, { type: "erasure", requesterName: "Late Person", phone: uniquePhone() });
    const soon = await open(tenant, { type: "access", requesterName: "Soon Person", phone: uniquePhone() });
    const closed = await open(tenant, {
      type: "access",
      requesterName: "Closed Person",
      phone: uniquePhone(),
    });
    await env.DB.prepare("UPDATE privacy_requests SET due_at = ? WHERE id = ?")
      .bind(Date.now() - DAY, late.id)
      .run();
    await env.DB.prepare("UPDATE privacy_requests SET due_at = ? WHERE id = ?")
      .bind(Date.now() - 2 * DAY, closed.id)
      .run();
    expect((await act(tenant, closed.id, "refuse", { reason: "Manifestly unfounded" })).status).toBe(200);

    const first = await call(`${base}?limit=2`, { headers: tenant.owner.auth });
    expect(first.status).toBe(200);
    const page = (await first.json()) as { data: Request[]; nextCursor: string };
    expect(page.data.map((r) => [r.id, r.overdue])).toEqual([
      [late.id, true],
      [soon.id, false],
    ]);
    const second = await call(`${base}?limit=2&cursor=${page.nextCursor}`, { headers: tenant.owner.auth });
    const rest = (await second.json()) as { data: Request[]; nextCursor: string | null };
    expect(rest.data.map((r) => [r.id, r.state, r.overdue])).toEqual([[closed.id, "refused", false]]);
    expect(rest.nextCursor).toBeNull();
  });
});

describe("privacy requests: identity before disclosure", () => {
  it("sends the code to the phone on record, not to an address the requester typed", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const typed = `someone-${Date.now()}@example.sa`;
    const request = await open(tenant, {
      type: "access",
      requesterName: "Reem",
      email: typed,
      contactId: contact.id,
    });
    expect(await latestCodeSentTo(typed)).toBe("");
    expect(await latestCodeSentTo(contact.phone)).toMatch(/^\d{6}$/);
    const row = await requestRow(request.id);
    expect(row?.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.code_hash).not.toContain(await latestCodeSentTo(contact.phone));
  });

  it("refuses the copy and completion before verification, and discloses after", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const request = await open(tenant, { type: "access", requesterName: "Reem", phone: contact.phone });
    await expectProblem(
      await call(`${base}/${request.id}/copy`, { headers: tenant.manager.auth }),
      409,
      "CONFLICT",
    );
    await expectProblem(await act(tenant, request.id, "complete"), 409, "CONFLICT");
    expect((await requestRow(request.id))?.state).toBe("received");

    const code = await latestCodeSentTo(contact.phone);
    const verified = await act(tenant, request.id, "verify", { method: "code", code });
    expect(verified.status).toBe(200);
    expect(((await verified.json()) as Request).verification).toMatchObject({ method: "code" });
    const copy = await call(`${base}/${request.id}/copy`, { headers: tenant.manager.auth });
    expect(copy.status).toBe(200);
    const data = (await copy.json()) as { person: { name: string; phones: string[] } };
    expect(data.person).toMatchObject({ name: "Reem Alharbi", phones: [contact.phone] });

    const done = await act(tenant, request.id, "complete");
    expect(done.status).toBe(200);
    expect(((await done.json()) as Request).state).toBe("done");
    expect((await historyOf(request.id)).map((e) => [e.from_state, e.to_state])).toEqual([
      [null, "received"],
      ["received", "verified"],
      ["verified", "done"],
    ]);
    expect(await auditActions(tenant.tenantId)).toEqual([
      "privacy_request.opened",
      "privacy_request.verified",
      "privacy_request.copy_disclosed",
      "privacy_request.completed",
    ]);
  });

  it("limits wrong codes: after five the right code no longer works", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const request = await open(tenant, { type: "access", requesterName: "Reem", phone: contact.phone });
    const code = await latestCodeSentTo(contact.phone);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < CODE_MAX_ATTEMPTS; i++) {
      await expectProblem(
        await act(tenant, request.id, "verify", { method: "code", code: wrong }),
        422,
        "VALIDATION_FAILED",
      );
    }
    await expectProblem(
      await act(tenant, request.id, "verify", { method: "code", code }),
      422,
      "VALIDATION_FAILED",
    );
    const row = await requestRow(request.id);
    expect(row).toMatchObject({ state: "received", code_hash: null });
  });

  it("lets staff verify in person with a recorded reason", async () => {
    const tenant = await createTenant();
    const request = await open(tenant, {
      type: "consent_withdrawal",
      requesterName: "Walk-in",
      phone: uniquePhone(),
    });
    await expectProblem(
      await act(tenant, request.id, "verify", { method: "in_person" }),
      422,
      "VALIDATION_FAILED",
    );
    const res = await act(tenant, request.id, "verify", {
      method: "in_person",
      reason: "National ID checked at the desk",
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Request).verification).toEqual(
      expect.objectContaining({ method: "in_person", note: "National ID checked at the desk" }),
    );
  });
});

describe("privacy requests: fulfilment", () => {
  it("correction applies the corrected fields through the contact service", async () => {
    const tenant = await createTenant();
    const { contact, request } = await openVerified(tenant, "correction");
    await expectProblem(await act(tenant, request.id, "complete", {}), 422, "VALIDATION_FAILED");
    await expectProblem(
      await act(tenant, request.id, "complete", { corrections: { name: "" } }),
      422,
      "VALIDATION_FAILED",
    );
    const res = await act(tenant, request.id, "complete", { corrections: { name: "Reem Al-Harbi" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Request).result).toMatchObject({ corrected: ["name"] });
    const stored = await env.DB.prepare("SELECT name FROM contacts WHERE id = ?")
      .bind(contact.id)
      .first<{ name: string }>();
    expect(stored?.name).toBe("Reem Al-Harbi");
  });

  it("consent withdrawal writes withdrawn marketing rows on every channel", async () => {
    const tenant = await createTenant();
    const { contact, request } = await openVerified(tenant, "consent_withdrawal");
    expect((await act(tenant, request.id, "start")).status).toBe(200);
    const res = await act(tenant, request.id, "complete", {});
    expect(res.status).toBe(200);
    const ledger = await env.DB.prepare(
      "SELECT channel, purpose, status FROM consents WHERE contact_id = ? ORDER BY channel",
    )
      .bind(contact.id)
      .all();
    expect(ledger.results).toEqual([
      { channel: "email", purpose: "marketing", status: "withdrawn" },
      { channel: "sms", purpose: "marketing", status: "withdrawn" },
      { channel: "whatsapp", purpose: "marketing", status: "withdrawn" },
    ]);
  });

  it("erasure runs the erasure engine and forgets the requester's stated details", async () => {
    const tenant = await createTenant();
    const { contact, request } = await openVerified(tenant, "erasure");
    const res = await act(tenant, request.id, "complete", {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as Request;
    expect(body.result).toMatchObject({ erased: expect.any(Object), kept: expect.any(Array) });
    const row = await requestRow(request.id);
    expect(row).toMatchObject({ state: "done", requester_phone: null, requester_email: null });
    expect(row?.requester_name).not.toContain("Reem");
    const stored = await env.DB.prepare("SELECT name FROM contacts WHERE id = ?")
      .bind(contact.id)
      .first<{ name: string }>();
    expect(stored).toBeNull();
  });
});

describe("privacy requests: access and bad input", () => {
  it("answers 404 for another tenant's request on every route, changing nothing", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const request = await open(other, { type: "access", requesterName: "Foreign", phone: uniquePhone() });
    const before = await requestRow(request.id);
    await expectProblem(
      await call(`${base}/${request.id}`, { headers: tenant.owner.auth }),
      404,
      "NOT_FOUND",
    );
    await expectProblem(
      await call(`${base}/${request.id}/copy`, { headers: tenant.owner.auth }),
      404,
      "NOT_FOUND",
    );
    for (const [action, body] of [
      ["verify", { method: "in_person", reason: "ID seen at the desk" }],
      ["extend", { days: 5, reason: "Need more time" }],
      ["refuse", { reason: "Not a real request" }],
      ["start", undefined],
      ["complete", {}],
    ] as const) {
      const res = await call(`${base}/${request.id}/${action}`, {
        method: "POST",
        headers: { ...tenant.owner.auth, ...(body ? { "Content-Type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      await expectProblem(res, 404, "NOT_FOUND");
    }
    const list = await call(base, { headers: tenant.owner.auth });
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
    expect(await requestRow(request.id)).toEqual(before);
  });

  it("refuses agents, and writes nothing for bad input", async () => {
    const tenant = await createTenant();
    await expectProblem(await call(base, { headers: tenant.agent.auth }), 403, "FORBIDDEN");
    await expectProblem(
      await postJson(
        base,
        { type: "access", requesterName: "Reem", phone: uniquePhone() },
        tenant.agent.auth,
      ),
      403,
      "FORBIDDEN",
    );
    const before = await countRows("privacy_requests");
    for (const body of [
      { type: "gossip", requesterName: "Reem", phone: uniquePhone() },
      { type: "access", requesterName: "Reem" },
      { type: "access", requesterName: "Reem", phone: "+966 11 000 0000" },
      { type: "access", requesterName: "Reem", email: "not-an-email" },
      { type: "access", requesterName: "Reem", phone: uniquePhone(), state: "done" },
      { type: "access", requesterName: "Reem", contactId: "con_00000000000000000000" },
    ]) {
      await expectProblem(await postJson(base, body, tenant.manager.auth), 422, "VALIDATION_FAILED");
    }
    expect(await countRows("privacy_requests")).toBe(before);
  });
});

describe("privacy requests: WhatsApp keywords", () => {
  it("recognises only the whole keywords, in either language", () => {
    expect(privacyKeyword("بياناتي")).toBe("access");
    expect(privacyKeyword(" My Data ")).toBe("access");
    expect(privacyKeyword("احذف  بياناتي")).toBe("erasure");
    expect(privacyKeyword("DELETE MY DATA")).toBe("erasure");
    expect(privacyKeyword("my data plan")).toBeNull();
    expect(privacyKeyword("هل بياناتي محفوظة؟")).toBeNull();
  });

  it("opens a verified request from the contact's own number and acknowledges it", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const sent: OutboundJob[] = [];
    const queue = { send: async (job: OutboundJob) => void sent.push(job) } as unknown as Queue<OutboundJob>;
    const phoneNumberId = `88${Date.now()}`;
    const inbound = (id: string, text: string) =>
      processWhatsAppWebhook(
        { DB: env.DB, OUTBOUND_QUEUE: queue },
        {
          provider: "whatsapp",
          accountId: "wac_00000000000000000000",
          tenantId: tenant.tenantId,
          phoneNumberId,
          receivedAt: Date.now(),
          payload: {
            object: "whatsapp_business_account",
            entry: [
              {
                id: "WABA",
                changes: [
                  {
                    field: "messages",
                    value: {
                      metadata: { phone_number_id: phoneNumberId },
                      messages: [
                        {
                          from: contact.phone.slice(1),
                          id,
                          timestamp: String(Math.floor(Date.now() / 1000)),
                          type: "text",
                          text: { body: text },
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        },
      );
    const wamid = `wamid.dsr${Date.now()}`;
    await inbound(wamid, "  احذف   بياناتي ");
    await inbound(wamid, "  احذف   بياناتي "); // Meta's replay
    await inbound(`${wamid}.2`, "what is my data plan?");
    const rows = await env.DB.prepare(
      "SELECT type, channel, state, verification_method, contact_id FROM privacy_requests WHERE tenant_id = ?",
    )
      .bind(tenant.tenantId)
      .all();
    expect(rows.results).toEqual([
      {
        type: "erasure",
        channel: "whatsapp",
        state: "verified",
        verification_method: "whatsapp_inbound",
        contact_id: contact.id,
      },
    ]);
    expect(sent).toHaveLength(1);
    const reply = await env.DB.prepare("SELECT body, purpose FROM messages WHERE id = ?")
      .bind(sent[0]?.messageId)
      .first();
    expect(reply).toEqual({ body: WHATSAPP_ACKNOWLEDGEMENT.erasure, purpose: "transactional" });
  });
});
