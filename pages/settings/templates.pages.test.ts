import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const PAGE = "/settings/templates";
const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

const count = async (sql: string, tenantId: string) =>
  Number(Object.values((await env.DB.prepare(sql).bind(tenantId).first()) ?? {})[0]);

describe("settings: templates and sample data pages", () => {
  it("shows the templates in Arabic with what they add, and is for managers only", async () => {
    const { manager, agent } = await createTenant();
    const browser = signedIn(manager);
    const res = await browser.get(PAGE);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(escaped(ar.templates.title));
    expect(html).toContain("على الخارطة");
    expect(html).toContain(escaped("رقم ترخيص الإعلان العقاري"));
    expect(html).toContain('data-template="clinic"');
    expect((await signedIn(agent).get(PAGE)).status).toBe(403);
  });

  it("applies a template with a result per pipeline and field, in English too, and only once", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = signedIn(manager, { lang: "en" });
    await browser.get(PAGE);
    const res = await browser.post(`${PAGE}/real-estate/apply`, {});
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="template-result"');
    expect(html).toContain("Off-plan");
    expect(html).toContain(`data-outcome="added" data-key="rega_ad_licence"`);
    expect(await count("SELECT count(*) FROM pipelines WHERE tenant_id = ?", tenantId)).toBe(3);
    const again = await (await browser.post(`${PAGE}/real-estate/apply`, {})).text();
    expect(again).toContain(escaped(en.templates.alreadyApplied));
    expect(await count("SELECT count(*) FROM pipelines WHERE tenant_id = ?", tenantId)).toBe(3);
    expect((await browser.post(`${PAGE}/bakery/apply`, {})).status).toBe(404);
  });

  it("loads and removes sample data with clear messages; a second load says it is there already", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = signedIn(manager);
    await browser.get(PAGE);
    const loaded = await browser.post(`${PAGE}/sample-data`, {});
    expect(loaded.status).toBe(200);
    expect(await loaded.text()).toContain(escaped(ar.templates.sampleLoaded.split("{")[0] ?? ""));
    expect(await count("SELECT count(*) FROM contacts WHERE tenant_id = ? AND sample = 1", tenantId)).toBe(
      16,
    );
    const twice = await browser.post(`${PAGE}/sample-data`, {});
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain(escaped(ar.templates.sampleAlready));
    const removed = await browser.post(`${PAGE}/sample-data/remove`, {});
    expect(removed.status).toBe(200);
    expect(await count("SELECT count(*) FROM contacts WHERE tenant_id = ? AND sample = 1", tenantId)).toBe(0);
  });

  it("refuses an agent's posts and a stranger's session writes only its own tenant", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const agent = signedIn(a.agent);
    await agent.get("/contacts");
    expect((await agent.post(`${PAGE}/sample-data`, {})).status).toBe(403);
    expect((await agent.post(`${PAGE}/clinic/apply`, {})).status).toBe(403);
    const stranger = signedIn(b.manager);
    await stranger.get(PAGE);
    expect((await stranger.post(`${PAGE}/sample-data`, {})).status).toBe(200);
    expect(await count("SELECT count(*) FROM contacts WHERE tenant_id = ?", a.tenantId)).toBe(0);
    expect(await count("SELECT count(*) FROM pipelines WHERE tenant_id = ?", a.tenantId)).toBe(0);
  });

  it("refuses a manager demoted to agent whose page cookie still says manager, and writes nothing", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = signedIn(manager);
    await browser.get(PAGE);
    await env.DB.prepare("UPDATE memberships SET role = 'agent' WHERE tenant_id = ? AND user_id = ?")
      .bind(tenantId, manager.userId)
      .run();
    expect((await browser.post(`${PAGE}/clinic/apply`, {})).status).toBe(403);
    expect((await browser.post(`${PAGE}/sample-data`, {})).status).toBe(403);
    expect(await count("SELECT count(*) FROM pipelines WHERE tenant_id = ?", tenantId)).toBe(0);
    expect(await count("SELECT count(*) FROM contacts WHERE tenant_id = ?", tenantId)).toBe(0);
  });

  it("points a new tenant's empty contacts and deals pages to it (managers)", async () => {
    const { manager, agent } = await createTenant();
    const browser = signedIn(manager);
    for (const path of ["/contacts", "/deals"]) {
      const html = await (await browser.get(path)).text();
      expect(html, path).toContain('href="/settings/templates"');
      expect(html, path).toContain(escaped(ar.templates.startLink));
    }
    const agentHtml = await (await signedIn(agent).get("/contacts")).text();
    expect(agentHtml).not.toContain('data-testid="start-with-template"');
    const settings = await (await browser.get("/settings/crm")).text();
    expect(settings).toContain('href="/settings/templates"');
  });
});
