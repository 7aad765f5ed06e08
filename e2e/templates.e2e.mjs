// Templates and sample data in a real browser, on a phone: apply the clinic template, load the
// sample data and remove it again, in Arabic, with the page fitting 360 px.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openSession, PHONE, queryDb, screenshot, submitAndWait } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("a manager applies a template and loads then removes sample data on a 360 px phone", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await page.goto("/login");
  await page.fill("#email", "manager@riyadh-realty.test");
  await page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');

  await page.goto("/settings/templates");
  await page.getByTestId("templates-page").waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page fits a 360 px phone (scrollWidth ${width})`);
  await screenshot(page, "templates-ar-360");

  await submitAndWait(page, 'form[action="/settings/templates/clinic/apply"] button[type="submit"]');
  await page.getByTestId("template-result").waitFor();
  await screenshot(page, "templates-applied-ar-360");
  const [booking] = await queryDb("SELECT count(*) AS n FROM pipelines WHERE template = 'clinic'");
  assert.equal(booking.n, 1);

  await submitAndWait(page, 'form[action="/settings/templates/sample-data"] button[type="submit"]');
  const [loaded] = await queryDb("SELECT count(*) AS n FROM contacts WHERE sample = 1");
  assert.equal(loaded.n, 16);
  await page.goto("/contacts");
  assert.ok(await page.getByText("محمد بن سعد العتيبي").first().isVisible());
  await page.goto("/settings/templates");
  await submitAndWait(page, 'form[action="/settings/templates/sample-data/remove"] button[type="submit"]');
  const [removed] = await queryDb("SELECT count(*) AS n FROM contacts WHERE sample = 1");
  assert.equal(removed.n, 0);
  await screenshot(page, "templates-sample-removed-ar-360");
  await session.assertClean();
  await session.close();
});
