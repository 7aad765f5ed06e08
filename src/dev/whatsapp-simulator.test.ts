import { env, exports } from "cloudflare:workers";
import { http } from "msw";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { addWhatsAppTemplate, createTenant } from "../../test/fixtures";
import { callWithEnv, ORIGIN, PRODUCTION_BINDINGS, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import { ProviderUnavailableError, sendWhatsApp } from "../integrations/whatsapp/cloud-api";
import { accountById } from "../messaging/whatsapp-accounts.repo";
import { openCredential } from "../messaging/whatsapp-credentials";
import { resetBreaker } from "../platform/circuit-breaker";
import { RATE_LIMIT_RETRY_AFTER_SECONDS } from "./whatsapp-simulator";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const SIMULATOR_GRAPH = `${ORIGIN}/dev/whatsapp/graph`;

/** The owner's browser on the simulator page, signed in by the session cookies. */
async function ownerBrowser(tenant: Tenant) {
  const browser = new TestBrowser({
    "__Host-dlx_at": tenant.owner.accessToken,
    "__Host-dlx_rt": tenant.owner.refreshToken,
  });
  await browser.get("/dev/whatsapp");
  return browser;
}

/** Connects a simulated number from the page; returns its account id and phone number id. */
async function connectFromPage(browser: TestBrowser, tenantId: string) {
  const res = await browser.post("/dev/whatsapp/connect", {});
  expect(res.status).toBe(303);
  expect(res.headers.get("Location")).toMatch(/flash=connected/);
  await browser.follow(res);
  const row = await env.DB.prepare("SELECT id, phone_number_id FROM whatsapp_accounts WHERE tenant_id = ?")
    .bind(tenantId)
    .first<{ id: string; phone_number_id: string }>();
  if (!row) throw new Error("no account connected");
  return { accountId: row.id, phoneNumberId: row.phone_number_id };
}

const setMode = async (browser: TestBrowser, mode: string) => {
  const res = await browser.post("/dev/whatsapp/mode", { mode });
  expect(res.status).toBe(303);
  await browser.follow(res);
  expect(browser.lastHtml).toMatch(/data-testid="simulator-mode"/);
};

/** The real Cloud API client, pointed at the simulator (answered in process: tests have no network). */
async function sendThroughClient(
  phoneNumberId: string,
  accessToken: string,
  signal = AbortSignal.timeout(5000),
) {
  network.use(http.post(`${SIMULATOR_GRAPH}/*`, ({ request }) => exports.default.fetch(request as Request)));
  return sendWhatsApp(
    { phoneNumberId, accessToken },
    { to: "+966500000001", content: { kind: "text", body: "hello" }, callbackData: "msg_test" },
    { graphVersion: "v23.0", signal, origin: SIMULATOR_GRAPH },
  );
}

/** The access token the simulator generated for a number, as the consumer reads it. */
async function accessTokenOf(accountId: string) {
  const [row] = await accountById(dbFor(env.DB), accountId);
  if (!row) throw new Error("no account");
  return openCredential(loadConfig(env), row, "access_token");
}

const sends = () =>
  env.DB.prepare("SELECT * FROM dev_whatsapp_sends ORDER BY created_at")
    .all<Record<string, string | null>>()
    .then((r) => r.results);

/**
 * The suite leaves WHATSAPP_API_ORIGIN unset (other files mock Meta's own host), so the consumer's
 * calls to Meta for this number are routed to the simulator's fake Graph API, in process.
 */
function routeMetaToSimulator(phoneNumberId: string) {
  network.use(
    http.post(`https://graph.facebook.com/v23.0/${phoneNumberId}/messages`, ({ request }) =>
      exports.default.fetch(
        new Request(`${SIMULATOR_GRAPH}/v23.0/${phoneNumberId}/messages`, {
          method: "POST",
          headers: request.headers,
          body: request.body,
          duplex: "half",
        } as RequestInit),
      ),
    ),
  );
}

/** A thread whose 24-hour window is open: a customer wrote in through the simulator's form. */
async function openThread(browser: TestBrowser, tenantId: string, accountId: string, from: string) {
  await browser.post("/dev/whatsapp/inbound", { accountId, from, name: "Fahad", text: "hi" });
  const row = await eventually(
    () =>
      env.DB.prepare("SELECT contact_id FROM messages WHERE tenant_id = ?")
        .bind(tenantId)
        .first<{ contact_id: string }>(),
    (r) => r !== null,
  );
  return (row as { contact_id: string }).contact_id;
}

describe("the fake Graph API", () => {
  it("answers like Meta, checks the bearer token and records each accepted send", async () => {
    const tenant = await createTenant();
    const browser = await ownerBrowser(tenant);
    const { accountId, phoneNumberId } = await connectFromPage(browser, tenant.tenantId);
    await setMode(browser, "ok");
    const before = (await sends()).length;

    const res = await exports.default.fetch(
      new Request(`${SIMULATOR_GRAPH}/v23.0/${phoneNumberId}/messages`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${await accessTokenOf(accountId)}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          messaging_product: "whatsapp",
          to: "966500000002",
          type: "text",
          text: { body: "مرحبا" },
          biz_opaque_callback_data: "msg_abc",
        }),
      }),
    );
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { messages: { id: string }[] };
    expect(answer).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: "966500000002", wa_id: "966500000002" }],
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
    });
    const recorded = await sends();
    expect(recorded).toHaveLength(before + 1);
    expect(recorded.at(-1)).toMatchObject({
      wamid: answer.messages[0]?.id,
      phone_number_id: phoneNumberId,
      recipient: "966500000002",
      summary: "مرحبا",
      callback_data: "msg_abc",
      last_status: null,
    });

    const wrongToken = await exports.default.fetch(
      new Request(`${SIMULATOR_GRAPH}/v23.0/${phoneNumberId}/messages`, {
        method: "POST",
        headers: {
          Authorization: "Bearer EAAnot-the-right-token-000000",
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          messaging_product: "whatsapp",
          to: "966500000002",
          type: "text",
          text: { body: "x" },
        }),
      }),
    );
    expect(wrongToken.status).toBe(401);
    expect(((await wrongToken.json()) as { error: { code: number } }).error.code).toBe(190);
    expect(await sends()).toHaveLength(before + 1);

    const accepted = await sendThroughClient(phoneNumberId, await accessTokenOf(accountId));
    expect(accepted).toMatchObject({ ok: true, providerMessageId: expect.stringMatching(/^wamid\./) });
    expect(await sends()).toHaveLength(before + 2);
  });

  it("fails on demand: 500s, 429s with Retry-After and timeouts, recording nothing", async () => {
    const tenant = await createTenant();
    const browser = await ownerBrowser(tenant);
    const { accountId, phoneNumberId } = await connectFromPage(browser, tenant.tenantId);
    const token = await accessTokenOf(accountId);
    const before = (await sends()).length;
    try {
      await setMode(browser, "error_500");
      const outage = await sendThroughClient(phoneNumberId, token).catch((error: unknown) => error);
      expect(outage).toBeInstanceOf(ProviderUnavailableError);
      expect((outage as Error).message).toBe("Graph API answered 500 (code 1)");

      await setMode(browser, "rate_429");
      const throttled = await sendThroughClient(phoneNumberId, token).catch((error: unknown) => error);
      expect(throttled).toBeInstanceOf(ProviderUnavailableError);
      expect((throttled as ProviderUnavailableError).retryAfterSeconds).toBe(RATE_LIMIT_RETRY_AFTER_SECONDS);

      await setMode(browser, "timeout");
      const started = Date.now();
      const hung = await sendThroughClient(phoneNumberId, token, AbortSignal.timeout(300)).catch(
        (error: unknown) => error,
      );
      expect((hung as Error).name).toMatch(/TimeoutError|AbortError/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(await sends()).toHaveLength(before);
    } finally {
      await setMode(browser, "ok");
    }
  });
});

describe("the simulator page", () => {
  it("posts a signed inbound message through the real webhook route, stored as the customer's message", async () => {
    const tenant = await createTenant();
    const browser = await ownerBrowser(tenant);
    const { accountId } = await connectFromPage(browser, tenant.tenantId);
    expect(browser.lastHtml).toContain(`data-account="${accountId}"`);
    const res = await browser.post("/dev/whatsapp/inbound", {
      accountId,
      from: "0500000777",
      name: "سارة",
      text: "هل الشقة متاحة؟",
    });
    expect(res.headers.get("Location")).toContain("flash=inbound&a=200");
    const row = await eventually(
      () =>
        env.DB.prepare(
          "SELECT m.direction, m.state, m.body, c.phone, c.name FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.tenant_id = ?",
        )
          .bind(tenant.tenantId)
          .first<Record<string, string>>(),
      (r) => r !== null,
    );
    expect(row).toEqual({
      direction: "inbound",
      state: "received",
      body: "هل الشقة متاحة؟",
      phone: "+966500000777",
      name: "سارة",
    });
  });

  it("refuses a form from another site and a connect by a non-owner", async () => {
    const tenant = await createTenant();
    const browser = await ownerBrowser(tenant);
    const forged = await browser.post(
      "/dev/whatsapp/mode",
      { mode: "error_500" },
      { origin: "https://evil.example" },
    );
    expect(forged.status).toBe(403);
    const agent = new TestBrowser({
      "__Host-dlx_at": tenant.agent.accessToken,
      "__Host-dlx_rt": tenant.agent.refreshToken,
    });
    await agent.get("/dev/whatsapp");
    const res = await agent.post("/dev/whatsapp/connect", {});
    expect(res.headers.get("Location")).toContain("flash=needs_owner");
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM whatsapp_accounts WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("sends a reply through the fake Graph API, then its status buttons move it to delivered and read", async () => {
    const tenant = await createTenant();
    const browser = await ownerBrowser(tenant);
    const { accountId, phoneNumberId } = await connectFromPage(browser, tenant.tenantId);
    await setMode(browser, "ok");
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
    const contactId = await openThread(browser, tenant.tenantId, accountId, "0500000888");
    routeMetaToSimulator(phoneNumberId);
    const sent = await postJson("/api/v1/messages", { contactId, text: "أهلاً فهد" }, tenant.owner.auth);
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    const message = () =>
      env.DB.prepare("SELECT state, provider_message_id FROM messages WHERE id = ?")
        .bind(id)
        .first<{ state: string; provider_message_id: string | null }>();
    const { provider_message_id: wamid } = await eventually(message, (r) => r?.state === "sent").then(
      (r) => r as { state: string; provider_message_id: string },
    );
    const [send] = (await sends()).filter((s) => s.callback_data === id);
    expect(send?.wamid).toBe(wamid);

    await browser.get("/dev/whatsapp");
    expect(browser.lastHtml).toContain(`data-wamid="${wamid}"`);
    const delivered = await browser.post("/dev/whatsapp/status", { wamid, status: "delivered" });
    expect(delivered.headers.get("Location")).toContain("flash=status&a=200");
    await eventually(message, (r) => r?.state === "delivered");
    await browser.post("/dev/whatsapp/status", { wamid, status: "read" });
    await eventually(message, (r) => r?.state === "read");
    const stored = await env.DB.prepare("SELECT last_status FROM dev_whatsapp_sends WHERE wamid = ?")
      .bind(wamid)
      .first<{ last_status: string }>();
    expect(stored?.last_status).toBe("read");
  });

  it("dead-letters sends during an outage, and the DLQ retry after the restore sends each exactly once", async () => {
    const tenant = await createTenant();
    const browser = await ownerBrowser(tenant);
    const { accountId, phoneNumberId } = await connectFromPage(browser, tenant.tenantId);
    await setMode(browser, "ok");
    const contactId = await openThread(browser, tenant.tenantId, accountId, "0500000999");
    routeMetaToSimulator(phoneNumberId);
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
    try {
      await setMode(browser, "error_500");
      // Two people: the consumer paces sends to one person 6 s apart (Meta's pair rate limit).
      const other = await postJson(
        "/api/v1/contacts",
        { name: "Sara", source: "walk_in", phones: ["+966500000998"] },
        tenant.owner.auth,
      );
      const otherId = ((await other.json()) as { id: string }).id;
      await addWhatsAppTemplate(tenant.tenantId, { name: "hello", language: "ar" });
      const ids: string[] = [];
      for (const body of [
        { contactId, text: "one" },
        { contactId: otherId, template: { name: "hello", language: "ar", variables: [] } },
      ]) {
        const res = await postJson("/api/v1/messages", body, tenant.owner.auth);
        expect(res.status).toBe(202);
        ids.push(((await res.json()) as { id: string }).id);
      }
      const letters = () =>
        env.DB.prepare("SELECT body FROM dead_letters WHERE queue = 'outbound' AND retried_at IS NULL")
          .all<{ body: string }>()
          .then((r) =>
            r.results.map((row) => JSON.parse(row.body) as { messageId: string; tenantId: string }),
          )
          .then((bodies) => bodies.filter((body) => ids.includes(body.messageId)));
      const stored = await eventually(letters, (bodies) => bodies.length === 2, 8000);
      // Only the ids: the text and the phone stay in the messages row.
      expect(stored.map((body) => Object.keys(body).sort())).toEqual([
        ["messageId", "tenantId"],
        ["messageId", "tenantId"],
      ]);

      await setMode(browser, "ok");
      await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
      const retried = await browser.post("/dev/dead-letters/outbound/retry", {});
      expect(retried.headers.get("Location")).toMatch(/flash=dlq&a=\d+/);
      for (const id of ids) {
        await eventually(
          () => env.DB.prepare("SELECT state FROM messages WHERE id = ?").bind(id).first<{ state: string }>(),
          (r) => r?.state === "sent",
          8000,
        );
      }
      // A second retry finds nothing waiting, so nothing is sent twice.
      await browser.post("/dev/dead-letters/outbound/retry", {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      const accepted = (await sends()).filter((send) => ids.includes(String(send.callback_data)));
      expect(accepted.map((send) => send.callback_data).sort()).toEqual([...ids].sort());
    } finally {
      await setMode(browser, "ok");
      await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
    }
  });
});

describe("outside development and test", () => {
  it.each(["production", "staging"])("nothing of the simulator exists in %s", async (environment) => {
    const bindings = { ...PRODUCTION_BINDINGS, ENVIRONMENT: environment };
    const page = await callWithEnv(bindings, "/dev/whatsapp");
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain('data-testid="simulator-page"');
    const graph = await callWithEnv(bindings, "/dev/whatsapp/graph/v23.0/123456/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer x" },
      body: "{}",
    });
    expect(graph.status).toBe(404);
    for (const path of ["/dev/whatsapp/mode", "/dev/whatsapp/inbound", "/dev/dead-letters/outbound/retry"]) {
      const res = await callWithEnv(bindings, path, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
        body: "mode=ok",
      });
      expect(res.status).toBe(404);
    }
  });
});
