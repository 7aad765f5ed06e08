import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { callSettled, countRows, escaped, ORIGIN } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

/** Posts the upload form as a browser does: multipart, with the CSRF cookie and field. */
async function postFile(browser: TestBrowser, actor: Actor, csv: string | Uint8Array, origin = ORIGIN) {
  const token = /name="_csrf" value="([^"]+)"/.exec(browser.lastHtml)?.[1] ?? "";
  const form = new FormData();
  form.set("_csrf", token);
  form.set("file", new File([csv], "leads.csv", { type: "text/csv" }));
  return callSettled("/contacts/import", {
    method: "POST",
    headers: {
      Cookie: `__Host-dlx_at=${actor.accessToken}; __Host-dlx_rt=${actor.refreshToken}; __Host-dlx_csrf=${browser.cookie("__Host-dlx_csrf")}; lang=${browser.cookie("lang") ?? "ar"}`,
      Origin: origin,
    },
    body: form,
    redirect: "manual",
  });
}

describe("the import wizard", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const res = await new TestBrowser().get("/contacts/import");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Fcontacts%2Fimport");
  });

  it("uploads, maps with a preview, starts, and shows progress until done, with the rows in error", async () => {
    const { tenantId, agent } = await createTenant("Wizard");
    const browser = signedIn(agent);
    const upload = await browser.get("/contacts/import");
    expect(upload.status).toBe(200);
    expect(browser.lastHtml).toContain(escaped(ar.imports.uploadIntro));

    const posted = await postFile(browser, agent, "الاسم,الجوال\nنورة,0551239001\n,0551239002\nسارة,12\n");
    expect(posted.status).toBe(303);
    const location = posted.headers.get("Location") ?? "";
    expect(location).toMatch(/^\/contacts\/import\/imp_[0-9a-z]{20}$/);

    const mapping = await browser.get(location);
    expect(mapping.status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="import-preview"');
    expect(browser.lastHtml).toContain("نورة");
    expect(browser.lastHtml).toMatch(/<option value="name" selected="">/);

    const started = await browser.post(location, {
      "col-0": "name",
      "col-1": "phone",
      duplicateAction: "skip",
    });
    expect(started.status).toBe(303);

    await vi.waitFor(
      async () => {
        const res = await browser.get(location);
        expect(browser.lastHtml).toContain('data-status="done"');
        expect(res.headers.get("Refresh")).toBeNull();
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(browser.lastHtml).toContain('data-testid="import-errors"');
    expect(await countRows("contacts")).toBeGreaterThan(0);
    const [row] = (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?").bind(tenantId).all()
    ).results as { n: number }[];
    expect(row?.n).toBe(1);
  });

  it("refuses a form from another site and an empty file, storing nothing", async () => {
    const { agent } = await createTenant("Wizard refusals");
    const browser = signedIn(agent, { lang: "en" });
    await browser.get("/contacts/import");
    const before = await countRows("imports");
    expect((await postFile(browser, agent, "name\nA\n", "https://evil.example")).status).toBe(403);
    const empty = await postFile(browser, agent, "");
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain(escaped(en.imports.noFile));
    expect(await countRows("imports")).toBe(before);
  });

  it("downloads the contacts list as CSV for a signed-in browser, filtered, in the reader's language", async () => {
    const { owner } = await createTenant("Export page");
    const browser = signedIn(owner);
    await browser.get("/contacts/import");
    const posted = await postFile(browser, owner, "الاسم,الحالة\nهند,qualified\nليلى,new\n");
    const location = posted.headers.get("Location") ?? "";
    await browser.get(location);
    await browser.post(location, { "col-0": "name", "col-1": "status", duplicateAction: "skip" });
    await vi.waitFor(
      async () => {
        await browser.get(location);
        expect(browser.lastHtml).toContain('data-status="done"');
      },
      { timeout: 10_000, interval: 50 },
    );
    const res = await browser.get("/contacts/export.csv?status=qualified");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="contacts-/);
    const text = await res.text();
    expect(text.split("\r\n")[0]).toBe(
      "الاسم,الجوال,البريد,المصدر,الحالة,الوسوم,ملاحظات,معرّف المسؤول,تاريخ الإضافة (UTC)",
    );
    expect(text).toContain("هند");
    expect(text).not.toContain("ليلى");
    expect((await new TestBrowser().get("/contacts/export.csv")).status).toBe(303);
  });

  it("answers 404 for another tenant's import", async () => {
    const [{ owner }, { owner: stranger }] = await Promise.all([createTenant("A"), createTenant("B")]);
    const browser = signedIn(owner);
    await browser.get("/contacts/import");
    const posted = await postFile(browser, owner, "name\nA\n");
    const location = posted.headers.get("Location") ?? "";
    expect((await signedIn(stranger).get(location)).status).toBe(404);
  });

  it("lists past imports on the start page (empty state first), and maps a column to a custom field", async () => {
    const { tenantId, owner, agent } = await createTenant("Wizard history");
    const field = await callSettled("/api/v1/custom-fields", {
      method: "POST",
      headers: { ...owner.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        objectType: "contact",
        key: "budget",
        labelAr: "الميزانية",
        labelEn: "Budget",
        type: "money",
      }),
    });
    expect(field.status).toBe(201);
    const browser = signedIn(owner);
    await browser.get("/contacts/import");
    expect(browser.lastHtml).toContain('data-testid="import-history-empty"');
    expect(browser.lastHtml).toContain(escaped(ar.importHistory.empty));

    const posted = await postFile(browser, owner, "الاسم,الميزانية\nهند,2500\nليلى,غالي\n");
    const location = posted.headers.get("Location") ?? "";
    await browser.get(location);
    expect(browser.lastHtml).toMatch(/<option value="custom.budget" selected="">الميزانية/);
    await browser.post(location, { "col-0": "name", "col-1": "custom.budget", duplicateAction: "skip" });
    await vi.waitFor(
      async () => {
        await browser.get(location);
        expect(browser.lastHtml).toContain('data-status="done"');
      },
      { timeout: 10_000, interval: 50 },
    );
    // The bad amount is listed under its column's name, in Arabic.
    expect(browser.lastHtml).toContain(escaped(ar.importHistory.customErrorCodes.invalid_money));
    expect(browser.lastHtml).toMatch(/<span dir="auto">الميزانية<\/span>/);
    const [stored] = (
      await env.DB.prepare("SELECT custom FROM contacts WHERE tenant_id = ?").bind(tenantId).all()
    ).results as { custom: string }[];
    expect(JSON.parse(stored?.custom ?? "{}")).toEqual({ budget: 250000 });

    await browser.get("/contacts/import");
    expect(browser.lastHtml).not.toContain('data-testid="import-history-empty"');
    expect(browser.lastHtml).toContain(`href="${location}"`);
    expect(browser.lastHtml).toContain(escaped(ar.imports.statuses.done));
    // Gregorian with the Hijri date beside it (هـ).
    expect(browser.lastHtml).toMatch(/<time datetime="[^"]+">[^<]+\([^<]*هـ\)<\/time>/);

    // An agent sees only their own imports; a bad cursor shows the first page.
    const agentBrowser = signedIn(agent);
    const agentPage = await agentBrowser.get("/contacts/import?cursor=nonsense");
    expect(agentPage.status).toBe(200);
    expect(agentBrowser.lastHtml).toContain('data-testid="import-history-empty"');
  });
});
