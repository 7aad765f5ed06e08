import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { type Actor, addWhatsAppTemplate, createTenant } from "../../test/fixtures";
import { call, escaped, postJson } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

let counter = 0;
const newPhone = () =>
  `+96656${String(Date.now() % 100_000).padStart(5, "0")}${String(counter++ % 100).padStart(2, "0")}`;

async function newContact(tenant: Tenant, name = "ريم", phone = newPhone()) {
  const res = await postJson(
    "/api/v1/contacts",
    { name, source: "walk_in", phones: [phone] },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const template = { name: "new_listings", language: "ar", variables: ["الملقا"] };

/** A tenant whose synced templates include `template` (sends are checked against the registry). */
async function tenantWithTemplate() {
  const tenant = await createTenant();
  await addWhatsAppTemplate(tenant.tenantId, { name: template.name, variableCount: 1 });
  return tenant;
}

/** An AI-drafted template message, which the default policy holds for a manager. */
async function heldDraft(tenant: Tenant, contactId: string) {
  const res = await postJson("/api/v1/messages", { contactId, template, aiDrafted: true }, tenant.owner.auth);
  expect(res.status).toBe(202);
  const body = (await res.json()) as { id: string; state: string };
  expect(body.state).toBe("pending_approval");
  return body.id;
}

const stateOf = (id: string) =>
  env.DB.prepare("SELECT state, state_reason, reviewed_by FROM messages WHERE id = ?")
    .bind(id)
    .first<{ state: string; state_reason: string | null; reviewed_by: string | null }>();

describe("approvals page", () => {
  it("lists held messages oldest first with their contact, content, reason and writer, in Arabic and English", async () => {
    const tenant = await tenantWithTemplate();
    const policy = await call("/api/v1/messaging/approval-policy", {
      method: "PUT",
      headers: { ...tenant.manager.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ approveFirstMessage: true, approveAiDrafted: true }),
    });
    expect(policy.status).toBe(200);
    const contactId = await newContact(tenant, "ريم العتيبي");
    const first = await postJson("/api/v1/messages", { contactId, template }, tenant.owner.auth);
    const firstId = ((await first.json()) as { id: string }).id;
    const second = await heldDraft(tenant, contactId);

    const res = await signedIn(tenant.manager).get("/approvals");
    expect(res.status).toBe(200);
    const html = await res.text();
    const order = [...html.matchAll(/data-testid="held-message" data-message-id="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(order).toEqual([firstId, second]);
    expect(html).toContain(`href="/contacts/${contactId}"`);
    expect(html).toContain("ريم العتيبي");
    expect(html).toContain("new_listings");
    expect(html).toContain("الملقا");
    expect(html).toContain(escaped(ar.approvals.held.first_message));
    expect(html).toContain(escaped(ar.approvals.held.ai_drafted));
    expect(html).toContain("User owner");
    expect(html).toContain('href="/approvals"');

    const english = await (await signedIn(tenant.owner, { lang: "en" }).get("/approvals")).text();
    expect(english).toContain(en.approvals.title);
    expect(english).toContain(en.approvals.held.ai_drafted);
    expect(english).toContain(en.approvals.approve);
  });

  it("shows an empty state, and pages with a cursor", async () => {
    const tenant = await tenantWithTemplate();
    const browser = signedIn(tenant.manager);
    expect(await (await browser.get("/approvals")).text()).toContain('data-testid="approvals-empty"');

    const contactId = await newContact(tenant);
    const ids = [];
    for (let i = 0; i < 21; i++) ids.push(await heldDraft(tenant, contactId));
    const page = await (await browser.get("/approvals")).text();
    expect(page.match(/data-testid="held-message"/g)).toHaveLength(20);
    const next = /href="(\/approvals\?cursor=[^"]+)"/.exec(page)?.[1];
    expect(next).toBeDefined();
    const rest = await (await browser.get((next ?? "").replaceAll("&amp;", "&"))).text();
    expect(rest).toContain(`data-message-id="${ids[20]}"`);
    expect(rest).not.toContain(`data-message-id="${ids[0]}"`);
    expect(rest).not.toContain('data-testid="next-page"');
  });

  it("approves (queued, then sent), rejects (blocked), and says so when someone decided first", async () => {
    const tenant = await tenantWithTemplate();
    const phone = newPhone();
    const contactId = await newContact(tenant, "ريم", phone);
    const toApprove = await heldDraft(tenant, contactId);
    const toReject = await heldDraft(tenant, contactId);
    const browser = signedIn(tenant.manager);
    await browser.get("/approvals");

    const approved = await browser.post(`/approvals/${toApprove}/approve`, {});
    expect(approved.status).toBe(303);
    expect(approved.headers.get("Location")).toBe("/approvals?done=approved");
    expect(["queued", "sending", "sent"]).toContain((await stateOf(toApprove))?.state);
    expect((await stateOf(toApprove))?.reviewed_by).toBe(tenant.manager.userId);
    const after = await (await browser.follow(approved)).text();
    expect(after).toContain(escaped(ar.approvals.approved));
    expect(after).not.toContain(`data-message-id="${toApprove}"`);
    await eventually(
      () => stateOf(toApprove),
      (row) => row?.state === "sent",
    );

    const rejected = await browser.post(`/approvals/${toReject}/reject`, {});
    expect(rejected.headers.get("Location")).toBe("/approvals?done=rejected");
    expect(await stateOf(toReject)).toMatchObject({ state: "blocked", state_reason: "rejected" });
    expect(await (await browser.follow(rejected)).text()).toContain(escaped(ar.approvals.rejected));

    const again = await browser.post(`/approvals/${toReject}/approve`, {});
    expect(again.status).toBe(303);
    expect(again.headers.get("Location")).toBe("/approvals?done=taken");
    expect(await (await browser.follow(again)).text()).toContain(escaped(ar.approvals.taken));
    expect((await stateOf(toReject))?.state).toBe("blocked");
    // Only the approved message reached the (development) outbox.
    const outbox = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?")
      .bind(phone)
      .first<{ n: number }>();
    expect(outbox?.n).toBe(1);
  });

  it("refuses an agent, answers 404 for another tenant's message, and needs the form's CSRF token", async () => {
    const tenant = await tenantWithTemplate();
    const other = await tenantWithTemplate();
    const foreign = await heldDraft(other, await newContact(other));
    const own = await heldDraft(tenant, await newContact(tenant));

    const agent = signedIn(tenant.agent);
    expect((await agent.get("/approvals")).status).toBe(403);
    await agent.get("/inbox");
    expect((await agent.post(`/approvals/${own}/approve`, {})).status).toBe(403);
    expect(await (await agent.get("/inbox")).text()).not.toContain('href="/approvals"');

    const manager = signedIn(tenant.manager);
    await manager.get("/approvals");
    expect((await manager.post(`/approvals/${foreign}/approve`, {})).status).toBe(404);
    expect((await manager.post("/approvals/nope/reject", {})).status).toBe(404);
    expect((await stateOf(foreign))?.state).toBe("pending_approval");
    expect((await manager.post(`/approvals/${own}/approve`, {}, { csrf: "forged" })).status).toBe(403);
    expect((await stateOf(own))?.state).toBe("pending_approval");
  });
});
