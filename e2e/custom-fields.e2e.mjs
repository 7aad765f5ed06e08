// Custom fields settings in a real browser, on a phone: the empty state, adding a choice field
// with Arabic and English options, and the list in both languages.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DESKTOP,
  launchBrowser,
  openSession,
  PHONE,
  queryDb,
  screenshot,
  submitAndWait,
  switchLanguage,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("a manager adds a custom field on a 360 px phone, in Arabic, and reads it in English", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await page.goto("/login");
  await page.fill("#email", "manager@riyadh-realty.test");
  await page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');

  const key = `district_${Date.now().toString(36)}`;
  await page.goto("/settings/custom-fields?object=company");
  await page.getByTestId("custom-fields-empty").waitFor();
  await screenshot(page, "custom-fields-empty-ar-360");

  await page.goto("/settings/custom-fields?object=contact");
  const form = page.getByTestId("add-custom-field");
  await form.locator("#labelAr").fill("الحي");
  await form.locator("#labelEn").fill("District");
  await form.locator("#key").fill(key);
  await form.locator("#custom-field-type").selectOption("multi_select");
  await form.locator("#add-oa-0").fill("العليا");
  await form.locator("#add-oe-0").fill("Olaya");
  await form.locator("#add-oa-1").fill("حي الملقا");
  await form.locator("#add-oe-1").fill("Al Malqa");
  await submitAndWait(page, '[data-testid="add-custom-field"] button[type="submit"]');
  assert.match(page.url(), /object=contact&saved=1/);
  await page.locator(`[data-key="${key}"]`).waitFor();

  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page fits a 360 px phone (scrollWidth ${width})`);
  await screenshot(page, "custom-fields-ar-360");

  const [row] = await queryDb(`SELECT type, options FROM custom_field_definitions WHERE key = '${key}'`);
  assert.equal(row.type, "multi_select");
  assert.deepEqual(
    JSON.parse(row.options).map((o) => o.value),
    ["olaya", "al_malqa"],
  );

  await switchLanguage(page);
  assert.ok(await page.getByText("Al Malqa").first().isVisible());
  await screenshot(page, "custom-fields-en-360");
  await session.assertClean();
  await session.close();

  const desktop = await openSession(browser, { viewport: DESKTOP });
  await desktop.page.goto("/login");
  await desktop.page.fill("#email", "manager@riyadh-realty.test");
  await desktop.page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(desktop.page, 'form[action="/login"] button[type="submit"]');
  await desktop.page.goto("/settings/custom-fields?object=contact");
  await screenshot(desktop.page, "custom-fields-ar-desktop");
  await desktop.assertClean();
  await desktop.close();
});
