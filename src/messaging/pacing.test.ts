import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { createTenant, uniquePhone } from "../../test/fixtures";
import { call, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { consumeOutbound } from "../../workers/queues/outbound";
import type { Bindings } from "../env";
import { loadConfig } from "../env";
import { resetBreaker } from "../platform/circuit-breaker";
import { idPrefixes, newId } from "../platform/ids";
import type { OutboundJob } from "./messaging.service";
import { RetryLaterError, sendQueuedMessage } from "./outbound";
import type { WhatsAppPacing } from "./pacing";

const GRAPH = "https://graph.facebook.com/v23.0";
type Tenant = Awaited<ReturnType<typeof createTenant>>;

let counter = 0;

async function connect(tenant: Tenant) {
  const phoneNumberId = `88${Date.now()}${counter++}`;
  const res = await call("/api/v1/whatsapp/account", {
    method: "PUT",
    headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({
      phoneNumberId,
      displayPhone: "+966 11 000 0000",
      accessToken: "EAA-pacing-token-00000000000",
      appSecret: "0123456789abcdef0123456789abcdef",
      verifyToken: "pacing-verify-token-0000",
    }),
  });
  expect(res.status).toBe(200);
  return phoneNumberId;
}

async function newContact(tenant: Tenant) {
  const res = await postJson(
    "/api/v1/contacts",
    { name: `Reem ${counter++}`, source: "walk_in", phones: [uniquePhone()] },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Stores queued template messages without enqueueing them, so the test hands them to the consumer
 * itself, in the batches it wants, with the pacing it wants.
 */
async function queuedMessages(tenant: Tenant, contactIds: string[]) {
  const now = Date.now();
  const statements: D1PreparedStatement[] = [];
  const ids: string[] = [];
  for (const contactId of new Set(contactIds)) {
    statements.push(
      env.DB.prepare(
        "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, created_at) VALUES (?, ?, ?, ?, ?)",
      ).bind(newId(idPrefixes.conversation), tenant.tenantId, contactId, now, now),
    );
  }
  for (const contactId of contactIds) {
    const id = newId(idPrefixes.message);
    ids.push(id);
    statements.push(
      env.DB.prepare(
        "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, template, state, created_at, updated_at) VALUES (?, ?, (SELECT id FROM conversations WHERE tenant_id = ? AND contact_id = ?), ?, 'outbound', 'template', ?, 'queued', ?, ?)",
      ).bind(
        id,
        tenant.tenantId,
        tenant.tenantId,
        contactId,
        contactId,
        JSON.stringify({ name: "hello", language: "ar", variables: [] }),
        now,
        now + ids.length,
      ),
    );
  }
  await env.DB.batch(statements);
  return ids;
}

/** Counts the Graph API's sends from one number, answering each with a new wamid. */
function graphSends(phoneNumberId: string) {
  const sends: { to: string }[] = [];
  network.use(
    http.post(`${GRAPH}/${phoneNumberId}/messages`, async ({ request }) => {
      sends.push((await request.json()) as { to: string });
      return HttpResponse.json({ messages: [{ id: `wamid.paced${sends.length}.${counter++}` }] });
    }),
  );
  return sends;
}

interface Delivery {
  messageId: string;
  outcome: "ack" | "retry";
  delaySeconds?: number | undefined;
}

/**
 * Runs the outbound consumer on one batch of jobs, with a queue producer that records what it is
 * asked to enqueue again. Returns what happened to each job and what was enqueued.
 */
async function consume(
  tenant: Tenant,
  messageIds: string[],
  pacing: WhatsAppPacing,
  overrides: Partial<Bindings> = {},
  attempts = 1,
) {
  const deliveries: Delivery[] = [];
  const requeued: { messageId: string; delaySeconds: number | undefined }[] = [];
  const messages = messageIds.map((messageId, i) => ({
    id: `q${i}`,
    timestamp: new Date(),
    attempts,
    body: { tenantId: tenant.tenantId, messageId } satisfies OutboundJob,
    ack: () => deliveries.push({ messageId, outcome: "ack" }),
    retry: (options?: QueueRetryOptions) =>
      deliveries.push({ messageId, outcome: "retry", delaySeconds: options?.delaySeconds }),
  }));
  const queue = {
    send: async (job: OutboundJob, options?: QueueSendOptions) => {
      requeued.push({ messageId: job.messageId, delaySeconds: options?.delaySeconds });
    },
  };
  const ctx = createExecutionContext();
  await consumeOutbound(
    { queue: "outbound", messages } as unknown as MessageBatch<OutboundJob>,
    { ...env, OUTBOUND_QUEUE: queue, ...overrides } as unknown as Bindings,
    ctx,
    pacing,
  );
  await waitOnExecutionContext(ctx);
  return { deliveries, requeued };
}

const statesOf = (ids: string[]) =>
  env.DB.prepare(
    `SELECT id, state, state_reason, claimed_until FROM messages WHERE id IN (${ids.map(() => "?").join(",")})`,
  )
    .bind(...ids)
    .all<{ id: string; state: string; state_reason: string | null; claimed_until: number | null }>()
    .then((r) => Object.fromEntries(r.results.map((row) => [row.id, row])));

const roomy = { limit: 1000, windowSeconds: 1 };

afterEach(() => resetBreaker(env.CIRCUIT_BREAKER, "whatsapp"));

describe("WhatsApp pacing in the outbound consumer", () => {
  it("sends one of three messages to the same contact, queues the others again after the pair delay, and never sends twice", async () => {
    const tenant = await createTenant();
    const phoneNumberId = await connect(tenant);
    const contactId = await newContact(tenant);
    const ids = await queuedMessages(tenant, [contactId, contactId, contactId]);
    const sends = graphSends(phoneNumberId);
    const pacing = { perNumber: roomy, perRecipient: { limit: 1, windowSeconds: 1 } };

    const first = await consume(tenant, ids, pacing);
    expect(sends).toHaveLength(1);
    // Every job is acked: the two held back go again as new jobs, without spending an attempt.
    expect(first.deliveries.map((d) => d.outcome)).toEqual(["ack", "ack", "ack"]);
    expect(first.requeued).toHaveLength(2);
    expect(first.requeued.every((r) => r.delaySeconds === 1)).toBe(true);
    const states = await statesOf(ids);
    const sent = ids.filter((id) => states[id]?.state === "sent");
    const held = ids.filter((id) => states[id]?.state !== "sent");
    expect(sent).toHaveLength(1);
    expect(held.map((id) => states[id])).toEqual(
      held.map((id) => ({ id, state: "queued", state_reason: "paced", claimed_until: null })),
    );
    expect(first.requeued.map((r) => r.messageId).sort()).toEqual([...held].sort());

    // The queue delivers a job twice: the sent one is skipped, the others are still held back.
    await consume(tenant, ids, pacing);
    expect(sends).toHaveLength(1);

    // A pair interval later, one more goes, and the last one waits again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await consume(tenant, held, pacing);
    expect(sends).toHaveLength(2);
    expect(later.requeued).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await consume(
      tenant,
      later.requeued.map((r) => r.messageId),
      pacing,
    );
    expect(sends).toHaveLength(3);
    expect(Object.values(await statesOf(ids)).map((row) => row.state)).toEqual(["sent", "sent", "sent"]);
  });

  it("retries, keeping its count, a held-back job that had already failed", async () => {
    const tenant = await createTenant();
    const phoneNumberId = await connect(tenant);
    const contactId = await newContact(tenant);
    const ids = await queuedMessages(tenant, [contactId, contactId]);
    const sends = graphSends(phoneNumberId);
    const pacing = { perNumber: roomy, perRecipient: { limit: 1, windowSeconds: 60 } };
    // A second delivery (the first failed): held back, it spends an attempt like any retry, so an
    // outage still reaches the dead-letter queue after max_retries.
    const { deliveries, requeued } = await consume(tenant, ids, pacing, {}, 2);
    expect(sends).toHaveLength(1);
    expect(requeued).toEqual([]);
    expect(deliveries.filter((d) => d.outcome === "retry")).toEqual([
      { messageId: expect.any(String), outcome: "retry", delaySeconds: expect.any(Number) },
    ]);
    expect(deliveries.find((d) => d.outcome === "retry")?.delaySeconds).toBeGreaterThanOrEqual(1);
  });

  it("sends messages to different contacts in one batch at once", async () => {
    const tenant = await createTenant();
    const phoneNumberId = await connect(tenant);
    const contacts = [await newContact(tenant), await newContact(tenant), await newContact(tenant)];
    const ids = await queuedMessages(tenant, contacts);
    const sends = graphSends(phoneNumberId);
    const { deliveries, requeued } = await consume(tenant, ids, {
      perNumber: roomy,
      perRecipient: { limit: 1, windowSeconds: 60 },
    });
    expect(sends).toHaveLength(3);
    expect(deliveries.map((d) => d.outcome)).toEqual(["ack", "ack", "ack"]);
    expect(requeued).toEqual([]);
  });

  it("holds back what is over the number's throughput, and gives the pair slot back", async () => {
    const tenant = await createTenant();
    const phoneNumberId = await connect(tenant);
    const contacts: string[] = [];
    for (let i = 0; i < 4; i++) contacts.push(await newContact(tenant));
    const ids = await queuedMessages(tenant, contacts);
    const sends = graphSends(phoneNumberId);
    const perRecipient = { limit: 1, windowSeconds: 60 };
    const { requeued } = await consume(tenant, ids, {
      perNumber: { limit: 2, windowSeconds: 60 },
      perRecipient,
    });
    expect(sends).toHaveLength(2);
    expect(requeued).toHaveLength(2);
    // 2 a minute: the next send fits 30 s later.
    expect(requeued.every((r) => (r.delaySeconds ?? 0) >= 1 && (r.delaySeconds ?? 0) <= 30)).toBe(true);
    const states = await statesOf(ids);
    const heldContacts = requeued.map((r) => contacts[ids.indexOf(r.messageId)]);
    expect(requeued.map((r) => states[r.messageId]?.state_reason)).toEqual(["paced", "paced"]);
    // The held-back messages did not use up their contact's pair slot.
    for (const contactId of heldContacts) {
      const pair = await env.RATE_LIMITER.getByName(`wa-pair:${phoneNumberId}:${contactId}`).take(1, 60);
      expect(pair.allowed).toBe(true);
    }
  });

  it("sends when the limiter is unavailable rather than holding every message", async () => {
    const tenant = await createTenant();
    const phoneNumberId = await connect(tenant);
    const contactId = await newContact(tenant);
    const ids = await queuedMessages(tenant, [contactId]);
    const sends = graphSends(phoneNumberId);
    const broken = {
      getByName: () => {
        throw new Error("limiter down");
      },
    };
    const { requeued } = await consume(
      tenant,
      ids,
      { perNumber: roomy, perRecipient: { limit: 1, windowSeconds: 60 } },
      { RATE_LIMITER: broken as unknown as Bindings["RATE_LIMITER"] },
    );
    expect(sends).toHaveLength(1);
    expect(requeued).toEqual([]);
  });

  it("retries a 131056 after at least one pair interval, with the claim released", async () => {
    const tenant = await createTenant();
    const phoneNumberId = await connect(tenant);
    const contactId = await newContact(tenant);
    const [id] = await queuedMessages(tenant, [contactId]);
    network.use(
      http.post(`${GRAPH}/${phoneNumberId}/messages`, () =>
        HttpResponse.json(
          { error: { code: 131056, message: "(#131056) Pair rate limit hit" } },
          { status: 400 },
        ),
      ),
    );
    const pacing = { perNumber: roomy, perRecipient: { limit: 1, windowSeconds: 6 } };
    const attempt = sendQueuedMessage(
      env,
      loadConfig(env),
      { tenantId: tenant.tenantId, messageId: String(id) },
      Date.now(),
      pacing,
    );
    await expect(attempt).rejects.toBeInstanceOf(RetryLaterError);
    await expect(attempt).rejects.toMatchObject({ reason: "pair_rate_limited", delaySeconds: 6 });
    expect((await statesOf([String(id)]))[String(id)]).toMatchObject({
      state: "queued",
      state_reason: "pair_rate_limited",
      claimed_until: null,
    });
  });
});
