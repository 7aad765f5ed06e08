import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { dbFor } from "../../src/db/client";
import { retryDeadLetters } from "../../src/dead-letters/dead-letters.service";
import type { Bindings } from "../../src/env";
import worker from "../../src/index";
import { signatureHeader } from "../../src/integrations/whatsapp/signature";
import type { WebhookJob } from "../../src/messaging/inbound";
import { resetBreaker } from "../../src/platform/circuit-breaker";
import { eventually } from "../../test/eventually";
import { createTenant } from "../../test/fixtures";
import { call, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";

const APP_SECRET = "0123456789abcdef0123456789abcdef";
const GRAPH = "https://graph.facebook.com/v23.0";
const db = dbFor(env.DB);

type Tenant = Awaited<ReturnType<typeof createTenant>>;

let counter = 0;
const newPhone = () =>
  `+96655${String(Date.now() % 10_000).padStart(4, "0")}${String(counter++).padStart(3, "0")}`;

async function connect(tenant: Tenant) {
  const res = await call("/api/v1/whatsapp/account", {
    method: "PUT",
    headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({
      phoneNumberId: `${Date.now()}${counter++}`,
      displayPhone: "+966 11 000 0000",
      accessToken: "EAAtesttoken-not-real-0123456789",
      appSecret: APP_SECRET,
      verifyToken: "verify-token-for-tests-0001",
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; phoneNumberId: string };
}

const inboundPayload = (phoneNumberId: string, from: string, wamid: string, text: string) => ({
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
            contacts: [{ wa_id: from.slice(1), profile: { name: "نورة" } }],
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

const rowsOf = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .all<Record<string, string | number | null>>()
    .then((r) => r.results);

afterEach(() => resetBreaker(env.CIRCUIT_BREAKER, "whatsapp"));

describe("outbound-dlq", () => {
  it("stores a dead send once, and a retry re-sends it exactly once", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    const from = newPhone();
    const body = JSON.stringify(inboundPayload(account.phoneNumberId, from, `wamid.in${counter++}`, "hi"));
    await call(`/webhooks/whatsapp?account=${account.id}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": await signatureHeader(body, APP_SECRET),
      },
      body,
    });
    const [inbound] = await eventually(
      () => rowsOf("SELECT contact_id FROM messages WHERE tenant_id = ?", tenant.tenantId),
      (rows) => rows.length === 1,
    );
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");

    let outage = true;
    let sends = 0;
    network.use(
      http.post(`${GRAPH}/${account.phoneNumberId}/messages`, () => {
        sends++;
        if (outage) return HttpResponse.json({ error: { code: 1, message: "down" } }, { status: 503 });
        return HttpResponse.json({ messaging_product: "whatsapp", messages: [{ id: "wamid.out-retried" }] });
      }),
    );
    const res = await postJson(
      "/api/v1/messages",
      { contactId: inbound?.contact_id, text: "بعد الانقطاع" },
      tenant.owner.auth,
    );
    const { id } = (await res.json()) as { id: string };
    await eventually(
      () => rowsOf("SELECT state, state_reason FROM messages WHERE id = ?", id),
      ([row]) => row?.state_reason === "dead_lettered",
      8000,
    );
    const letters = await eventually(
      () => rowsOf("SELECT queue, body, attempts, retried_at FROM dead_letters WHERE queue = 'outbound'"),
      (rows) => rows.length > 0,
    );
    expect(letters).toEqual([
      {
        queue: "outbound",
        body: JSON.stringify({ tenantId: tenant.tenantId, messageId: id }),
        attempts: 9,
        retried_at: null,
      },
    ]);

    outage = false;
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
    const sendsBefore = sends;
    const producers = { outbound: env.OUTBOUND_QUEUE as Queue<unknown> };
    expect(await retryDeadLetters(db, producers, "outbound", "all")).toEqual({
      retried: 1,
      failed: 0,
      skipped: 0,
      waiting: 0,
    });
    const [sent] = await eventually(
      () => rowsOf("SELECT state, state_reason, provider_message_id FROM messages WHERE id = ?", id),
      ([row]) => row?.state === "sent",
    );
    expect(sent).toEqual({ state: "sent", state_reason: null, provider_message_id: "wamid.out-retried" });
    // A second retry finds nothing waiting: the letter is re-enqueued once, so sent once.
    expect(await retryDeadLetters(db, producers, "outbound", "all")).toMatchObject({
      retried: 0,
      waiting: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sends - sendsBefore).toBe(1);
    expect(
      await rowsOf("SELECT id FROM dead_letters WHERE queue = 'outbound' AND retried_at IS NOT NULL"),
    ).toHaveLength(1);
  });
});

describe("webhooks-dlq", () => {
  async function deliverDead(job: WebhookJob, id: string) {
    const batch = createMessageBatch<WebhookJob>("webhooks-dlq", [
      { id, timestamp: new Date(), attempts: 1, body: job },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as Bindings, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([id]);
  }

  it("stores the payload sealed, once, and a retry applies it where it came from", async () => {
    const tenant = await createTenant();
    const account = await connect(tenant);
    const from = newPhone();
    const text = "أريد شقة في حي الملقا";
    const job: WebhookJob = {
      provider: "whatsapp",
      accountId: account.id,
      tenantId: tenant.tenantId,
      phoneNumberId: account.phoneNumberId,
      receivedAt: Date.now(),
      payload: inboundPayload(account.phoneNumberId, from, `wamid.dead${counter++}`, text),
    };
    await deliverDead(job, "dead-hook");
    await deliverDead(job, "dead-hook");

    const letters = await rowsOf("SELECT body, attempts FROM dead_letters WHERE queue = 'webhooks'");
    expect(letters).toHaveLength(1);
    const stored = String(letters[0]?.body);
    expect(stored).not.toContain(from.slice(1));
    expect(stored).not.toContain(text);
    expect(stored).not.toContain("نورة");
    expect(JSON.parse(stored)).toEqual({
      provider: "whatsapp",
      accountId: account.id,
      tenantId: tenant.tenantId,
      phoneNumberId: account.phoneNumberId,
      receivedAt: job.receivedAt,
      sealedPayload: expect.stringMatching(/^v1\./),
    });
    expect(letters[0]?.attempts).toBe(6);

    const producers = { webhooks: env.WEBHOOKS_QUEUE as Queue<unknown> };
    expect(await retryDeadLetters(db, producers, "webhooks", "all")).toMatchObject({
      retried: 1,
      waiting: 0,
    });
    const messages = await eventually(
      () => rowsOf("SELECT direction, body FROM messages WHERE tenant_id = ?", tenant.tenantId),
      (rows) => rows.length === 1,
    );
    expect(messages).toEqual([{ direction: "inbound", body: text }]);
    const [contact] = await rowsOf("SELECT phone FROM contacts WHERE tenant_id = ?", tenant.tenantId);
    expect(contact?.phone).toBe(from);
  });

  it("does not open a sealed payload moved to another tenant's letter", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const account = await connect(tenant);
    const job: WebhookJob = {
      provider: "whatsapp",
      accountId: account.id,
      tenantId: tenant.tenantId,
      phoneNumberId: account.phoneNumberId,
      receivedAt: Date.now(),
      payload: inboundPayload(account.phoneNumberId, newPhone(), `wamid.moved${counter++}`, "hello"),
    };
    await deliverDead(job, "moved-hook");
    const [letter] = await rowsOf("SELECT body FROM dead_letters WHERE message_id = 'moved-hook'");
    const moved = { ...JSON.parse(String(letter?.body)), tenantId: other.tenantId };
    const batch = createMessageBatch("webhooks", [
      { id: "moved", timestamp: new Date(), attempts: 1, body: moved },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as Bindings, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toMatchObject([{ msgId: "moved" }]);
    expect(
      await rowsOf("SELECT id FROM messages WHERE tenant_id IN (?, ?)", tenant.tenantId, other.tenantId),
    ).toEqual([]);
  });
});
