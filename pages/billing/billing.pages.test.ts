import { env, exports } from "cloudflare:workers";
import { http } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { createTenant } from "../../test/fixtures";
import { ORIGIN } from "../../test/helpers";
import { network } from "../../test/setup/network";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

beforeEach(() =>
  network.use(
    http.all(`${ORIGIN}/dev/moyasar/v1/*`, ({ request }) => exports.default.fetch(request as Request)),
  ),
);

const browserOf = (member: Tenant["owner"]) =>
  new TestBrowser({ "__Host-dlx_at": member.accessToken, "__Host-dlx_rt": member.refreshToken });

describe("the billing pages", () => {
  it("take the owner from the trial to an active Growth plan through the simulator", async () => {
    const tenant = await createTenant();
    const owner = browserOf(tenant.owner);
    expect((await owner.get("/billing")).status).toBe(200);
    expect(owner.lastHtml).toMatch(/data-testid="trial-banner"/);
    expect(owner.lastHtml).toMatch(/href="\/billing"/);

    expect((await owner.get("/billing/checkout?plan=growth&period=monthly")).status).toBe(200);
    expect(owner.lastHtml).toMatch(/data-testid="checkout-vat">373\.50/);
    expect(owner.lastHtml).toMatch(/data-testid="checkout-total"><strong>2,863\.50/);

    const toMoyasar = await owner.post("/billing/checkout", { plan: "growth", period: "monthly" });
    expect(toMoyasar.status).toBe(303);
    const hosted = new URL(toMoyasar.headers.get("Location") ?? "");
    expect(hosted.pathname).toMatch(/^\/dev\/moyasar\/checkout\//);

    const payer = new TestBrowser();
    await payer.get(hosted.pathname);
    const paid = await payer.post(hosted.pathname, { number: "4111111111111111" });
    const back = new URL(paid.headers.get("Location") ?? "");
    expect(back.pathname).toBe("/billing/return");

    await eventually(
      () =>
        env.DB.prepare("SELECT status FROM subscriptions WHERE tenant_id = ?")
          .bind(tenant.tenantId)
          .first<{ status: string }>(),
      (row) => row?.status === "active",
    );
    const returned = await owner.get(`${back.pathname}${back.search}`);
    expect(returned.headers.get("Refresh")).toBeNull();
    expect(owner.lastHtml).toMatch(/data-testid="checkout-status" hidden="">paid/);
    await owner.get("/billing");
    expect(owner.lastHtml).toMatch(
      /data-testid="subscription-status">Active|data-testid="subscription-status">نشط/,
    );
  });

  it("shows a failed payment and keeps the trial", async () => {
    const tenant = await createTenant();
    const owner = browserOf(tenant.owner);
    await owner.get("/billing");
    const toMoyasar = await owner.post("/billing/checkout", { plan: "starter", period: "yearly" });
    const hosted = new URL(toMoyasar.headers.get("Location") ?? "");
    const payer = new TestBrowser();
    await payer.get(hosted.pathname);
    const declined = await payer.post(hosted.pathname, { number: "4201320000013020" });
    const back = new URL(declined.headers.get("Location") ?? "");
    expect(`${back.pathname}${back.search}`).toBe("/billing?payment=failed");
    await owner.get(`${back.pathname}${back.search}`);
    expect(owner.lastHtml).toMatch(/role="alert"/);
    expect(owner.lastHtml).toMatch(/data-testid="trial-banner"/);
  });

  it("are for owners only", async () => {
    const tenant = await createTenant();
    for (const member of [tenant.manager, tenant.agent]) {
      const browser = browserOf(member);
      expect((await browser.get("/billing")).status).toBe(403);
      expect(browser.lastHtml).not.toMatch(/href="\/billing"/);
    }
  });

  it("let the owner set the invoice details, refusing a bad VAT number with nothing stored", async () => {
    const tenant = await createTenant();
    const owner = browserOf(tenant.owner);
    await owner.get("/billing");
    expect(owner.lastHtml).toMatch(/data-testid="billing-profile"/);
    const stored = () =>
      env.DB.prepare("SELECT legal_name, vat_number FROM billing_profiles WHERE tenant_id = ?")
        .bind(tenant.tenantId)
        .first<{ legal_name: string; vat_number: string | null }>();

    const bad = await owner.post("/billing/profile", {
      legalName: "Dar Co",
      vatNumber: "12345",
      address: "",
    });
    expect(bad.headers.get("Location")).toBe("/billing?flash=profile_invalid");
    expect(await stored()).toBeNull();

    const good = await owner.post("/billing/profile", {
      legalName: "Dar Co",
      vatNumber: "310123456700003",
      address: "2345 King Fahd Road, Riyadh",
    });
    expect(good.headers.get("Location")).toBe("/billing?flash=changed");
    expect(await stored()).toEqual({ legal_name: "Dar Co", vat_number: "310123456700003" });
    await owner.get("/billing");
    expect(owner.lastHtml).toMatch(
      /data-testid="next-invoice-type">(Next invoice: standard|الفاتورة القادمة: فاتورة ضريبية<)/,
    );

    // Managers do not reach the owner's billing forms.
    const manager = browserOf(tenant.manager);
    const refused = await manager.post("/billing/profile", { legalName: "Other" });
    expect(refused.status).not.toBe(303);
    expect((await stored())?.legal_name).toBe("Dar Co");
  });
});
