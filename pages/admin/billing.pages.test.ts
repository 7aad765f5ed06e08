import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OPERATOR_COOKIE } from "../../src/admin/operator-session";
import { TestBrowser } from "../../test/browser";
import { createOperator, createTenant } from "../../test/fixtures";
import { call, escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

let ipCounter = 0;
async function operatorBrowser(locale: "ar" | "en") {
  const operator = await createOperator();
  const token = operator.cookie.Cookie.slice(`${OPERATOR_COOKIE}=`.length);
  const browser = new TestBrowser(
    { [OPERATOR_COOKIE]: token, ...(locale === "en" ? { lang: "en" } : {}) },
    `192.0.2.${150 + ++ipCounter}`,
  );
  return { browser, operator };
}

describe("the operator billing page", () => {
  it("sends anyone without an operator session to the sign-in page", async () => {
    const res = await call("/admin/billing", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/admin/login");
    const tenant = await createTenant();
    const anonymous = new TestBrowser();
    await anonymous.get("/admin/login");
    const post = await anonymous.post(`/admin/billing/${tenant.tenantId}/credits`, {
      amountSar: "10",
      reason: "Not an operator",
    });
    expect(post.status).toBe(303);
    expect(post.headers.get("Location")).toBe("/admin/login");
    const credits = await env.DB.prepare("SELECT COUNT(*) AS n FROM billing_credits WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ n: number }>();
    expect(credits?.n).toBe(0);
  });

  it("lists tenants in Arabic and extends a trial from its form, audited", async () => {
    const tenant = await createTenant("شركة التجربة");
    const { browser, operator } = await operatorBrowser("ar");
    const html = await (await browser.get("/admin/billing")).text();
    expect(html).toContain(escaped(ar.admin.billing.title));
    expect(html).toMatch(new RegExp(`data-id="${tenant.tenantId}"[\\s\\S]*?شركة التجربة[\\s\\S]*?trialing`));
    expect(html).toContain(`action="/admin/billing/${tenant.tenantId}/extend-trial"`);

    const before = await env.DB.prepare("SELECT trial_ends_at FROM subscriptions WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ trial_ends_at: number }>();
    const res = await browser.post(`/admin/billing/${tenant.tenantId}/extend-trial`, {
      days: "5",
      reason: "Needs a demo",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/admin/billing?notice=extended");
    const after = await env.DB.prepare("SELECT trial_ends_at FROM subscriptions WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ trial_ends_at: number }>();
    expect(after?.trial_ends_at).toBe((before?.trial_ends_at ?? 0) + 5 * 86_400_000);
    expect(await (await browser.follow(res)).text()).toContain(escaped(ar.admin.billing.extended));
    const audit = await env.DB.prepare(
      "SELECT target_id FROM operator_audit_events WHERE operator_id = ? AND action = 'operator.trial_extended'",
    )
      .bind(operator.userId)
      .all();
    expect(audit.results).toEqual([{ target_id: tenant.tenantId }]);
  });

  it("adds a credit in riyals from the English page, and refuses an amount under 1 SAR", async () => {
    const tenant = await createTenant();
    const { browser } = await operatorBrowser("en");
    expect(await (await browser.get("/admin/billing")).text()).toContain(
      escaped(en.admin.billing.grantCredit),
    );
    const res = await browser.post(`/admin/billing/${tenant.tenantId}/credits`, {
      amountSar: "150.50",
      reason: "Outage on the 3rd",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/admin/billing?notice=credited");
    const tooSmall = await browser.post(`/admin/billing/${tenant.tenantId}/credits`, {
      amountSar: "0.5",
      reason: "Too small",
    });
    expect(tooSmall.status).toBe(422);
    const credits = await env.DB.prepare(
      "SELECT amount_halalas, reason FROM billing_credits WHERE tenant_id = ?",
    )
      .bind(tenant.tenantId)
      .all();
    expect(credits.results).toEqual([{ amount_halalas: 15_050, reason: "Outage on the 3rd" }]);
  });
});
