// Contacts in a real browser: add a lead with harakat in its name, find it by another spelling,
// open its page; screenshots in Arabic and English on a 360 px phone and on a desktop.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  DESKTOP,
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

test("add a contact on a phone and find it by an Arabic spelling variant", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await signInAsDemoOwner(page, "/contacts");
  await assertFitsPhone(page, "contacts list");
  await screenshot(page, "contacts-ar-360");

  const form = page.getByTestId("new-contact-form");
  if (!(await form.isVisible())) await page.locator("details.card > summary").first().click();
  await form.locator("#name").fill(`مُحَمَّد الشَّهري ${unique}`);
  await form.locator("#phone").fill(`٠٥٥ ${unique.slice(0, 3)} ${unique.slice(3)}`);
  await form.locator("#tags").fill("فيلا، مميز");
  await submitAndWait(page, '[data-testid="new-contact-form"] button[type="submit"]');
  assert.match(new URL(page.url()).pathname, /^\/contacts\/con_[0-9a-z]{20}$/);
  assert.equal((await page.getByTestId("contact-name").textContent())?.trim(), `مُحَمَّد الشَّهري ${unique}`);
  const whatsapp = await page
    .getByTestId("contact-actions")
    .locator('a[href^="https://wa.me/"]')
    .getAttribute("href");
  assert.equal(whatsapp, `https://wa.me/96655${unique}`);
  await assertFitsPhone(page, "contact page");
  await screenshot(page, "contact-ar-360");

  // The same person spelled without harakat and with a plain alef-less form finds the lead.
  await page.goto(`/contacts?q=${encodeURIComponent(`محمد الشهري ${unique}`)}`);
  assert.equal(await page.getByTestId("contact-row").count(), 1);
  await session.assertClean();
  await session.close();
});

test("contacts pages in English on a desktop", async () => {
  const session = await openSession(browser, { viewport: DESKTOP });
  const { page } = session;
  await signInAsDemoOwner(page, "/contacts");
  await switchLanguage(page);
  await screenshot(page, "contacts-en-desktop");
  await page.getByTestId("contact-row").first().locator("a").click();
  await page.getByTestId("contact-page").waitFor();
  await screenshot(page, "contact-en-desktop");
  await page.goto("/settings/crm");
  await page.getByTestId("crm-settings-page").waitFor();
  await screenshot(page, "crm-settings-en-desktop");
  await session.assertClean();
  await session.close();
});
