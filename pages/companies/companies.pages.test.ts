import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createMember, createTenant } from "../../test/fixtures";
import { call, callCountingD1, escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

async function onCompaniesPage(actor: Actor, extra: Record<string, string> = {}) {
  const browser = signedIn(actor, extra);
  expect((await browser.get("/companies")).status).toBe(200);
  return browser;
}

const api = async (actor: Actor, path: string, body: unknown) => {
  const res = await call(`/api/v1${path}`, {
    method: "POST",
    headers: { ...actor.auth, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
};

const companiesOf = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, name, vat_number, cr_number, website, national_address, custom, version FROM companies WHERE tenant_id = ? ORDER BY created_at",
    )
      .bind(tenantId)
      .all<{
        id: string;
        name: string;
        vat_number: string | null;
        cr_number: string | null;
        website: string | null;
        national_address: string | null;
        custom: string;
        version: number;
      }>()
  ).results;

describe("companies pages", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const res = await new TestBrowser().get("/companies");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Fcompanies");
  });

  it("shows a new tenant an empty state that says what to do, in Arabic and in English, linked from the menu", async () => {
    const { agent } = await createTenant();
    const arabic = await (await signedIn(agent).get("/companies")).text();
    expect(arabic).toContain('data-testid="companies-empty"');
    expect(arabic).toContain(escaped(ar.companies.emptyHint));
    expect(arabic).toContain('<a href="/companies">');
    const english = await (await signedIn(agent, { lang: "en" }).get("/companies")).text();
    expect(english).toContain(escaped(en.companies.emptyHint));
  });

  it("adds a company with its details and custom values, opens its page and finds it by VAT number", async () => {
    const { tenantId, manager, agent } = await createTenant();
    await api(manager, "/custom-fields", {
      objectType: "company",
      key: "sector",
      labelAr: "القطاع",
      labelEn: "Sector",
      type: "select",
      options: [{ value: "realty", labelAr: "عقار", labelEn: "Real estate" }],
    });
    const browser = await onCompaniesPage(agent);
    const res = await browser.post("/companies", {
      name: "شركة النخيل",
      vatNumber: "٣١٠١٢٣٤٥٦٧٠٠٠٠٣",
      crNumber: "1010123456",
      website: "nakheel.sa",
      city: "الرياض",
      postalCode: "12345",
      "custom.sector": "realty",
    });
    expect(res.status).toBe(303);
    const [stored] = await companiesOf(tenantId);
    expect(stored).toMatchObject({
      name: "شركة النخيل",
      vat_number: "310123456700003",
      cr_number: "1010123456",
      website: "https://nakheel.sa",
    });
    expect(JSON.parse(stored?.national_address ?? "null")).toEqual({ city: "الرياض", postalCode: "12345" });
    expect(JSON.parse(stored?.custom ?? "null")).toEqual({ sector: "realty" });
    const page = await (await browser.follow(res)).text();
    expect(page).toContain(escaped(ar.companies.created_));
    expect(page).toContain('href="https://nakheel.sa"');
    expect(page).toContain("310123456700003");
    expect(page).toContain("عقار");
    const list = await (await browser.get("/companies?q=310123456700003")).text();
    expect(list).toContain(`data-company-id="${stored?.id}"`);
    const none = await (await browser.get("/companies?q=Nothing")).text();
    expect(none).toContain(escaped(ar.companies.noMatches));
  });

  it("shows the form again with the error in the reader's language and writes nothing for a bad VAT number", async () => {
    const { tenantId, agent } = await createTenant();
    const browser = await onCompaniesPage(agent);
    const res = await browser.post("/companies", { name: "Bad VAT", vatNumber: "123456789012345" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(escaped(ar.companies.errors.vat));
    expect(html).toContain('value="Bad VAT"');
    const english = await onCompaniesPage(agent, { lang: "en" });
    const refused = await english.post("/companies", { name: "Bad VAT", vatNumber: "3101", postalCode: "1" });
    expect(refused.status).toBe(422);
    const text = await refused.text();
    expect(text).toContain(escaped(en.companies.errors.vat));
    expect(text).toContain(escaped(en.companies.errors.fiveDigits));
    expect(await companiesOf(tenantId)).toEqual([]);
  });

  it("keeps a refused custom value in its input with the field's error, and stores nothing", async () => {
    const { tenantId, manager } = await createTenant();
    await api(manager, "/custom-fields", {
      objectType: "company",
      key: "employees",
      labelAr: "الموظفون",
      labelEn: "Employees",
      type: "number",
      required: true,
    });
    const browser = await onCompaniesPage(manager);
    const res = await browser.post("/companies", { name: "Counted", "custom.employees": "many" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(escaped(ar.customFields.errors.invalid_number));
    expect(html).toContain('value="many"');
    expect(await companiesOf(tenantId)).toEqual([]);
    expect((await browser.post("/companies", { name: "Counted", "custom.employees": "٢٥" })).status).toBe(
      303,
    );
    expect(JSON.parse((await companiesOf(tenantId))[0]?.custom ?? "null")).toEqual({ employees: 25 });
  });

  it("saves an edit, and refuses a stale one with the latest values shown", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = await onCompaniesPage(manager);
    await browser.post("/companies", { name: "Editable", vatNumber: "310000000000003" });
    const [company] = await companiesOf(tenantId);
    const id = company?.id as string;
    await browser.get(`/companies/${id}`);
    const fields = { name: "Edited", vatNumber: "", crNumber: "7001234567", version: "1" };
    const saved = await browser.post(`/companies/${id}`, fields);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain(escaped(ar.companies.saved));
    const stale = await browser.post(`/companies/${id}`, { ...fields, name: "Late edit" });
    expect(stale.status).toBe(412);
    const html = await stale.text();
    expect(html).toContain(escaped(ar.companies.stale));
    expect(html).toContain('value="Edited"');
    expect((await companiesOf(tenantId))[0]).toMatchObject({
      name: "Edited",
      vat_number: null,
      cr_number: "7001234567",
      version: 2,
    });
  });

  it("answers 404 for another tenant's company and for a malformed id", async () => {
    const home = await createTenant();
    const other = await createTenant();
    const foreign = await api(other.owner, "/companies", { name: "Foreign" });
    const browser = signedIn(home.owner);
    expect((await browser.get(`/companies/${foreign}`)).status).toBe(404);
    expect((await browser.get("/companies/not-an-id")).status).toBe(404);
    await browser.get("/companies");
    const edit = await browser.post(`/companies/${foreign}`, { name: "Taken over", version: "1" });
    expect(edit.status).toBe(404);
    expect((await companiesOf(other.tenantId))[0]).toMatchObject({ name: "Foreign", version: 1 });
  });

  it("shows agents only their own companies, and only the contacts and deals they may see", async () => {
    const { tenantId, manager, agent } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    const mine = await api(agent, "/companies", { name: "Agent's company" });
    const theirs = await api(colleague, "/companies", { name: "Colleague's company" });
    await api(agent, "/contacts", { name: "My contact", source: "walk_in", companyId: mine });
    await api(manager, "/contacts", {
      name: "Hidden contact",
      source: "walk_in",
      companyId: mine,
      ownerId: manager.userId,
    });
    await api(agent, "/deals", { title: "My deal", amountHalalas: 150_000, companyId: mine });
    await api(manager, "/deals", { title: "Hidden deal", companyId: mine, ownerId: manager.userId });

    const browser = await onCompaniesPage(agent);
    const list = await (await browser.get("/companies")).text();
    expect(list).toContain(`data-company-id="${mine}"`);
    expect(list).not.toContain(`data-company-id="${theirs}"`);
    expect((await browser.get(`/companies/${theirs}`)).status).toBe(404);
    const page = await (await browser.get(`/companies/${mine}`)).text();
    expect(page).toContain("My contact");
    expect(page).toContain("My deal");
    expect(page).not.toContain("Hidden contact");
    expect(page).not.toContain("Hidden deal");

    // A manager sees both on the same page, read in one D1 round trip (with the session check).
    const { res, d1RoundTrips } = await callCountingD1(`/companies/${mine}`, {
      headers: { Cookie: `__Host-dlx_at=${manager.accessToken}` },
    });
    expect(res.status).toBe(200);
    const managerPage = await res.text();
    expect(managerPage).toContain("Hidden contact");
    expect(managerPage).toContain("Hidden deal");
    expect(d1RoundTrips).toBe(1);
    const listed = await callCountingD1("/companies?q=Agent", {
      headers: { Cookie: `__Host-dlx_at=${manager.accessToken}` },
    });
    expect(listed.res.status).toBe(200);
    expect(await listed.res.text()).toContain(`data-company-id="${mine}"`);
    expect(listed.d1RoundTrips).toBe(1);
  });
});
