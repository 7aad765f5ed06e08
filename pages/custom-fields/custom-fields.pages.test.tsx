import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import { checkCustomValues } from "../../src/custom-fields/custom-values";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";
import { CustomFieldInputs, customValuesFromForm } from "./custom-field-inputs";
import { CustomFieldValues, formatMoney } from "./custom-field-values";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

const PAGE = "/settings/custom-fields";

const fieldRows = (tenantId: string) =>
  env.DB.prepare("SELECT * FROM custom_field_definitions WHERE tenant_id = ? ORDER BY position")
    .bind(tenantId)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

const ADD_SELECT = {
  objectType: "deal",
  labelAr: "الحي",
  labelEn: "District",
  key: "district",
  type: "select",
  option_value: "",
  option_ar: "العليا",
  option_en: "Al Olaya",
};

describe("the custom fields settings page", () => {
  it("is for managers: an agent gets the 403 page and cannot add a field", async () => {
    const { tenantId, agent } = await createTenant();
    const browser = signedIn(agent);
    expect((await browser.get(PAGE)).status).toBe(403);
    expect(browser.lastHtml).toContain('data-testid="error-page"');
    await browser.get("/account");
    expect((await browser.post(PAGE, ADD_SELECT)).status).toBe(403);
    expect(await fieldRows(tenantId)).toHaveLength(0);
  });

  it("refuses a manager demoted to agent whose page cookie still says manager, and adds nothing", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = signedIn(manager);
    expect((await browser.get(PAGE)).status).toBe(200);
    await env.DB.prepare("UPDATE memberships SET role = 'agent' WHERE tenant_id = ? AND user_id = ?")
      .bind(tenantId, manager.userId)
      .run();
    expect((await browser.post(PAGE, ADD_SELECT)).status).toBe(403);
    expect(await fieldRows(tenantId)).toHaveLength(0);
  });

  it("shows a new tenant the empty state in Arabic, per object", async () => {
    const { manager } = await createTenant();
    const browser = signedIn(manager);
    expect((await browser.get(`${PAGE}?object=company`)).status).toBe(200);
    expect(browser.lastHtml).toContain('<html lang="ar" dir="rtl">');
    expect(browser.lastHtml).toContain('data-testid="custom-fields-empty"');
    expect(browser.lastHtml).toContain(escaped(ar.customFields.empty));
    expect(browser.lastHtml).toContain('name="objectType" value="company"');
  });

  it("adds a field (an option's value made from its English name), then edits, archives and restores it", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = signedIn(manager, { lang: "en" });
    await browser.get(PAGE);
    const added = await browser.post(PAGE, ADD_SELECT);
    expect(added.status).toBe(303);
    expect(added.headers.get("Location")).toBe(`${PAGE}?object=deal&saved=1`);
    const [row] = await fieldRows(tenantId);
    expect(row).toMatchObject({ object_type: "deal", key: "district", type: "select", label_ar: "الحي" });
    expect(JSON.parse(String(row?.options))).toEqual([
      { value: "al_olaya", labelAr: "العليا", labelEn: "Al Olaya" },
    ]);
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'custom_field.created'",
    )
      .bind(tenantId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);

    await browser.get(`${PAGE}?object=deal&saved=1`);
    expect(browser.lastHtml).toContain('data-key="district"');
    expect(browser.lastHtml).toContain(en.customFields.saved);

    const id = String(row?.id);
    const edited = await browser.post(`${PAGE}/${id}`, {
      labelAr: "الحي السكني",
      labelEn: "Neighbourhood",
      position: "٣",
      required: "yes",
      option_value: "al_olaya",
      option_ar: "العليا",
      option_en: "Olaya",
    });
    expect(edited.status).toBe(303);
    expect((await fieldRows(tenantId))[0]).toMatchObject({
      label_en: "Neighbourhood",
      position: 3,
      required: 1,
    });

    expect((await browser.post(`${PAGE}/${id}/archive`, {})).status).toBe(303);
    expect((await fieldRows(tenantId))[0]?.archived_at).not.toBeNull();
    await browser.get(`${PAGE}?object=deal`);
    expect(browser.lastHtml).toContain(en.customFields.archivedHint);
    expect((await browser.post(`${PAGE}/${id}/restore`, {})).status).toBe(303);
    expect((await fieldRows(tenantId))[0]?.archived_at).toBeNull();
  });

  it("shows what is wrong and stores nothing: a bad key (422), a key taken (409), a select without options", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = signedIn(manager);
    await browser.get(PAGE);
    const bad = await browser.post(PAGE, { ...ADD_SELECT, key: "My Field" });
    expect(bad.status).toBe(422);
    expect(browser.lastHtml).toContain(escaped(ar.customFields.errors.form));
    expect(browser.lastHtml).toContain('value="My Field"');
    const noOptions = await browser.post(PAGE, { ...ADD_SELECT, option_ar: "", option_en: "" });
    expect(noOptions.status).toBe(422);
    expect(await fieldRows(tenantId)).toHaveLength(0);

    expect((await browser.post(PAGE, ADD_SELECT)).status).toBe(303);
    await browser.get(PAGE);
    const taken = await browser.post(PAGE, { ...ADD_SELECT, labelEn: "Again" });
    expect(taken.status).toBe(409);
    expect(browser.lastHtml).toContain(escaped(ar.customFields.errors.keyTaken));
    expect(await fieldRows(tenantId)).toHaveLength(1);
  });

  it("answers 404 for another tenant's field and leaves it alone", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const browser = signedIn(a.manager);
    await browser.get(PAGE);
    expect((await browser.post(PAGE, ADD_SELECT)).status).toBe(303);
    const id = String((await fieldRows(a.tenantId))[0]?.id);
    const stranger = signedIn(b.owner);
    await stranger.get(PAGE);
    expect((await stranger.post(`${PAGE}/${id}/archive`, {})).status).toBe(404);
    expect((await stranger.post(`${PAGE}/${id}`, { labelAr: "x", labelEn: "x", position: "0" })).status).toBe(
      404,
    );
    expect((await fieldRows(a.tenantId))[0]).toMatchObject({ label_en: "District", archived_at: null });
  });
});

const definition = (
  key: string,
  type: CustomFieldDefinitionRow["type"],
  extra: Partial<CustomFieldDefinitionRow> = {},
): CustomFieldDefinitionRow => ({
  id: `cfd_${key.padEnd(20, "0").slice(0, 20)}`,
  tenantId: "ten_x",
  objectType: "contact",
  key,
  labelAr: `ح ${key}`,
  labelEn: `F ${key}`,
  type,
  options:
    type === "select" || type === "multi_select"
      ? [
          { value: "olaya", labelAr: "العليا", labelEn: "Olaya" },
          { value: "malqa", labelAr: "الملقا", labelEn: "Malqa" },
        ]
      : null,
  required: false,
  format: null,
  position: 0,
  template: null,
  archivedAt: null,
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});

const DEFINITIONS = [
  definition("notes_extra", "text"),
  definition("bedrooms", "number"),
  definition("budget", "money", { required: true }),
  definition("move_in", "date"),
  definition("district", "select"),
  definition("services", "multi_select"),
  definition("office", "phone"),
  definition("listing", "url"),
  definition("old_score", "number", { archivedAt: 1 }),
];

describe("record form helpers", () => {
  it("renders one input per active field, with labels, values and errors", async () => {
    const html = String(
      await (
        <form>
          <CustomFieldInputs
            t={ar}
            locale="ar"
            definitions={DEFINITIONS}
            values={{ budget: 150050, district: "malqa", services: ["olaya"], old_score: 4 }}
            errors={[{ path: "custom.office", code: "invalid_phone", message: "x" }]}
          />
        </form>
      ),
    );
    expect(html).toContain('name="custom.notes_extra"');
    expect(html).toContain('type="date"');
    expect(html).toContain('type="tel"');
    expect(html).toContain('type="url"');
    expect(html).toMatch(/name="custom.budget"[^>]*value="1500.50"|value="1500.50"[^>]*name="custom.budget"/);
    expect(html).toContain(ar.customFields.sar);
    expect(html).toMatch(/<option value="malqa" selected/);
    expect(html).toMatch(/value="olaya" checked/);
    expect(html).toContain("ح budget");
    expect(html).toContain(escaped(ar.customFields.errors.invalid_phone));
    expect(html).toContain('aria-invalid="true"');
    // Archived fields are not writable, so they have no input.
    expect(html).not.toContain("custom.old_score");
  });

  it("turns a posted form into values the check accepts (or reports)", () => {
    const form = {
      "custom.notes_extra": " hello ",
      "custom.bedrooms": "٣",
      "custom.budget": "1,500.5",
      "custom.move_in": "2026-12-01",
      "custom.district": "olaya",
      "custom.services": ["olaya", "malqa"],
      "custom.office": "0112345678",
      "custom.listing": "",
      "custom.old_score": "9",
    };
    const input = customValuesFromForm(DEFINITIONS, form);
    expect(input).not.toHaveProperty("old_score");
    expect(checkCustomValues(DEFINITIONS, input, { partial: false })).toEqual({
      values: {
        notes_extra: "hello",
        bedrooms: 3,
        budget: 150050,
        move_in: "2026-12-01",
        district: "olaya",
        services: ["olaya", "malqa"],
        office: "+966112345678",
      },
      errors: [],
    });
    const missing = customValuesFromForm(DEFINITIONS, { "custom.budget": "lots" });
    expect(checkCustomValues(DEFINITIONS, missing, { partial: false }).errors).toEqual([
      expect.objectContaining({ path: "custom.budget", code: "invalid_money" }),
    ]);
    expect(
      checkCustomValues(DEFINITIONS, customValuesFromForm(DEFINITIONS, {}), { partial: true }).errors,
    ).toEqual([expect.objectContaining({ path: "custom.budget", code: "required" })]);
  });

  it("shows stored values per locale: SAR amounts, Hijri beside Gregorian, option labels", async () => {
    expect(formatMoney(150050, "ar")).toBe("١٬٥٠٠٫٥٠ ر.س");
    expect(formatMoney(150050, "en")).toBe("SAR 1,500.50");
    const values = {
      budget: 150050,
      move_in: "2026-12-01",
      district: "gone",
      services: ["olaya", "malqa"],
      listing: "https://example.sa/x",
      old_score: 4,
    };
    const arabic = String(
      await (<CustomFieldValues t={ar} locale="ar" definitions={DEFINITIONS} values={values} />),
    );
    expect(arabic).toContain("١٬٥٠٠٫٥٠ ر.س");
    expect(arabic).toContain('datetime="2026-12-01"');
    expect(arabic).toMatch(/هـ/);
    expect(arabic).toContain("العليا، الملقا");
    expect(arabic).toContain(">gone<");
    expect(arabic).toContain(`(${ar.customFields.archived})`);
    const english = String(
      await (<CustomFieldValues t={en} locale="en" definitions={DEFINITIONS} values={values} />),
    );
    expect(english).toContain("SAR 1,500.50");
    expect(english).toContain("December 1, 2026");
    expect(english).toMatch(/AH/);
    expect(english).toContain('rel="noopener noreferrer nofollow"');
    expect(
      String(await (<CustomFieldValues t={en} locale="en" definitions={DEFINITIONS} values={{}} />)),
    ).toBe("");
  });
});
