// Companies in a real browser: add a company with an Arabic-digit VAT number on a 360 px phone,
// open its page (VAT, website link), find it by VAT number; screenshots in Arabic and English.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  launchBrowser,
  openSession,
  PHONE,
  screenshot,
  signInAsDemoOwner,
  submitAndWait,
  switchLanguage,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const unique = Date.now().toString().slice(-7);
const vatNumber = `3000000${unique}3`;
const toArabicDigits = (digits) => digits.replace(/\d/g, (d) => "٠١٢٣٤٥٦٧٨٩"[Number(d)]);

test("add a company on a phone, open it and find it by VAT number, in Arabic and English", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await signInAsDemoOwner(page, "/companies");
  await page.getByTestId("companies-page").waitFor();
  await assertFitsPhone(page, "companies list");
  await screenshot(page, "companies-ar-360");

  const form = page.getByTestId("new-company-form");
  if (!(await form.isVisible())) await page.locator("details.card > summary").first().click();
  // A bad VAT number first: the form comes back with the Arabic error and nothing is added.
  await form.locator("#name").fill(`شركة الواحة ${unique}`);
  await form.locator("#vatNumber").fill("123");
  await submitAndWait(page, '[data-testid="new-company-form"] button[type="submit"]');
  assert.match((await page.locator("#vatNumber-error").textContent()) ?? "", /١٥ رقمًا/);
  await assertFitsPhone(page, "companies list with errors");
  await screenshot(page, "companies-error-ar-360");

  const retry = page.getByTestId("new-company-form");
  await retry.locator("#vatNumber").fill(toArabicDigits(vatNumber));
  await retry.locator("#website").fill("alwaha.example.sa");
  await retry.locator("#city").fill("جدة");
  await submitAndWait(page, '[data-testid="new-company-form"] button[type="submit"]');
  assert.match(new URL(page.url()).pathname, /^\/companies\/com_[0-9a-z]{20}$/);
  assert.equal((await page.getByTestId("company-name").textContent())?.trim(), `شركة الواحة ${unique}`);
  assert.match((await page.getByTestId("company-vat").textContent()) ?? "", new RegExp(vatNumber));
  assert.equal(
    await page.getByTestId("company-website").locator("a").getAttribute("href"),
    "https://alwaha.example.sa",
  );
  await assertFitsPhone(page, "company page");
  await screenshot(page, "company-ar-360");

  await switchLanguage(page);
  await page.getByTestId("company-page").waitFor();
  await assertFitsPhone(page, "company page in English");
  await screenshot(page, "company-en-360");

  await page.goto(`/companies?q=${vatNumber}`);
  assert.equal(await page.getByTestId("company-row").count(), 1);
  await assertFitsPhone(page, "companies list in English");
  await screenshot(page, "companies-en-360");
  // The refused form is answered 422 on purpose.
  await session.assertClean({ expectedErrorDocuments: ["/companies"] });
  await session.close();
});
