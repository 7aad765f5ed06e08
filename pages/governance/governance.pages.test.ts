import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PRIVACY_NOTICE_VERSION } from "../../src/privacy/processing-records";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant, signupViaApi } from "../../test/fixtures";
import { call, escaped, postJson } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const DAY = 86_400_000;
const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

let phoneCounter = 0;
async function contactWithGrant(owner: Actor, name: string, grantedAt: number) {
  const phone = `+96657${String(Date.now() % 100_000).padStart(5, "0")}${String(phoneCounter++ % 100).padStart(2, "0")}`;
  const created = await postJson(
    "/api/v1/contacts",
    { name, source: "walk_in", phones: [phone] },
    owner.auth,
  );
  const { id } = (await created.json()) as { id: string };
  const granted = await postJson(
    `/api/v1/contacts/${id}/consents`,
    {
      purpose: "marketing",
      status: "granted",
      source: "web_form",
      evidenceText: "I agree to offers",
      occurredAt: new Date(grantedAt).toISOString(),
    },
    owner.auth,
  );
  expect(granted.status).toBe(201);
  return id;
}

describe("expiring consents page", () => {
  it("lists lapsing and lapsed marketing consents for managers, in Arabic and English", async () => {
    const tenant = await createTenant();
    const soon = await contactWithGrant(tenant.owner, "<b>Soon</b>", Date.now() - 350 * DAY);
    const lapsed = await contactWithGrant(tenant.owner, "Lapsed", Date.now() - 400 * DAY);
    const res = await signedIn(tenant.manager).get("/consents/expiring");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(escaped(ar.governance.consents.title));
    expect(html).toContain("&lt;b&gt;Soon&lt;/b&gt;");
    expect(html).toMatch(
      new RegExp(
        `data-testid="consents-expiring"[\\s\\S]*data-contact="${soon}"[\\s\\S]*data-testid="consents-expired"[\\s\\S]*data-contact="${lapsed}"`,
      ),
    );
    const english = await (await signedIn(tenant.owner, { lang: "en" }).get("/consents/expiring")).text();
    expect(english).toContain(escaped(en.governance.consents.expiredHeading));
    expect((await signedIn(tenant.agent).get("/consents/expiring")).status).toBe(403);
  });
});

describe("retention settings page", () => {
  it("shows periods and what is due to managers; owners save them and the next run turns dry", async () => {
    const tenant = await createTenant();
    const managerPage = await (await signedIn(tenant.manager).get("/settings/retention")).text();
    expect(managerPage).toContain(escaped(ar.governance.retention.title));
    expect(managerPage).toContain(escaped(ar.governance.retention.ownersOnly));
    expect(managerPage).toMatch(/data-testid="next-run" data-mode="dry_run"/);

    const owner = signedIn(tenant.owner, { lang: "en" });
    expect(await (await owner.get("/settings/retention")).text()).toContain(
      escaped(en.governance.retention.save),
    );
    const saved = await owner.post("/settings/retention", {
      closed_lost_deals: "365",
      message_bodies: "730",
      audit_events: "1825",
      import_rows: "30",
      confirm: "yes",
    });
    expect(saved.status).toBe(303);
    expect(await (await owner.get("/settings/retention")).text()).toMatch(
      /data-testid="next-run" data-mode="apply"/,
    );
    expect(
      (
        await owner.post("/settings/retention", {
          closed_lost_deals: "1",
          message_bodies: "730",
          audit_events: "1825",
          import_rows: "30",
        })
      ).status,
    ).toBe(422);
    expect((await signedIn(tenant.manager).post("/settings/retention/confirm", {})).status).toBe(403);
    expect((await signedIn(tenant.agent).get("/settings/retention")).status).toBe(403);
  });
});

describe("privacy pages", () => {
  it("serves the platform notice and the sub-processor register publicly, in Arabic and English", async () => {
    const notice = await call("/privacy");
    expect(notice.status).toBe(200);
    const html = await notice.text();
    expect(html).toContain(escaped(ar.governance.privacy.title));
    expect(html).toContain('href="/privacy/sub-processors"');
    expect(html).not.toContain('data-testid="request-link"');
    const english = await (await new TestBrowser({ lang: "en" }).get("/privacy/sub-processors")).text();
    for (const id of ["cloudflare", "meta_whatsapp", "moyasar", "posthog", "sentry", "llm"]) {
      expect(english).toContain(`data-id="${id}"`);
    }
    expect(english).toContain("Standard Contractual Clauses");
  });

  it("serves a tenant's notice with its name, its retention and its request page; an unknown tenant is a 404", async () => {
    const tenant = await createTenant("Riyadh <Realty>");
    await postJson("/api/v1/retention/confirm", {}, tenant.owner.auth);
    const put = await call("/api/v1/retention", {
      method: "PUT",
      headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ periods: { closed_lost_deals: 400 } }),
    });
    expect(put.status).toBe(200);
    const html = await (await call(`/privacy/${tenant.tenantId}/notice`)).text();
    expect(html).toContain("Riyadh &lt;Realty&gt;");
    expect(html).toContain(`href="/privacy/${tenant.tenantId}/request"`);
    expect(html).toMatch(
      /data-testid="notice-retention"[\s\S]*?٤٠٠|data-testid="notice-retention"[\s\S]*?400/,
    );
    const other = await createTenant();
    expect((await call(`/privacy/${other.tenantId.replace(/.$/, "z")}/notice`)).status).toBe(404);
  });

  it("shows the record of processing to managers and as JSON, with the tenant's name and retention", async () => {
    const tenant = await createTenant("Jeddah Homes");
    const res = await call("/api/v1/privacy/records", { headers: tenant.manager.auth });
    expect(res.status).toBe(200);
    const records = (await res.json()) as {
      controller: { name: { en: string } };
      activities: { id: string; transfersOutsideKingdom: { recipient: string }[] }[];
      retention: { type: string; days: number }[];
      subProcessors: { id: string }[];
    };
    expect(records.controller.name.en).toBe("Jeddah Homes");
    expect(records.retention).toContainEqual({ type: "audit_events", days: 1825, action: "delete" });
    const billing = records.activities.find((activity) => activity.id === "billing");
    expect(billing?.transfersOutsideKingdom.map((t) => t.recipient)).toEqual(["Cloudflare, Inc."]);
    expect(records.subProcessors).toHaveLength(6);
    const page = await (await signedIn(tenant.owner, { lang: "en" }).get("/privacy/records")).text();
    expect(page).toContain(escaped(en.governance.privacy.recordsTitle));
    expect(page).toContain("Jeddah Homes");
    expect(page).toContain(`href="/privacy/${tenant.tenantId}/notice"`);
    expect((await call("/api/v1/privacy/records", { headers: tenant.agent.auth })).status).toBe(403);
    expect((await signedIn(tenant.agent).get("/privacy/records")).status).toBe(403);
  });

  it("records the notice version a sign-up accepted", async () => {
    const { res } = await signupViaApi();
    expect(res.status).toBe(201);
    const { tenant } = (await res.json()) as { tenant: { id: string } };
    const audit = await env.DB.prepare(
      "SELECT details FROM audit_events WHERE tenant_id = ? AND action = 'tenant.created'",
    )
      .bind(tenant.id)
      .first<{ details: string }>();
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({ privacyNotice: PRIVACY_NOTICE_VERSION });
    expect(await (await call("/privacy")).text()).toContain(PRIVACY_NOTICE_VERSION);
  });

  it("links the privacy notice from sign-up and the early-access form", async () => {
    for (const path of ["/signup", "/"]) {
      const html = await (await call(path)).text();
      expect(html).toMatch(/data-testid="privacy-notice-line"[\s\S]*?href="\/privacy"/);
    }
  });
});
