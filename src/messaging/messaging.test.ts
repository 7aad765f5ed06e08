import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { eventually } from "../../test/eventually";
import { addWhatsAppTemplate, createTenant } from "../../test/fixtures";
import { call, countRows, expectProblem, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { signatureHeader } from "../integrations/whatsapp/signature";
import { resetBreaker } from "../platform/circuit-breaker";
import { idPrefixes, newId } from "../platform/ids";
import { requeueStrandedSends } from "./outbound";

const APP_SECRET = "0123456789abcdef0123456789abcdef";
const VERIFY_TOKEN = "verify-token-for-tests-0001";
const ACCESS_TOKEN = "EAAtesttoken-not-real-0123456789";
const GRAPH = "https://graph.facebook.com/v23.0";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

let phoneCounter = 0;
/** A Saudi mobile number no other test uses. */
// +96655 is a Saudi mobile prefix (libphonenumber refuses +96551/52…); 7 digits follow.
const newPhone = () =>
  `+96655${String(Date.now() % 1000).padStart(3, "0")}${String(phoneCounter++ % 10_000).padStart(4, "0")}`;

async function connect(tenant: Tenant, phoneNumberId = `${Date.now()}${phoneCounter++}`) {
  const res = await call("/api/v1/whatsapp/account", {
    method: "PUT",
    headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({
      phoneNumberId,
      displayPhone: "+966 11 000 0000",
      accessToken: ACCESS_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; phoneNumberId: string; webhookUrl: string };
}

const inboundPayload = (phoneNumberId: string, from: string, wamid: string, text: string, name = "نورة") => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "WABA",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "966110000000", phone_number_id: phoneNumberId },
            contacts: [{ wa_id: from.slice(1), profile: { name } }],
            messages: [
              {
                from: from.slice(1),
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

const statusPayload = (
  phoneNumberId: string,
  statuses: {
    id: string;
    status: string;
    at: number;
    callback?: string;
    error?: { code: number; title: string };
  }[],
) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "WABA",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "966110000000", phone_number_id: phoneNumberId },
            statuses: statuses.map((s) => ({
              id: s.id,
              status: s.status,
              timestamp: String(s.at),
              recipient_id: "966500000000",
              ...(s.callback ? { biz_opaque_callback_data: s.callback } : {}),
              ...(s.error ? { errors: [{ code: s.error.code, title: s.error.title }] } : {}),
            })),
          },
        },
      ],
    },
  ],
});

async function postWebhook(
  accountId: string,
  payload: unknown,
  secret = APP_SECRET,
  tamper?: (body: string) => string,
) {
  const body = JSON.stringify(payload);
  const signature = await signatureHeader(body, secret);
  return call(`/webhooks/whatsapp?account=${accountId}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature },
    body: tamper ? tamper(body) : body,
  });
}

const messageRows = (tenantId: string) =>
  env.DB.prepare("SELECT * FROM messages WHERE tenant_id = ? ORDER BY created_at, id")
    .bind(tenantId)
    .all<Record<string, string | number | null>>()
    .then((r) => r.results);

const messageRow = (id: string) =>
  env.DB.prepare("SELECT * FROM messages WHERE id = ?")
    .bind(id)
    .first<Record<string, string | number | null>>();

describe("WhatsApp account", () => {
  it("stores the credentials encrypted and never returns them", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    expect(account.webhookUrl).toBe(`https://dealix.test/webhooks/whatsapp?account=${account.id}`);
    const res = await call("/api/v1/whatsapp/account", { headers: tenant.owner.auth });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(ACCESS_TOKEN);
    expect(text).not.toContain(APP_SECRET);
    const row = await env.DB.prepare("SELECT * FROM whatsapp_accounts WHERE id = ?")
      .bind(account.id)
      .first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(ACCESS_TOKEN);
    expect(JSON.stringify(row)).not.toContain(APP_SECRET);
    expect(JSON.stringify(row)).not.toContain(VERIFY_TOKEN);
    expect(row?.access_token_enc).toMatch(/^v1\./);
  });

  it("refuses bad credentials with nothing stored, and a number another tenant holds", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const bad = await call("/api/v1/whatsapp/account", {
      method: "PUT",
      headers: { ...a.owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        phoneNumberId: "abc",
        displayPhone: "x",
        accessToken: "short",
        appSecret: "nothex",
        verifyToken: "v",
      }),
    });
    const problem = await expectProblem(bad, 422, "VALIDATION_FAILED");
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(
      ["accessToken", "appSecret", "displayPhone", "phoneNumberId", "verifyToken"].sort(),
    );
    const taken = await connect(a);
    const clash = await call("/api/v1/whatsapp/account", {
      method: "PUT",
      headers: { ...b.owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        phoneNumberId: taken.phoneNumberId,
        displayPhone: "+966 11 000 0001",
        accessToken: ACCESS_TOKEN,
        appSecret: APP_SECRET,
        verifyToken: VERIFY_TOKEN,
      }),
    });
    await expectProblem(clash, 409, "CONFLICT");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM whatsapp_accounts WHERE tenant_id = ?")
      .bind(b.tenantId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("answers Meta's handshake only with the account's verify token", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    const ok = await call(
      `/webhooks/whatsapp?account=${account.id}&hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const wrong = await call(
      `/webhooks/whatsapp?account=${account.id}&hub.mode=subscribe&hub.verify_token=nope-nope-nope&hub.challenge=1`,
    );
    await expectProblem(wrong, 401, "UNAUTHENTICATED");
    const unknown = await call(
      `/webhooks/whatsapp?account=wac_00000000000000000000&hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`,
    );
    await expectProblem(unknown, 401, "UNAUTHENTICATED");
  });
});

describe("POST /webhooks/whatsapp", () => {
  it("verifies the signature before anything is stored: tampered, wrong secret, missing header", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    const payload = inboundPayload(account.phoneNumberId, newPhone(), `wamid.sig${Date.now()}`, "hello");
    const tampered = await postWebhook(account.id, payload, APP_SECRET, (body) =>
      body.replace("hello", "hellO"),
    );
    await expectProblem(tampered, 401, "UNAUTHENTICATED");
    const wrongSecret = await postWebhook(account.id, payload, "f".repeat(32));
    await expectProblem(wrongSecret, 401, "UNAUTHENTICATED");
    const missing = await call(`/webhooks/whatsapp?account=${account.id}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    await expectProblem(missing, 401, "UNAUTHENTICATED");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await messageRows(tenant.tenantId)).toEqual([]);

    const valid = await postWebhook(account.id, payload);
    expect(valid.status).toBe(200);
    await eventually(
      () => messageRows(tenant.tenantId),
      (rows) => rows.length === 1,
    );
  });

  it("makes a lead from an unknown number, stores a replayed webhook once and counts it unread once", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    const from = newPhone();
    const wamid = `wamid.replay${Date.now()}`;
    const payload = inboundPayload(account.phoneNumberId, from, wamid, "أبغى شقة في الملقا");
    expect((await postWebhook(account.id, payload)).status).toBe(200);
    expect((await postWebhook(account.id, payload)).status).toBe(200);
    const [row] = await eventually(
      () => messageRows(tenant.tenantId),
      (rows) => rows.length === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messageRows(tenant.tenantId)).toHaveLength(1);
    expect(row).toMatchObject({
      direction: "inbound",
      state: "received",
      body: "أبغى شقة في الملقا",
      provider_message_id: wamid,
    });
    const contact = await env.DB.prepare("SELECT * FROM contacts WHERE id = ?")
      .bind(row?.contact_id)
      .first<Record<string, string>>();
    expect(contact).toMatchObject({
      tenant_id: tenant.tenantId,
      name: "نورة",
      phone: from,
      source: "whatsapp",
    });
    const conversation = await env.DB.prepare("SELECT * FROM conversations WHERE contact_id = ?")
      .bind(row?.contact_id)
      .first<Record<string, number>>();
    expect(conversation?.unread_count).toBe(1);

    const list = await call("/api/v1/conversations", { headers: tenant.owner.auth });
    const page = (await list.json()) as {
      data: { id: string; unreadCount: number; windowOpen: boolean; contact: { phone: string } }[];
    };
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ unreadCount: 1, windowOpen: true, contact: { phone: from } });
  });

  it("joins the thread of the contact that has the phone", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    const from = newPhone();
    const created = await postJson(
      "/api/v1/contacts",
      { name: "Saad", source: "walk_in", phones: [from] },
      tenant.owner.auth,
    );
    expect(created.status).toBe(201);
    const contact = (await created.json()) as { id: string };
    expect(
      (
        await postWebhook(
          account.id,
          inboundPayload(account.phoneNumberId, from, `wamid.join${Date.now()}`, "hi"),
        )
      ).status,
    ).toBe(200);
    const [row] = await eventually(
      () => messageRows(tenant.tenantId),
      (rows) => rows.length === 1,
    );
    expect(row?.contact_id).toBe(contact.id);
    expect(await countRows("contacts")).toBeGreaterThan(0);
    const contacts = await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ n: number }>();
    expect(contacts?.n).toBe(1);
  });
});

describe("POST /api/v1/messages", () => {
  it("refuses free text outside the 24-hour window with nothing stored, and sends a template", async () => {
    const tenant = await createTenant();
    const created = await postJson(
      "/api/v1/contacts",
      { name: "Huda", source: "walk_in", phones: [newPhone()] },
      tenant.owner.auth,
    );
    const contact = (await created.json()) as { id: string };
    const text = await postJson(
      "/api/v1/messages",
      { contactId: contact.id, text: "مرحبا" },
      tenant.owner.auth,
    );
    await expectProblem(text, 422, "TEMPLATE_REQUIRED");
    expect(await messageRows(tenant.tenantId)).toEqual([]);
    await addWhatsAppTemplate(tenant.tenantId, {
      name: "viewing_reminder",
      body: "موعدك {{1}}",
      variableCount: 1,
    });

    const template = await postJson(
      "/api/v1/messages",
      {
        contactId: contact.id,
        template: { name: "viewing_reminder", language: "ar", variables: ["الثلاثاء"] },
      },
      tenant.owner.auth,
    );
    expect(template.status).toBe(202);
    const queued = (await template.json()) as { id: string; state: string; kind: string };
    expect(queued).toMatchObject({ state: "queued", kind: "template" });
    // No number connected: development and tests send through the dev outbox.
    const sent = await eventually(
      () => messageRow(queued.id),
      (row) => row?.state === "sent",
    );
    expect(sent).toMatchObject({ transport: "dev_outbox", attempts: 1 });
    const outbox = await env.DB.prepare(
      "SELECT body FROM outbox_messages WHERE recipient = (SELECT phone FROM contacts WHERE id = ?)",
    )
      .bind(contact.id)
      .all<{ body: string }>();
    expect(outbox.results.map((r) => r.body)).toEqual(["[template viewing_reminder (ar)] الثلاثاء"]);
  });

  it("refuses bad input, another tenant's contact and an agent's unseen contact", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const bad = await postJson(
      "/api/v1/messages",
      { contactId: "con_00000000000000000000", text: "a", template: { name: "x" } },
      tenant.owner.auth,
    );
    await expectProblem(bad, 422, "VALIDATION_FAILED");
    const foreign = await postJson(
      "/api/v1/contacts",
      { name: "Other", source: "walk_in", phones: [newPhone()] },
      other.owner.auth,
    );
    const foreignId = ((await foreign.json()) as { id: string }).id;
    const res = await postJson(
      "/api/v1/messages",
      { contactId: foreignId, template: { name: "hello" } },
      tenant.owner.auth,
    );
    await expectProblem(res, 404, "NOT_FOUND");
    const mine = await postJson(
      "/api/v1/contacts",
      { name: "Manager's", source: "walk_in", phones: [newPhone()] },
      tenant.manager.auth,
    );
    const mineId = ((await mine.json()) as { id: string }).id;
    const agent = await postJson(
      "/api/v1/messages",
      { contactId: mineId, template: { name: "hello" } },
      tenant.agent.auth,
    );
    await expectProblem(agent, 404, "NOT_FOUND");
    expect(await messageRows(tenant.tenantId)).toEqual([]);
  });
});

describe("sending through the Cloud API", () => {
  async function threadWithInbound(tenant: Tenant) {
    const account = await connect(tenant);
    const from = newPhone();
    await postWebhook(
      account.id,
      inboundPayload(account.phoneNumberId, from, `wamid.in${Date.now()}${phoneCounter++}`, "hi"),
    );
    const [row] = await eventually(
      () => messageRows(tenant.tenantId),
      (rows) => rows.length === 1,
    );
    return { account, contactId: String(row?.contact_id), from };
  }

  it("sends free text in the window, records the wamid, and applies statuses in any order", async () => {
    const tenant = await createTenant();
    const { account, contactId, from } = await threadWithInbound(tenant);
    const sends: unknown[] = [];
    network.use(
      http.post(`${GRAPH}/${account.phoneNumberId}/messages`, async ({ request }) => {
        expect(request.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
        sends.push(await request.json());
        return HttpResponse.json({
          messaging_product: "whatsapp",
          contacts: [{ input: from, wa_id: from.slice(1) }],
          messages: [{ id: "wamid.out1" }],
        });
      }),
    );
    const res = await postJson(
      "/api/v1/messages",
      { contactId, text: "أهلاً، متى يناسبك؟" },
      tenant.agent.auth,
    );
    // The lead is unassigned (no round-robin rule), so the agent does not see it; the owner sends.
    await expectProblem(res, 404, "NOT_FOUND");
    const owner = await postJson(
      "/api/v1/messages",
      { contactId, text: "أهلاً، متى يناسبك؟" },
      tenant.owner.auth,
    );
    expect(owner.status).toBe(202);
    const { id } = (await owner.json()) as { id: string };
    await eventually(
      () => messageRow(id),
      (row) => row?.state === "sent",
    );
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({
      to: from.slice(1),
      type: "text",
      text: { body: "أهلاً، متى يناسبك؟" },
      biz_opaque_callback_data: id,
    });

    const t = Math.floor(Date.now() / 1000);
    // read arrives first, then delivered, then sent: the message ends read with every time kept.
    await postWebhook(
      account.id,
      statusPayload(account.phoneNumberId, [{ id: "wamid.out1", status: "read", at: t + 20 }]),
    );
    await eventually(
      () => messageRow(id),
      (row) => row?.state === "read",
    );
    await postWebhook(
      account.id,
      statusPayload(account.phoneNumberId, [
        { id: "wamid.out1", status: "delivered", at: t + 10 },
        { id: "wamid.out1", status: "sent", at: t + 5 },
      ]),
    );
    // Once read, delivered_at held the read time; the earlier delivered time replaces it.
    const row = await eventually(
      () => messageRow(id),
      (r) => r?.delivered_at === (t + 10) * 1000,
    );
    expect(row).toMatchObject({
      state: "read",
      provider_message_id: "wamid.out1",
      read_at: (t + 20) * 1000,
      delivered_at: (t + 10) * 1000,
    });
  });

  it("maps a provider refusal to a failed state with its reason", async () => {
    const tenant = await createTenant();
    const { account, contactId } = await threadWithInbound(tenant);
    network.use(
      http.post(`${GRAPH}/${account.phoneNumberId}/messages`, () =>
        HttpResponse.json({ error: { code: 131026, message: "Message undeliverable" } }, { status: 400 }),
      ),
    );
    const res = await postJson("/api/v1/messages", { contactId, text: "x" }, tenant.owner.auth);
    const { id } = (await res.json()) as { id: string };
    const row = await eventually(
      () => messageRow(id),
      (r) => r?.state === "failed",
    );
    expect(row).toMatchObject({ state_reason: "undeliverable", error_title: "Message undeliverable" });
  });

  it("retries through a provider outage, opens the breaker, dead-letters, and never sends twice", async () => {
    const tenant = await createTenant();
    const { account, contactId } = await threadWithInbound(tenant);
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
    let calls = 0;
    network.use(
      http.post(`${GRAPH}/${account.phoneNumberId}/messages`, () => {
        calls++;
        return HttpResponse.json(
          { error: { code: 1, message: "Service temporarily unavailable" } },
          { status: 503 },
        );
      }),
    );
    const res = await postJson(
      "/api/v1/messages",
      { contactId, text: "during the outage" },
      tenant.owner.auth,
    );
    const { id } = (await res.json()) as { id: string };
    // 1 + max_retries (3 in tests) deliveries, then the dead-letter queue marks it.
    const row = await eventually(
      () => messageRow(id),
      (r) => r?.state_reason === "dead_lettered",
      8000,
    );
    expect(row?.state).toBe("queued");
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(4);
    const [status] = await Promise.all([
      env.CIRCUIT_BREAKER.getByName("whatsapp").status({
        failureThreshold: 5,
        windowSeconds: 60,
        coolDownSeconds: 30,
        trialLimit: 2,
        trialLeaseSeconds: 30,
      }),
    ]);
    expect(status.failuresInWindow).toBe(calls);
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
  });
});

describe("stranded sends", () => {
  it("the sweep queues again a message never enqueued and one whose sender died, not a dead-lettered one", async () => {
    const tenant = await createTenant();
    const created = await postJson(
      "/api/v1/contacts",
      { name: "Lama", source: "walk_in", phones: [newPhone()] },
      tenant.owner.auth,
    );
    const contact = (await created.json()) as { id: string };
    const conversationId = newId(idPrefixes.conversation);
    const old = Date.now() - 60 * 60 * 1000;
    const insert = (id: string, state: string, reason: string | null, claimedUntil: number | null) =>
      env.DB.prepare(
        "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, template, state, state_reason, claimed_until, created_at, updated_at) VALUES (?, ?, ?, ?, 'outbound', 'template', ?, ?, ?, ?, ?, ?)",
      ).bind(
        id,
        tenant.tenantId,
        conversationId,
        contact.id,
        JSON.stringify({ name: "hello", language: "ar", variables: [] }),
        state,
        reason,
        claimedUntil,
        old,
        old,
      );
    const [lost, died, dead] = [
      newId(idPrefixes.message),
      newId(idPrefixes.message),
      newId(idPrefixes.message),
    ];
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, created_at) VALUES (?, ?, ?, ?, ?)",
      ).bind(conversationId, tenant.tenantId, contact.id, old, old),
      insert(lost, "queued", null, null),
      insert(died, "sending", null, old + 30_000),
      insert(dead, "queued", "dead_lettered", null),
    ]);
    const result = await requeueStrandedSends(env);
    expect(result.requeued).toBe(2);
    await eventually(
      async () => [(await messageRow(lost))?.state, (await messageRow(died))?.state],
      (states) => states.every((s) => s === "sent"),
    );
    expect((await messageRow(dead))?.state).toBe("queued");
  });
});
