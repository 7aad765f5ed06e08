// A person's privacy request in a real browser: a new tenant signs up and adds a contact; the
// person opens an access request on the tenant's public page (Arabic, on a phone), proves who they
// are with the code from the dev outbox, and downloads the copy of their data; staff see it done.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  DESKTOP,
  htmlLocale,
  launchBrowser,
  openSession,
  PHONE,
  screenshot,
  submitAndWait,
  switchLanguage,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const unique = Date.now().toString().slice(-7);
const owner = {
  company: "عيادات الخبر",
  name: "سارة الدوسري",
  email: `privacy-${unique}@example.sa`,
  password: "a long khobar passphrase",
};
const person = { name: `هيا العنزي ${unique}`, phone: `056${unique}` };
const personE164 = `+96656${unique}`;

/** The newest six-digit code the dev transport holds for `recipient` (written just after the response). */
async function codeFromOutbox(context, recipient) {
  const outbox = await context.newPage();
  let code;
  for (let attempt = 0; attempt < 20 && !code; attempt++) {
    await outbox.goto("/dev/outbox");
    const message = outbox.locator(`[data-testid="outbox-message"][data-recipient="${recipient}"]`).first();
    if ((await message.count()) > 0)
      code = /\b\d{6}\b/.exec((await message.locator(".message").textContent()) ?? "")?.[0];
    if (!code) await outbox.waitForTimeout(250);
  }
  await outbox.close();
  assert.match(code ?? "", /^\d{6}$/, "the dev outbox holds a six-digit code for the person");
  return code;
}

test("a person asks for their data on the public page, verifies with a code and downloads it", async () => {
  const staff = await openSession(browser, { viewport: DESKTOP });
  await staff.page.goto("/signup");
  await staff.page.fill("#company", owner.company);
  await staff.page.fill("#name", owner.name);
  await staff.page.fill("#email", owner.email);
  await staff.page.fill("#password", owner.password);
  await submitAndWait(staff.page, 'form[action="/signup"] button[type="submit"]');
  assert.equal(new URL(staff.page.url()).pathname, "/account");

  await staff.page.goto("/contacts");
  const form = staff.page.getByTestId("new-contact-form");
  if (!(await form.isVisible())) await staff.page.locator("details.card > summary").first().click();
  await form.locator("#name").fill(person.name);
  await form.locator("#phone").fill(person.phone);
  await submitAndWait(staff.page, '[data-testid="new-contact-form"] button[type="submit"]');
  assert.match(new URL(staff.page.url()).pathname, /^\/contacts\/con_[0-9a-z]{20}$/);

  await staff.page.goto("/privacy/requests");
  assert.equal(await staff.page.getByTestId("privacy-requests-empty").count(), 1);
  const publicPath = await staff.page.getByTestId("public-link").getAttribute("href");
  assert.match(publicPath ?? "", /^\/privacy\/ten_[0-9a-z]{20}\/request$/);

  const visitor = await openSession(browser, { viewport: PHONE, phone: true });
  const { page, context } = visitor;
  await page.goto(publicPath);
  assert.deepEqual(await htmlLocale(page), { lang: "ar", dir: "rtl" });
  await assertFitsPhone(page, "public privacy request page");
  await screenshot(page, "privacy-request-ar-360");
  await page.getByTestId("type-access").check();
  await page.fill("#name", "هيا");
  await page.fill("#phone", person.phone);
  await submitAndWait(page, '[data-testid="submit-request"]');
  assert.match(new URL(page.url()).pathname, /\/request\/dsr_[0-9a-z]{20}\/verify$/);
  await screenshot(page, "privacy-verify-ar-360");

  await page.fill("#code", await codeFromOutbox(context, personE164));
  await submitAndWait(page, '[data-testid="verify-code"]');
  assert.match(new URL(page.url()).pathname, /\/verified$/);
  await assertFitsPhone(page, "verified page");
  await screenshot(page, "privacy-verified-ar-360");

  const downloading = page.waitForEvent("download");
  await page.getByTestId("download-copy").click();
  const download = await downloading;
  const copy = JSON.parse(await readFile(await download.path(), "utf8"));
  assert.equal(copy.person.name, person.name);
  assert.deepEqual(copy.person.phones, [personE164]);

  await page.getByTestId("print-copy").click();
  await page.waitForLoadState();
  assert.equal((await page.getByTestId("copy-name").textContent())?.trim(), person.name);
  await screenshot(page, "privacy-copy-ar-360");
  await visitor.assertClean();
  await visitor.close();

  await staff.page.goto("/privacy/requests");
  const row = staff.page.getByTestId("privacy-request").first();
  assert.equal((await row.getByTestId("state").textContent())?.trim(), "مكتمل");
  await switchLanguage(staff.page);
  await screenshot(staff.page, "privacy-requests-en-desktop");
  await staff.page.getByTestId("privacy-request").first().locator("a").first().click();
  await staff.page.waitForLoadState();
  assert.equal(await staff.page.getByTestId("history").locator("li").count(), 3);
  await screenshot(staff.page, "privacy-request-detail-en-desktop");
  await staff.page.goBack();
  assert.equal(
    (await staff.page.getByTestId("privacy-request").first().getByTestId("state").textContent())?.trim(),
    "Done",
  );
  await staff.assertClean();
  await staff.close();
});
