import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { idPrefixes, newId } from "../../src/platform/ids";
import { TestBrowser } from "../../test/browser";
import { type Actor, createMember, createTenant } from "../../test/fixtures";
import { callCountingD1, countRows, escaped, postJson } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

async function onContactsPage(actor: Actor, extra: Record<string, string> = {}) {
  const browser = signedIn(actor, extra);
  expect((await browser.get("/contacts")).status).toBe(200);
  return browser;
}

const contactsOf = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, name, phone, owner_id, status, version FROM contacts WHERE tenant_id = ? ORDER BY created_at",
    )
      .bind(tenantId)
      .all<{
        id: string;
        name: string;
        phone: string | null;
        owner_id: string | null;
        status: string;
        version: number;
      }>()
  ).results;

describe("contacts pages", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const res = await new TestBrowser().get("/contacts");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Fcontacts");
  });

  it("shows a new tenant an empty state that says what to do, in Arabic and in English", async () => {
    const { agent } = await createTenant();
    const arabic = await (await signedIn(agent).get("/contacts")).text();
    expect(arabic).toContain('data-testid="contacts-empty"');
    expect(arabic).toContain(escaped(ar.contacts.emptyHint));
    const english = await (await signedIn(agent, { lang: "en" }).get("/contacts")).text();
    expect(english).toContain(escaped(en.contacts.emptyHint));
  });

  it("adds a contact from the form, opens its page with call and WhatsApp links, and lists it", async () => {
    const { tenantId, agent } = await createTenant();
    const browser = await onContactsPage(agent);
    const res = await browser.post("/contacts", {
      name: "نورة",
      phone: "٠٥٥١٢٣٤٥٦٧",
      source: "walk_in",
      tags: "فيلا، vip",
    });
    expect(res.status).toBe(303);
    const [stored] = await contactsOf(tenantId);
    expect(stored).toMatchObject({ name: "نورة", phone: "+966551234567", owner_id: agent.userId });
    const page = await (await browser.follow(res)).text();
    expect(page).toContain('href="tel:+966551234567"');
    expect(page).toContain('href="https://wa.me/966551234567"');
    const list = await (await browser.get("/contacts?q=نوره")).text();
    expect(list).toContain(`data-contact-id="${stored?.id}"`);
  });

  it("shows the form again with the error and writes nothing for a bad phone", async () => {
    const { tenantId, agent } = await createTenant();
    const browser = await onContactsPage(agent);
    const res = await browser.post("/contacts", { name: "X", phone: "12", source: "walk_in" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(escaped(ar.auth.errors.phone));
    expect(await contactsOf(tenantId)).toEqual([]);
  });

  it("warns about a duplicate and adds it only when asked", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = await onContactsPage(manager);
    await browser.post("/contacts", { name: "Khalid", phone: "0559990000", source: "walk_in" });
    const warned = await browser.post("/contacts", {
      name: "خالد",
      phone: "+966559990000",
      source: "referral",
    });
    expect(warned.status).toBe(409);
    expect(await warned.text()).toContain('data-testid="duplicate-warning"');
    expect(await contactsOf(tenantId)).toHaveLength(1);
    const forced = await browser.post("/contacts", {
      name: "خالد",
      phone: "+966559990000",
      source: "referral",
      onDuplicate: "create",
    });
    expect(forced.status).toBe(303);
    expect(await contactsOf(tenantId)).toHaveLength(2);
  });

  it("saves an edit, and refuses a stale one with the latest values shown", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = await onContactsPage(manager);
    await browser.post("/contacts", { name: "Editable", source: "walk_in" });
    const [contact] = await contactsOf(tenantId);
    const id = contact?.id as string;
    await browser.get(`/contacts/${id}`);
    const fields = { name: "Edited", source: "walk_in", status: "qualified", version: "1" };
    expect((await browser.post(`/contacts/${id}`, fields)).status).toBe(200);
    const stale = await browser.post(`/contacts/${id}`, { ...fields, name: "Late edit" });
    expect(stale.status).toBe(412);
    expect(await stale.text()).toContain(escaped(ar.contacts.stale));
    expect((await contactsOf(tenantId))[0]).toMatchObject({
      name: "Edited",
      status: "qualified",
      version: 2,
    });
  });

  it("answers 404 for another tenant's contact and for an agent's hidden one", async () => {
    const home = await createTenant();
    const other = await createTenant();
    const otherBrowser = await onContactsPage(other.owner);
    await otherBrowser.post("/contacts", { name: "Foreign", source: "walk_in" });
    const [foreign] = await contactsOf(other.tenantId);
    expect((await signedIn(home.owner).get(`/contacts/${foreign?.id}`)).status).toBe(404);
    const colleague = await createMember(home.tenantId, "agent");
    const colleagueBrowser = await onContactsPage(colleague);
    await colleagueBrowser.post("/contacts", { name: "Mine only", source: "walk_in" });
    const [hidden] = await contactsOf(home.tenantId);
    expect((await signedIn(home.agent).get(`/contacts/${hidden?.id}`)).status).toBe(404);
  });

  it("shows the consent per channel and purpose with its date and source, and links the WhatsApp thread, in one D1 read", async () => {
    const { tenantId, owner } = await createTenant();
    const created = await postJson(
      "/api/v1/contacts",
      { name: "Reem", source: "walk_in", phones: ["+966551230001"] },
      owner.auth,
    );
    const contactId = ((await created.json()) as { id: string }).id;
    const record = (purpose: string, status: string, source: string, occurredAt: string) =>
      postJson(
        `/api/v1/contacts/${contactId}/consents`,
        { purpose, status, source, evidenceText: "أوافق على الرسائل / I agree", occurredAt },
        owner.auth,
      );
    expect((await record("marketing", "granted", "web_form", "2026-03-01T09:00:00Z")).status).toBe(201);
    expect((await record("marketing", "withdrawn", "phone_call", "2026-04-02T09:00:00Z")).status).toBe(201);
    expect((await record("service", "granted", "in_person", "2026-03-05T09:00:00Z")).status).toBe(201);

    const before = await (await signedIn(owner, { lang: "en" }).get(`/contacts/${contactId}`)).text();
    expect(before).toContain('data-testid="consents"');
    expect(before).not.toContain('data-testid="whatsapp-thread-link"');
    const cell = (html: string, key: string) =>
      html.match(new RegExp(`data-testid="consent-${key}" data-status="(\\w+)">(.*?)</td>`))?.slice(1);
    const [marketingStatus, marketingText] = cell(before, "whatsapp-marketing") ?? [];
    expect(marketingStatus).toBe("withdrawn");
    expect(marketingText).toContain(en.contacts.consents.withdrawn);
    expect(marketingText).toContain(en.contacts.consents.sources.phone_call);
    expect(marketingText).toContain("2026");
    expect(cell(before, "whatsapp-service")?.[0]).toBe("granted");
    expect(cell(before, "email-marketing")).toEqual([
      "none",
      expect.stringContaining(en.contacts.consents.none),
    ]);

    const conversationId = newId(idPrefixes.conversation);
    await env.DB.prepare(
      "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, created_at) VALUES (?, ?, ?, ?, ?)",
    )
      .bind(conversationId, tenantId, contactId, Date.now(), Date.now())
      .run();
    const { res, d1RoundTrips } = await callCountingD1(`/contacts/${contactId}`, {
      headers: { Cookie: `__Host-dlx_at=${owner.accessToken}` },
    });
    const arabic = await res.text();
    expect(arabic).toContain(`href="/inbox/${conversationId}"`);
    expect(arabic).toContain(escaped(ar.contacts.consents.title));
    expect(arabic).toContain(escaped(ar.contacts.consents.sources.in_person));
    // The session check, the contact and its consents and thread: one round trip.
    expect(d1RoundTrips).toBe(1);
  });

  it("lets managers change the CRM settings and keeps agents out", async () => {
    const { manager, agent } = await createTenant();
    expect((await signedIn(agent).get("/settings/crm")).status).toBe(403);
    const browser = signedIn(manager);
    expect((await browser.get("/settings/crm")).status).toBe(200);
    const before = await countRows("audit_events");
    const res = await browser.post("/settings/crm", {
      visibility: "all",
      assignment: "round_robin",
      agents: agent.userId,
    });
    expect(res.status).toBe(200);
    expect(await countRows("audit_events")).toBe(before + 1);
    const row = await env.DB.prepare("SELECT visibility, assignment FROM crm_settings WHERE tenant_id = ?")
      .bind(manager.tenantId)
      .first();
    expect(row).toEqual({ visibility: "all", assignment: "round_robin" });
  });
});
