import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { riyadhMonth } from "../../src/billing/usage";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant, putOnPlan } from "../../test/fixtures";
import { escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

describe("usage page", () => {
  it("shows each limit as a bar, full ones marked, in Arabic and English", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    await env.DB.prepare(
      "INSERT INTO usage_counters (tenant_id, metric, period, used, allowed, updated_at) VALUES (?, 'whatsapp_messages', ?, 1700, 2000, ?)",
    )
      .bind(tenant.tenantId, riyadhMonth(Date.now()), Date.now())
      .run();

    const res = await signedIn(tenant.manager).get("/billing/usage");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(escaped(ar.usage.title));
    // Starter's three seats are taken by the owner, the manager and the agent.
    expect(html).toMatch(/data-testid="usage-seats" data-level="full"/);
    expect(html).toMatch(/data-testid="usage-whatsapp_messages" data-level="near"/);
    expect(html).toMatch(/data-testid="usage-contacts" data-level="ok"/);
    expect(html).toContain("١٬٧٠٠");

    const english = await signedIn(tenant.owner, { lang: "en" }).get("/billing/usage");
    const page = await english.text();
    expect(page).toContain(escaped(en.usage.title));
    expect(page).toContain("1,700 of 2,000");
  });

  it("is for owners and managers", async () => {
    const tenant = await createTenant();
    const res = await signedIn(tenant.agent).get("/billing/usage");
    expect(res.status).toBe(403);
  });

  it("answers a form past the plan with the plan-limit page and the way to upgrade", async () => {
    const tenant = await createTenant();
    await putOnPlan(tenant.tenantId, "starter");
    const browser = signedIn(tenant.owner);
    await browser.get("/team");
    const res = await browser.post("/team/invitations", { phone: "0551112233", role: "agent" });
    expect(res.status).toBe(402);
    const html = await res.text();
    expect(html).toContain(escaped(ar.usage.planLimit));
    const [invitations] = (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM invitations WHERE tenant_id = ?")
        .bind(tenant.tenantId)
        .all<{ n: number }>()
    ).results;
    expect(invitations?.n).toBe(0);
  });
});
