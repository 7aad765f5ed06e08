import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { call, escaped } from "../../test/helpers";
import { formatMoney } from "../custom-fields/custom-field-values";
import { ar } from "../i18n/ar";

type Auth = Record<string, string>;

const signedIn = (actor: Actor) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken });

const api = (auth: Auth, method: string, path: string, body?: unknown) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function defineField(auth: Auth, body: Record<string, unknown>) {
  const res = await api(auth, "POST", "/custom-fields", { objectType: "deal", ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
}

/** A tenant with deal fields: district (select), budget (money), handover (date), unit number (text). */
async function tenantWithDealFields(options: { unitRequired?: boolean } = {}) {
  const tenant = await createTenant();
  const auth = tenant.manager.auth;
  await defineField(auth, {
    key: "district",
    labelAr: "الحي",
    labelEn: "District",
    type: "select",
    options: [
      { value: "narjis", labelAr: "النرجس", labelEn: "Al Narjis" },
      { value: "malqa", labelAr: "الملقا", labelEn: "Al Malqa" },
    ],
  });
  await defineField(auth, { key: "budget", labelAr: "الميزانية", labelEn: "Budget", type: "money" });
  await defineField(auth, { key: "handover", labelAr: "التسليم", labelEn: "Handover", type: "date" });
  const unit = await defineField(auth, {
    key: "unit_no",
    labelAr: "رقم الوحدة",
    labelEn: "Unit number",
    type: "text",
    required: options.unitRequired ?? false,
  });
  return { tenant, unitFieldId: unit.id };
}

const storedDeals = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, title, custom, version FROM deals WHERE tenant_id = ? ORDER BY created_at",
    )
      .bind(tenantId)
      .all<{ id: string; title: string; custom: string; version: number }>()
  ).results.map((row) => ({ ...row, custom: JSON.parse(row.custom) }));

/** The value attribute of the input named `name` in a page. */
const inputValue = (html: string, name: string) =>
  new RegExp(`<input[^>]*name="${name.replace(".", "\\.")}"[^>]*value="([^"]*)"`).exec(html)?.[1] ??
  new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name.replace(".", "\\.")}"`).exec(html)?.[1];

describe("custom fields on the deal page", () => {
  it("shows the deal's values formatted, with an archived field's value marked and not editable", async () => {
    const { tenant, unitFieldId } = await tenantWithDealFields();
    const created = await api(tenant.manager.auth, "POST", "/deals", {
      title: "فيلا النرجس",
      custom: { district: "narjis", budget: 1_500_000, handover: "2026-12-31", unit_no: "B-12" },
    });
    const deal = (await created.json()) as { id: string };
    await api(tenant.manager.auth, "POST", `/custom-fields/${unitFieldId}/archive`);

    const browser = signedIn(tenant.manager);
    const res = await browser.get(`/deals/${deal.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const shown = html.slice(html.indexOf('data-testid="custom-values"'), html.indexOf("</dl>"));
    expect(shown).toContain("الحي");
    expect(shown).toContain("النرجس");
    expect(shown).toContain(escaped(formatMoney(1_500_000, "ar")));
    expect(shown).toContain('datetime="2026-12-31"');
    expect(shown).toContain("B-12");
    expect(shown).toContain(escaped(ar.customFields.archived));
    // The edit form has an input for each active field, filled with the stored value.
    const form = html.slice(html.indexOf('data-testid="deal-edit-form"'));
    expect(form).toMatch(/<option value="narjis" selected/);
    expect(inputValue(form, "custom.budget")).toBe("15000");
    expect(inputValue(form, "custom.handover")).toBe("2026-12-31");
    expect(form).not.toContain('name="custom.unit_no"');
  });

  it("saves edited values, and on a bad value answers 422 with the field's error and the typed text, writing nothing", async () => {
    const { tenant } = await tenantWithDealFields({ unitRequired: true });
    const created = await api(tenant.manager.auth, "POST", "/deals", {
      title: "مكتب",
      custom: { district: "narjis", budget: 100_00, handover: "2026-06-01", unit_no: "A-1" },
    });
    const deal = (await created.json()) as { id: string };
    const browser = signedIn(tenant.manager);
    await browser.get(`/deals/${deal.id}`);
    const form = { title: "مكتب", amount: "0", version: "1" };

    const bad = await browser.post(`/deals/${deal.id}`, {
      ...form,
      "custom.district": "malqa",
      "custom.budget": "كثير",
      "custom.handover": "2026-06-01",
      "custom.unit_no": "",
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain(escaped(ar.deals.errors.form));
    expect(html).toContain(escaped(ar.customFields.errors.invalid_money));
    expect(html).toContain(escaped(ar.customFields.errors.required));
    // What was typed is shown again, not the stored values.
    expect(inputValue(html, "custom.budget")).toBe("كثير");
    expect(html).toMatch(/<option value="malqa" selected/);
    expect(html).toContain('aria-invalid="true"');
    expect((await storedDeals(tenant.tenantId))[0]).toMatchObject({
      custom: { district: "narjis", budget: 100_00, handover: "2026-06-01", unit_no: "A-1" },
      version: 1,
    });

    const saved = await browser.post(`/deals/${deal.id}`, {
      ...form,
      "custom.district": "malqa",
      "custom.budget": "٢٬٠٠٠٫٥",
      "custom.handover": "",
      "custom.unit_no": "A-2",
    });
    expect(saved.status).toBe(303);
    // The emptied date is removed; the others are stored typed (the amount in halalas).
    expect((await storedDeals(tenant.tenantId))[0]).toMatchObject({
      custom: { district: "malqa", budget: 200_050, unit_no: "A-2" },
      version: 2,
    });
    const page = await (await browser.follow(saved)).text();
    expect(page).toContain(escaped(formatMoney(200_050, "ar")));
  });
});

describe("custom fields on the new-deal form", () => {
  it("takes values on the board's form, refusing a missing required one without writing", async () => {
    const { tenant } = await tenantWithDealFields({ unitRequired: true });
    const browser = signedIn(tenant.manager);
    await browser.get("/deals");
    expect((await browser.post("/deals/start", {})).status).toBe(303);
    const board = await (await browser.get("/deals")).text();
    const form = board.slice(board.indexOf('data-testid="new-deal-form"'));
    expect(form).toContain('name="custom.district"');
    expect(form).toContain('name="custom.unit_no"');

    const refused = await browser.post("/deals", {
      title: "أرض",
      amount: "10",
      stageId: "",
      "custom.district": "narjis",
      "custom.unit_no": "",
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain(escaped(ar.customFields.errors.required));
    expect(html).toMatch(/<option value="narjis" selected/);
    expect(inputValue(html, "title")).toBe("أرض");
    expect(await storedDeals(tenant.tenantId)).toEqual([]);

    const created = await browser.post("/deals", {
      title: "أرض",
      amount: "10",
      stageId: "",
      "custom.district": "narjis",
      "custom.budget": "500",
      "custom.unit_no": "L-7",
    });
    expect(created.status).toBe(303);
    expect(await storedDeals(tenant.tenantId)).toMatchObject([
      { title: "أرض", custom: { district: "narjis", budget: 500_00, unit_no: "L-7" } },
    ]);
  });
});
