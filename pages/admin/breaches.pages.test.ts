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
    `192.0.2.${200 + ++ipCounter}`,
  );
  return { browser, operator };
}

/** Riyadh wall-clock time (UTC+3) as a datetime-local value, `hoursAgo` before now. */
const riyadhLocal = (hoursAgo: number) =>
  new Date(Date.now() - hoursAgo * 3_600_000 + 3 * 3_600_000).toISOString().slice(0, 16);

describe("the operator breach register pages", () => {
  it("sends anyone without an operator session to the sign-in page", async () => {
    const res = await call("/admin/breaches", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/admin/login");
    const tenant = await createTenant();
    const signedIn = new TestBrowser({ "__Host-dlx_at": tenant.owner.accessToken });
    expect((await signedIn.get("/admin/breaches")).headers.get("Location")).toBe("/admin/login");
  });

  it("opens an incident from the form, shows its clock, ticks the checklist and records notices", async () => {
    const tenant = await createTenant();
    const { browser, operator } = await operatorBrowser("ar");
    expect(await (await browser.get("/admin/breaches")).text()).toContain(
      escaped(ar.governance.breaches.title),
    );
    const opened = await browser.post("/admin/breaches/new", {
      title: "Export e-mailed to the wrong tenant",
      description: "A <script> export went astray.",
      awareAt: riyadhLocal(2),
      dataCategories: "names, phones",
      subjectCategories: "customers",
      approxSubjects: "40",
      affectedTenantIds: tenant.tenantId,
    });
    expect(opened.status).toBe(303);
    const location = opened.headers.get("Location") ?? "";
    const id = location.split("/").pop() ?? "";
    const row = await env.DB.prepare(
      "SELECT aware_at, data_categories, affected_tenant_ids, opened_by FROM breach_incidents WHERE id = ?",
    )
      .bind(id)
      .first<{ aware_at: number; data_categories: string; affected_tenant_ids: string; opened_by: string }>();
    expect(row).toMatchObject({
      data_categories: '["names","phones"]',
      affected_tenant_ids: JSON.stringify([tenant.tenantId]),
      opened_by: operator.userId,
    });
    // The Riyadh time typed is two hours ago, to the minute.
    expect(Math.abs((row?.aware_at ?? 0) - (Date.now() - 2 * 3_600_000))).toBeLessThan(61_000);

    const page = await (await browser.get(location)).text();
    expect(page).toMatch(/data-testid="breach-clock" data-state="running"/);
    expect(page).toContain("A &lt;script&gt; export went astray.");
    expect(page).toContain('data-testid="notice-incomplete"');

    const edited = await browser.post(`${location}/edit`, {
      risks: "Phishing",
      remedialActions: "File deleted",
      contactPoint: "privacy@dealix.sa",
      checklist: "risks",
    });
    expect(edited.status).toBe(303);
    const stored = await env.DB.prepare("SELECT risks, checklist FROM breach_incidents WHERE id = ?")
      .bind(id)
      .first<{ risks: string; checklist: string }>();
    expect(stored?.risks).toBe("Phishing");
    expect(JSON.parse(stored?.checklist ?? "{}")).toMatchObject({ risks: true, contact: false });

    // The regulator notice waits for the whole checklist; a tenant notice does not.
    expect(
      (
        await browser.post(`${location}/notify`, {
          recipient: "regulator",
          tenantId: "",
          channel: "ndgp_portal",
          reference: "",
        })
      ).status,
    ).toBe(422);
    const told = await browser.post(`${location}/notify`, {
      recipient: "tenant",
      tenantId: tenant.tenantId,
      channel: "email",
      reference: "",
    });
    expect(told.status).toBe(303);
    const english = await operatorBrowser("en");
    const detail = await (await english.browser.get(location)).text();
    expect(detail).toContain(escaped(en.governance.breaches.recipients.tenant));
  });
});
