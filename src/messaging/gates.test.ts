import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { eventually } from "../../test/eventually";
import { addWhatsAppTemplate, createTenant as createBareTenant } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { signatureHeader } from "../integrations/whatsapp/signature";
import { idPrefixes, newId } from "../platform/ids";
import { isOptOut, OPT_OUT_CONFIRMATION } from "./inbound";
import { OPT_OUT_FOOTER } from "./messaging.service";

/** A tenant whose registry has the approved template these tests send, with an opt-out footer. */
async function createTenant() {
  const tenant = await createBareTenant();
  await addWhatsAppTemplate(tenant.tenantId, {
    name: "new_listings",
    body: "عروض جديدة في {{1}}",
    variableCount: 1,
    footer: "للإيقاف أرسل «إيقاف»",
  });
  return tenant;
}

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const APP_SECRET = "abcdef0123456789abcdef0123456789";
let counter = 0;
const newPhone = () =>
  `+96655${String(Date.now() % 100_000).padStart(5, "0")}${String(counter++ % 100).padStart(2, "0")}`;

async function newContact(tenant: Tenant, phone = newPhone()) {
  const res = await postJson(
    "/api/v1/contacts",
    { name: "Reem", source: "walk_in", phones: [phone] },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return { id: ((await res.json()) as { id: string }).id, phone };
}

const grant = (tenant: Tenant, contactId: string, status: "granted" | "withdrawn" = "granted") =>
  postJson(
    `/api/v1/contacts/${contactId}/consents`,
    {
      purpose: "marketing",
      status,
      source: "web_form",
      evidenceText: "أوافق على استلام العروض عبر واتساب / I agree to receive offers on WhatsApp",
    },
    tenant.agent.auth,
  );

const template = { name: "new_listings", language: "ar", variables: ["الملقا"] };

const messageRow = (id: string) =>
  env.DB.prepare("SELECT * FROM messages WHERE id = ?")
    .bind(id)
    .first<Record<string, string | number | null>>();

describe("consent ledger", () => {
  it("appends grants and withdrawals with their evidence; the newest is the current state", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    // Agents record consent on contacts they can see: make the agent the owner.
    await env.DB.prepare("UPDATE contacts SET owner_id = ? WHERE id = ?")
      .bind(tenant.agent.userId, contact.id)
      .run();
    expect((await grant(tenant, contact.id)).status).toBe(201);
    expect((await grant(tenant, contact.id, "withdrawn")).status).toBe(201);
    const res = await call(`/api/v1/contacts/${contact.id}/consents`, { headers: tenant.agent.auth });
    const body = (await res.json()) as {
      current: { purpose: string; status: string }[];
      history: { status: string; evidenceText: string; source: string; recordedBy: string }[];
    };
    expect(body.current).toEqual([
      expect.objectContaining({ channel: "whatsapp", purpose: "marketing", status: "withdrawn" }),
    ]);
    expect(body.history.map((h) => h.status)).toEqual(["withdrawn", "granted"]);
    expect(body.history[1]).toMatchObject({ source: "web_form", recordedBy: tenant.agent.userId });
    expect(body.history[1]?.evidenceText).toContain("I agree to receive offers");
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE tenant_id = ? AND action LIKE 'consent.%' ORDER BY created_at, rowid",
    )
      .bind(tenant.tenantId)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["consent.granted", "consent.withdrawn"]);
  });

  it("refuses bad input, a future time, another tenant's contact and an agent's unseen contact, writing nothing", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const contact = await newContact(tenant);
    const bad = await postJson(
      `/api/v1/contacts/${contact.id}/consents`,
      { purpose: "spam", status: "maybe" },
      tenant.owner.auth,
    );
    await expectProblem(bad, 422, "VALIDATION_FAILED");
    const keyword = await postJson(
      `/api/v1/contacts/${contact.id}/consents`,
      {
        purpose: "marketing",
        status: "withdrawn",
        source: "opt_out_keyword",
        evidenceText: "forged keyword",
      },
      tenant.owner.auth,
    );
    await expectProblem(keyword, 422, "VALIDATION_FAILED");
    const future = await postJson(
      `/api/v1/contacts/${contact.id}/consents`,
      {
        purpose: "marketing",
        status: "granted",
        source: "web_form",
        evidenceText: "I agree, later",
        occurredAt: "2099-01-01T00:00:00.000Z",
      },
      tenant.owner.auth,
    );
    await expectProblem(future, 422, "VALIDATION_FAILED");
    const foreign = await newContact(other);
    await expectProblem(await grant(tenant, foreign.id), 404, "NOT_FOUND");
    // The contact is unassigned, so the agent does not see it.
    await expectProblem(await grant(tenant, contact.id), 404, "NOT_FOUND");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM consents WHERE tenant_id IN (?, ?)")
      .bind(tenant.tenantId, other.tenantId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});

describe("the consent gate", () => {
  it("blocks a marketing message without consent, sends it with consent, and adds the opt-out line to text", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const blocked = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, template, purpose: "marketing" },
      tenant.owner.auth,
    );
    expect(blocked.status).toBe(202);
    const blockedBody = (await blocked.json()) as { id: string; state: string; stateReason: string };
    expect(blockedBody).toMatchObject({ state: "blocked", stateReason: "no_marketing_consent" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await messageRow(blockedBody.id))?.state).toBe("blocked");

    await env.DB.prepare("UPDATE contacts SET owner_id = ? WHERE id = ?")
      .bind(tenant.agent.userId, contact.id)
      .run();
    expect((await grant(tenant, contact.id)).status).toBe(201);
    const allowed = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, template, purpose: "marketing" },
      tenant.owner.auth,
    );
    const allowedBody = (await allowed.json()) as { id: string; state: string };
    expect(allowedBody.state).toBe("queued");
    await eventually(
      () => messageRow(allowedBody.id),
      (row) => row?.state === "sent",
    );
  });

  it("blocks in the consumer a marketing message whose consent was withdrawn while it waited", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    await env.DB.prepare("UPDATE contacts SET owner_id = ? WHERE id = ?")
      .bind(tenant.agent.userId, contact.id)
      .run();
    expect((await grant(tenant, contact.id)).status).toBe(201);
    // Held for approval (an AI draft), the message waits; consent is withdrawn; then it is approved.
    const held = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, template, purpose: "marketing", aiDrafted: true },
      tenant.owner.auth,
    );
    const { id, state } = (await held.json()) as { id: string; state: string };
    expect(state).toBe("pending_approval");
    expect((await grant(tenant, contact.id, "withdrawn")).status).toBe(201);
    const approved = await postJson(`/api/v1/approvals/${id}/approve`, {}, tenant.manager.auth);
    expect(approved.status).toBe(200);
    const row = await eventually(
      () => messageRow(id),
      (r) => r?.state === "blocked",
    );
    expect(row).toMatchObject({ state_reason: "no_marketing_consent", reviewed_by: tenant.manager.userId });
    const outbox = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?")
      .bind(contact.phone)
      .first<{ n: number }>();
    expect(outbox?.n).toBe(0);
  });

  it("stores marketing free text with the opt-out line", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    await env.DB.prepare("UPDATE contacts SET owner_id = ? WHERE id = ?")
      .bind(tenant.agent.userId, contact.id)
      .run();
    expect((await grant(tenant, contact.id)).status).toBe(201);
    // Open the window as an inbound message would.
    await env.DB.prepare(
      "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, last_inbound_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
      .bind(newId(idPrefixes.conversation), tenant.tenantId, contact.id, Date.now(), Date.now(), Date.now())
      .run();
    const res = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, text: "عرض جديد", purpose: "marketing" },
      tenant.owner.auth,
    );
    const body = (await res.json()) as { text: string; state: string };
    expect(body.state).toBe("queued");
    expect(body.text).toBe(`عرض جديد${OPT_OUT_FOOTER}`);
  });
});

describe("opt-out words", () => {
  it("recognises whole-message opt-outs in Arabic and English, and nothing else", () => {
    for (const word of [
      "STOP",
      " stop ",
      "Stop!",
      "إيقاف",
      "ايقاف",
      "الغاء",
      "إلغاء الاشتراك",
      "Unsubscribe",
    ]) {
      expect(isOptOut(word), word).toBe(true);
    }
    for (const text of ["please stop by tomorrow", "لا تلغي الموعد", "stopped", ""]) {
      expect(isOptOut(text), text).toBe(false);
    }
  });

  it("withdraws marketing consent and confirms once, even when the word is sent twice or replayed", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    await env.DB.prepare("UPDATE contacts SET owner_id = ? WHERE id = ?")
      .bind(tenant.agent.userId, contact.id)
      .run();
    expect((await grant(tenant, contact.id)).status).toBe(201);
    const connected = await call("/api/v1/whatsapp/account", {
      method: "PUT",
      headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        phoneNumberId: `77${Date.now()}`,
        displayPhone: "+966 11 000 0000",
        accessToken: "EAA-gates-token-000000000000",
        appSecret: APP_SECRET,
        verifyToken: "gates-verify-token-0000",
      }),
    });
    const account = (await connected.json()) as { id: string; phoneNumberId: string };
    const sent: unknown[] = [];
    network.use(
      http.post(`https://graph.facebook.com/v23.0/${account.phoneNumberId}/messages`, async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ messages: [{ id: `wamid.confirm${sent.length}` }] });
      }),
    );
    const optOut = async (wamid: string, text: string) => {
      const body = JSON.stringify({
        object: "whatsapp_business_account",
        entry: [
          {
            id: "WABA",
            changes: [
              {
                field: "messages",
                value: {
                  metadata: { phone_number_id: account.phoneNumberId },
                  messages: [
                    {
                      from: contact.phone.slice(1),
                      id: wamid,
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
      });
      const res = await call(`/webhooks/whatsapp?account=${account.id}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Hub-Signature-256": await signatureHeader(body, APP_SECRET),
        },
        body,
      });
      expect(res.status).toBe(200);
    };
    const wamid = `wamid.stop${Date.now()}`;
    await optOut(wamid, "إيقاف");
    await optOut(wamid, "إيقاف"); // Meta's replay of the same message
    await optOut(`${wamid}.2`, "STOP"); // the person sends it again
    const inbound = () =>
      env.DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE contact_id = ? AND direction = 'inbound'")
        .bind(contact.id)
        .first<{ n: number }>();
    await eventually(inbound, (r) => r?.n === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ledger = await env.DB.prepare(
      "SELECT status, source, evidence_text FROM consents WHERE contact_id = ? ORDER BY created_at, rowid",
    )
      .bind(contact.id)
      .all<Record<string, string>>();
    expect(ledger.results).toEqual([
      expect.objectContaining({ status: "granted", source: "web_form" }),
      { status: "withdrawn", source: "opt_out_keyword", evidence_text: "إيقاف" },
    ]);
    const confirmations = await env.DB.prepare(
      "SELECT body, purpose FROM messages WHERE contact_id = ? AND direction = 'outbound'",
    )
      .bind(contact.id)
      .all<Record<string, string>>();
    expect(confirmations.results).toEqual([{ body: OPT_OUT_CONFIRMATION, purpose: "transactional" }]);
    await eventually(
      async () => sent.length,
      (n) => n === 1,
    );
    // Marketing is now blocked at once.
    const res = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, template, purpose: "marketing" },
      tenant.owner.auth,
    );
    expect(((await res.json()) as { state: string }).state).toBe("blocked");
  });
});

describe("approvals", () => {
  it("holds AI drafts for a manager; approval sends once, a second decision is a 409; rejection never sends", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant);
    const send = async () => {
      const res = await postJson(
        "/api/v1/messages",
        { contactId: contact.id, template, aiDrafted: true },
        tenant.owner.auth,
      );
      expect(res.status).toBe(202);
      return (await res.json()) as { id: string; state: string; stateReason: string };
    };
    const [first, second] = [await send(), await send()];
    expect(first).toMatchObject({ state: "pending_approval", stateReason: "ai_drafted" });

    const list = await call("/api/v1/approvals", { headers: tenant.manager.auth });
    const page = (await list.json()) as { data: { id: string; contact: { id: string } }[] };
    expect(page.data.map((m) => m.id)).toEqual([first.id, second.id]);
    expect(page.data[0]?.contact.id).toBe(contact.id);
    await expectProblem(await call("/api/v1/approvals", { headers: tenant.agent.auth }), 403, "FORBIDDEN");

    const approved = await postJson(`/api/v1/approvals/${first.id}/approve`, {}, tenant.manager.auth);
    expect(((await approved.json()) as { state: string }).state).toBe("queued");
    await expectProblem(
      await postJson(`/api/v1/approvals/${first.id}/reject`, {}, tenant.manager.auth),
      409,
      "CONFLICT",
    );
    await eventually(
      () => messageRow(first.id),
      (r) => r?.state === "sent",
    );

    const rejected = await postJson(`/api/v1/approvals/${second.id}/reject`, {}, tenant.owner.auth);
    expect((await rejected.json()) as { state: string; stateReason: string }).toMatchObject({
      state: "blocked",
      stateReason: "rejected",
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await messageRow(second.id))?.state).toBe("blocked");
    const outbox = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?")
      .bind(contact.phone)
      .first<{ n: number }>();
    expect(outbox?.n).toBe(1);
    const audit = await env.DB.prepare(
      "SELECT action, actor_id FROM audit_events WHERE tenant_id = ? AND action LIKE 'message.%' ORDER BY created_at, rowid",
    )
      .bind(tenant.tenantId)
      .all<Record<string, string>>();
    expect(audit.results).toEqual([
      { action: "message.approved", actor_id: tenant.manager.userId },
      { action: "message.rejected", actor_id: tenant.owner.userId },
    ]);
  });

  it("holds the first message to a new contact when the policy says so, not later ones", async () => {
    const tenant = await createTenant();
    const policy = await call("/api/v1/messaging/approval-policy", {
      method: "PUT",
      headers: { ...tenant.manager.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ approveFirstMessage: true, approveAiDrafted: false }),
    });
    expect(policy.status).toBe(200);
    const contact = await newContact(tenant);
    const first = await postJson("/api/v1/messages", { contactId: contact.id, template }, tenant.owner.auth);
    const held = (await first.json()) as { id: string; state: string; stateReason: string };
    expect(held).toMatchObject({ state: "pending_approval", stateReason: "first_message" });
    await postJson(`/api/v1/approvals/${held.id}/approve`, {}, tenant.manager.auth);
    await eventually(
      () => messageRow(held.id),
      (r) => r?.state === "sent",
    );
    const later = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, template, aiDrafted: true },
      tenant.owner.auth,
    );
    expect(((await later.json()) as { state: string }).state).toBe("queued");
    const other = await call(`/api/v1/approvals/wam_00000000000000000000/approve`, {
      method: "POST",
      headers: tenant.manager.auth,
    });
    await expectProblem(other, 404, "NOT_FOUND");
  });
});
