import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { idPrefixes, newId } from "../../src/platform/ids";
import { TestBrowser } from "../../test/browser";
import { type Actor, addWhatsAppTemplate, createMember, createTenant } from "../../test/fixtures";
import { call, callCountingD1, escaped, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const HOUR = 60 * 60 * 1000;

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

let phoneCounter = 0;
/** A Saudi mobile number (05 5x…) no other test run is likely to use. */
const newPhone = () => `+96655${String(Date.now()).slice(-3)}${String(phoneCounter++).padStart(4, "0")}`;

/**
 * A contact of `actor` with a WhatsApp thread whose customer last wrote `inboundAgo` ms ago. Stored
 * directly: the webhook route needs a connected number, and a connected number sends to Meta.
 */
async function threadOf(actor: Actor, options: { name?: string; inboundAgo?: number; unread?: number } = {}) {
  const created = await postJson(
    "/api/v1/contacts",
    { name: options.name ?? "نورة", source: "whatsapp", phones: [newPhone()] },
    actor.auth,
  );
  expect(created.status).toBe(201);
  const contact = (await created.json()) as { id: string };
  const id = newId(idPrefixes.conversation);
  const at = Date.now() - (options.inboundAgo ?? HOUR);
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, last_inbound_at, last_preview, unread_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ).bind(id, actor.tenantId, contact.id, at, at, "أبغى شقة", options.unread ?? 1, at),
    env.DB.prepare(
      "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, body, state, provider_message_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'inbound', 'text', ?, 'received', ?, ?, ?)",
    ).bind(newId(idPrefixes.message), actor.tenantId, id, contact.id, "أبغى شقة", `wamid.${id}`, at, at),
  ]);
  return { id, contactId: contact.id };
}

async function outboundMessage(
  actor: Actor,
  thread: { id: string; contactId: string },
  state: string,
  reason: string | null,
) {
  const id = newId(idPrefixes.message);
  const at = Date.now();
  await env.DB.prepare(
    "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, body, state, state_reason, created_at, updated_at) VALUES (?, ?, ?, ?, 'outbound', 'text', ?, ?, ?, ?, ?)",
  )
    .bind(id, actor.tenantId, thread.id, thread.contactId, `reply ${state}`, state, reason, at, at)
    .run();
  return id;
}

/** A template in the tenant's registry; returns its id. */
async function templateOf(tenantId: string, template: Parameters<typeof addWhatsAppTemplate>[1]) {
  await addWhatsAppTemplate(tenantId, template);
  const row = await env.DB.prepare(
    "SELECT id FROM whatsapp_templates WHERE tenant_id = ? AND name = ? AND language = ?",
  )
    .bind(tenantId, template.name, template.language ?? "ar")
    .first<{ id: string }>();
  return row?.id as string;
}

const outboundRows = (tenantId: string) =>
  env.DB.prepare(
    "SELECT kind, body, template, state, sent_by FROM messages WHERE tenant_id = ? AND direction = 'outbound'",
  )
    .bind(tenantId)
    .all<{ kind: string; body: string | null; template: string | null; state: string; sent_by: string }>()
    .then((r) => r.results);

const unreadOf = (id: string) =>
  env.DB.prepare("SELECT unread_count FROM conversations WHERE id = ?")
    .bind(id)
    .first<{ unread_count: number }>()
    .then((row) => row?.unread_count);

describe("inbox pages", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const res = await new TestBrowser().get("/inbox");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Finbox");
  });

  it("explains the empty inbox in Arabic and English, with the connect link for the owner only", async () => {
    const { owner, agent } = await createTenant();
    const arabic = await (await signedIn(owner).get("/inbox")).text();
    expect(arabic).toContain('data-testid="inbox-empty"');
    expect(arabic).toContain(escaped(ar.inbox.emptyHint));
    expect(arabic).toContain('data-testid="connect-link"');
    expect(arabic).toContain('href="/inbox"');
    const english = await (await signedIn(agent, { lang: "en" }).get("/inbox")).text();
    expect(english).toContain(escaped(en.inbox.emptyHint));
    expect(english).toContain(`>${en.inbox.nav}</a>`);
    expect(english).not.toContain('data-testid="connect-link"');
  });

  it("lists the threads most recent first with unread counts and the window, and filters unread", async () => {
    const { owner } = await createTenant();
    const older = await threadOf(owner, { name: "Old", inboundAgo: 30 * HOUR, unread: 0 });
    const recent = await threadOf(owner, { name: "Recent", inboundAgo: HOUR, unread: 3 });
    const html = await (await signedIn(owner, { lang: "en" }).get("/inbox")).text();
    expect(html.indexOf(recent.id)).toBeGreaterThan(-1);
    expect(html.indexOf(recent.id)).toBeLessThan(html.indexOf(older.id));
    expect(html).toContain(escaped(en.inbox.unread(3)));
    expect(html).toContain('data-open="true"');
    expect(html).toContain('data-open="false"');
    const unread = await (await signedIn(owner).get("/inbox?unread=true")).text();
    expect(unread).toContain(recent.id);
    expect(unread).not.toContain(older.id);
    // A cursor edited by hand shows the first page rather than an error.
    expect((await signedIn(owner).get("/inbox?cursor=nonsense")).status).toBe(200);
  });

  it("marks a thread read when it has unread messages, and writes nothing when it has none", async () => {
    const { owner } = await createTenant();
    const thread = await threadOf(owner, { unread: 2 });
    const cookie = `__Host-dlx_at=${owner.accessToken}`;
    const first = await callCountingD1(`/inbox/${thread.id}`, { headers: { Cookie: cookie } });
    expect(first.res.status).toBe(200);
    expect(await first.res.text()).toContain("أبغى شقة");
    expect(await unreadOf(thread.id)).toBe(0);
    const again = await callCountingD1(`/inbox/${thread.id}`, { headers: { Cookie: cookie } });
    expect(again.res.status).toBe(200);
    // markRead's check and write are the difference: a read thread costs only the page's read.
    expect(again.d1RoundTrips).toBe(first.d1RoundTrips - 2);
  });

  it("sends a reply inside the window and comes back to the thread (PRG)", async () => {
    const { tenantId, owner } = await createTenant();
    const thread = await threadOf(owner);
    const browser = signedIn(owner);
    const page = await (await browser.get(`/inbox/${thread.id}`)).text();
    expect(page).toContain('data-testid="reply-form"');
    expect(page).toContain(`href="/contacts/${thread.contactId}"`);
    const res = await browser.post(`/inbox/${thread.id}`, { kind: "text", text: "أهلاً، متى يناسبك؟" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/inbox/${thread.id}?sent=1#reply`);
    const [stored] = await outboundRows(tenantId);
    expect(stored).toMatchObject({ kind: "text", body: "أهلاً، متى يناسبك؟", sent_by: owner.userId });
    expect(["queued", "sending", "sent"]).toContain(stored?.state);
    const after = await (await browser.follow(res)).text();
    expect(after).toContain(escaped(ar.inbox.sent_));
    expect(after).toContain("أهلاً، متى يناسبك؟");
  });

  it("refuses an empty reply with the form shown again and nothing stored", async () => {
    const { tenantId, owner } = await createTenant();
    const thread = await threadOf(owner);
    const browser = signedIn(owner);
    await browser.get(`/inbox/${thread.id}`);
    const res = await browser.post(`/inbox/${thread.id}`, { kind: "text", text: "   " });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(escaped(ar.inbox.invalid));
    const reminder = await templateOf(tenantId, {
      name: "viewing_reminder",
      body: "موعدك {{1}} يوم {{2}}",
      variableCount: 2,
    });
    const badTemplate = await browser.post(`/inbox/${thread.id}`, {
      kind: "template",
      templateId: reminder,
      templateName: "viewing_reminder",
      language: "ar",
      variableCount: "2",
      var1: "",
      var2: "الثلاثاء",
    });
    expect(badTemplate.status).toBe(422);
    const html = await badTemplate.text();
    expect(html).toMatch(/id="var1"[^>]*aria-invalid="true"/);
    expect(html).toContain('value="الثلاثاء"');
    expect(await outboundRows(tenantId)).toEqual([]);
  });

  it("outside the window offers only the template form, keeps refused text, and sends a template", async () => {
    const { tenantId, owner } = await createTenant();
    const thread = await threadOf(owner, { inboundAgo: 25 * HOUR });
    const browser = signedIn(owner, { lang: "en" });
    const page = await (await browser.get(`/inbox/${thread.id}`)).text();
    // No template synced yet: the template part of the box says how to get them.
    expect(page).toContain('data-testid="templates-empty"');
    expect(page).not.toContain('data-testid="reply-form"');
    expect(page).toContain(escaped(en.inbox.windowRule));
    // A text typed before the window closed (an old tab) is refused and shown back, not lost.
    const refused = await browser.post(`/inbox/${thread.id}`, {
      kind: "text",
      text: "Are you still interested?",
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain(escaped(en.inbox.templateRequired));
    expect(html).toContain("Are you still interested?");
    expect(await outboundRows(tenantId)).toEqual([]);
    const reminder = await templateOf(tenantId, {
      name: "viewing_reminder",
      language: "en",
      body: "Reminder: your viewing of {{1}} is on {{2}}.",
      variableCount: 2,
    });
    // The picker lists the approved templates; choosing one (a GET, no JavaScript needed) shows its
    // body and one input per variable.
    const picker = await (await browser.get(`/inbox/${thread.id}`)).text();
    expect(picker).toContain('data-testid="template-picker"');
    expect(picker).toContain(`value="${reminder}"`);
    const chosen = await (await browser.get(`/inbox/${thread.id}?template=${reminder}`)).text();
    expect(chosen).toContain("Reminder: your viewing of {{1}} is on {{2}}.");
    expect(chosen).toContain(escaped(en.inbox.variable(2)));
    expect(chosen).not.toContain('id="var3"');
    const sent = await browser.post(`/inbox/${thread.id}`, {
      kind: "template",
      templateId: reminder,
      templateName: "viewing_reminder",
      language: "en",
      variableCount: "2",
      var1: "Villa 12",
      var2: "Tuesday 5 pm",
    });
    expect(sent.status).toBe(303);
    const [stored] = await outboundRows(tenantId);
    expect(stored?.kind).toBe("template");
    expect(JSON.parse(stored?.template ?? "null")).toEqual({
      name: "viewing_reminder",
      language: "en",
      variables: ["Villa 12", "Tuesday 5 pm"],
    });
  });

  it("refuses a marketing template without an opt-out line, saying why, with nothing stored", async () => {
    const { tenantId, owner } = await createTenant();
    const thread = await threadOf(owner, { inboundAgo: 25 * HOUR });
    const openHouse = await templateOf(tenantId, {
      name: "open_house",
      language: "en",
      category: "MARKETING",
      body: "Open house at {{1}}",
      variableCount: 1,
    });
    const browser = signedIn(owner, { lang: "en" });
    const chosen = await (await browser.get(`/inbox/${thread.id}?template=${openHouse}`)).text();
    expect(chosen).toContain('data-testid="marketing-template"');
    const res = await browser.post(`/inbox/${thread.id}`, {
      kind: "template",
      templateId: openHouse,
      templateName: "open_house",
      language: "en",
      variableCount: "1",
      var1: "Al Malqa",
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(escaped(en.inbox.templateLacksOptOut));
    expect(html).toContain('value="Al Malqa"');
    expect(await outboundRows(tenantId)).toEqual([]);
  });

  it("without approved templates: a sync button for managers and owners that reads Meta, a note for agents", async () => {
    const { tenantId, owner, manager, agent } = await createTenant();
    const thread = await threadOf(manager, { inboundAgo: 25 * HOUR });
    await env.DB.prepare("UPDATE contacts SET owner_id = ? WHERE id = ?")
      .bind(agent.userId, thread.contactId)
      .run();
    const agentPage = await (await signedIn(agent).get(`/inbox/${thread.id}`)).text();
    expect(agentPage).toContain(escaped(ar.inbox.noTemplates));
    expect(agentPage).toContain(escaped(ar.inbox.askToSync));
    expect(agentPage).not.toContain('data-testid="sync-templates"');
    const agentBrowser = signedIn(agent);
    await agentBrowser.get(`/inbox/${thread.id}`);
    expect((await agentBrowser.post(`/inbox/${thread.id}/templates/sync`, {})).status).toBe(403);

    const browser = signedIn(manager);
    const page = await (await browser.get(`/inbox/${thread.id}`)).text();
    expect(page).toContain('data-testid="sync-templates"');
    // Not connected yet: the sync says it failed and the page stays usable.
    const failed = await browser.post(`/inbox/${thread.id}/templates/sync`, {});
    expect(failed.status).toBe(303);
    expect(failed.headers.get("Location")).toBe(`/inbox/${thread.id}?syncFailed=1#reply`);
    expect(await (await browser.follow(failed)).text()).toContain(escaped(ar.inbox.syncFailed));

    const connected = await call("/api/v1/whatsapp/account", {
      method: "PUT",
      headers: { ...owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        phoneNumberId: `1${Date.now()}`,
        displayPhone: "+966 11 000 0000",
        businessAccountId: "4000001",
        accessToken: "EAAtesttoken-not-real-0123456789",
        appSecret: "0123456789abcdef0123456789abcdef",
        verifyToken: "verify-token-for-tests-0001",
      }),
    });
    expect(connected.status).toBe(200);
    network.use(
      http.get("https://graph.facebook.com/v23.0/4000001/message_templates", () =>
        HttpResponse.json({
          data: [
            {
              name: "viewing_reminder",
              language: "ar",
              category: "UTILITY",
              status: "APPROVED",
              components: [{ type: "BODY", text: "موعدك {{1}}" }],
            },
          ],
          paging: { cursors: { after: "1" } },
        }),
      ),
    );
    const synced = await browser.post(`/inbox/${thread.id}/templates/sync`, {});
    expect(synced.headers.get("Location")).toBe(`/inbox/${thread.id}?synced=1#reply`);
    const after = await (await browser.follow(synced)).text();
    expect(after).toContain(escaped(ar.inbox.synced(1)));
    expect(after).toContain('data-testid="template-picker"');
    expect(after).toContain("viewing_reminder");
    const [stored] = (
      await env.DB.prepare("SELECT name, status FROM whatsapp_templates WHERE tenant_id = ?")
        .bind(tenantId)
        .all()
    ).results;
    expect(stored).toEqual({ name: "viewing_reminder", status: "APPROVED" });
  });

  it("shows delivery ticks and the reasons for waiting or failed messages, in Arabic and English", async () => {
    const { owner } = await createTenant();
    const thread = await threadOf(owner, { unread: 0 });
    await outboundMessage(owner, thread, "read", null);
    await outboundMessage(owner, thread, "failed", "undeliverable");
    await outboundMessage(owner, thread, "queued", "breaker_open");
    await outboundMessage(owner, thread, "blocked", "template_paused");
    await outboundMessage(owner, thread, "failed", "provider_131999");
    const arabic = await (await signedIn(owner).get(`/inbox/${thread.id}`)).text();
    for (const state of ["read", "failed", "queued", "blocked"])
      expect(arabic).toContain(`data-state="${state}"`);
    expect(arabic).toContain("tick--read");
    expect(arabic).toContain(escaped(ar.inbox.reasons.undeliverable));
    expect(arabic).toContain(escaped(ar.inbox.reasons.retrying));
    expect(arabic).toContain(escaped(ar.inbox.reasons.template));
    expect(arabic).toContain("provider_131999");
    const english = await (await signedIn(owner, { lang: "en" }).get(`/inbox/${thread.id}`)).text();
    expect(english).toContain(`aria-label="${en.inbox.states.read}"`);
    expect(english).toContain(escaped(en.inbox.reasons.undeliverable));
    // Oldest at the top: the customer's message comes before the replies.
    expect(english.indexOf("أبغى شقة</p>")).toBeLessThan(english.indexOf("reply read"));
  });

  it("pages a long thread: the newest at the bottom, older messages by cursor, only the newest page refreshes", async () => {
    const { owner } = await createTenant();
    const thread = await threadOf(owner, { unread: 0 });
    const base = Date.now() - 40 * 60 * 1000;
    await env.DB.batch(
      Array.from({ length: 35 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, body, state, provider_message_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'inbound', 'text', ?, 'received', ?, ?, ?)",
        ).bind(
          newId(idPrefixes.message),
          owner.tenantId,
          thread.id,
          thread.contactId,
          `msg-${String(i).padStart(2, "0")}`,
          `wamid.page${i}-${thread.id}`,
          base + i * 60_000,
          base + i * 60_000,
        ),
      ),
    );
    const browser = signedIn(owner);
    const newest = await (await browser.get(`/inbox/${thread.id}`)).text();
    expect(newest).toContain("data-refresh=");
    expect(newest).toContain('<script src="/assets/inbox.js" defer');
    expect(newest).not.toContain("msg-04<");
    expect(newest.indexOf("msg-05<")).toBeLessThan(newest.indexOf("msg-34<"));
    const older = /href="(\/inbox\/[^"]+\?cursor=[^"]+)"[^>]*data-testid="older-link"/.exec(newest)?.[1];
    expect(older).toBeDefined();
    const olderPage = await (await browser.get((older ?? "").replaceAll("&amp;", "&"))).text();
    expect(olderPage).toContain("msg-04<");
    expect(olderPage).toContain("أبغى شقة");
    expect(olderPage).not.toContain("msg-05<");
    expect(olderPage).not.toContain("data-refresh=");
  });

  it("answers 404 for a bad id, another tenant's thread and an agent's unseen contact", async () => {
    const home = await createTenant();
    const other = await createTenant();
    const foreign = await threadOf(other.owner);
    const browser = signedIn(home.owner);
    expect((await browser.get("/inbox/nope")).status).toBe(404);
    expect((await browser.get(`/inbox/${foreign.id}`)).status).toBe(404);
    await browser.get("/inbox");
    expect((await browser.post(`/inbox/${foreign.id}`, { kind: "text", text: "hi" })).status).toBe(404);
    expect(await outboundRows(other.tenantId)).toEqual([]);

    const colleague = await createMember(home.tenantId, "agent");
    const hidden = await threadOf(colleague);
    const agent = signedIn(home.agent);
    expect((await agent.get(`/inbox/${hidden.id}`)).status).toBe(404);
    expect(await (await agent.get("/inbox")).text()).not.toContain(hidden.id);
    expect(await unreadOf(hidden.id)).toBe(1);
  });

  it("shows the contact's WhatsApp marketing consent: not recorded, granted since, withdrawn since", async () => {
    const { owner } = await createTenant();
    const thread = await threadOf(owner);
    const consentLine = async (lang = "ar") => {
      const html = await (await signedIn(owner, { lang }).get(`/inbox/${thread.id}`)).text();
      return /<p[^>]*data-testid="consent"[^>]*>[\s\S]*?<\/p>/.exec(html)?.[0] ?? "";
    };
    const record = async (status: "granted" | "withdrawn", occurredAt: string) => {
      const res = await postJson(
        `/api/v1/contacts/${thread.contactId}/consents`,
        { purpose: "marketing", status, source: "web_form", evidenceText: "أوافق على العروض", occurredAt },
        owner.auth,
      );
      expect(res.status).toBe(201);
    };
    const none = await consentLine();
    expect(none).toContain('data-status="none"');
    expect(none).toContain(escaped(ar.inbox.consent.none));

    await record("granted", "2026-03-01T09:00:00.000Z");
    const granted = await consentLine();
    expect(granted).toContain('data-status="granted"');
    expect(granted).toContain(escaped(ar.inbox.consent.granted));
    expect(granted).toContain('datetime="2026-03-01T09:00:00.000Z"');
    expect(await consentLine("en")).toContain(en.inbox.consent.granted);

    await record("withdrawn", "2026-04-02T10:00:00.000Z");
    const withdrawn = await consentLine("en");
    expect(withdrawn).toContain('data-status="withdrawn"');
    expect(withdrawn).toContain(en.inbox.consent.withdrawn);
    expect(withdrawn).toContain('datetime="2026-04-02T10:00:00.000Z"');
  });
});
