// The operator console in a real browser, on a phone: the seeded platform operator signs in with the
// password and the WhatsApp code (read from the dev outbox), sees the console, switches language
// and signs out; the console then sends the browser back to the sign-in page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  htmlLocale,
  launchBrowser,
  openSession,
  PHONE,
  screenshot,
  submitAndWait,
  switchLanguage,
} from "./support.mjs";

const OPERATOR_PHONE = "+966500000009";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/** The newest six-digit code the dev transport holds for the operator's phone. */
async function newestCode(context) {
  const outbox = await context.newPage();
  await outbox.goto("/dev/outbox");
  const message = outbox
    .locator(`[data-testid="outbox-message"][data-recipient="${OPERATOR_PHONE}"]`)
    .first();
  const code = /\b\d{6}\b/.exec((await message.locator(".message").textContent()) ?? "")?.[0];
  await outbox.close();
  assert.match(code ?? "", /^\d{6}$/, "the WhatsApp dev transport holds the operator's code");
  return code;
}

test("the operator signs in with a password and a WhatsApp code, uses the console, signs out", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page, context } = session;

  await page.goto("/admin");
  assert.equal(new URL(page.url()).pathname, "/admin/login", "the console needs an operator session");
  assert.deepEqual(await htmlLocale(page), { lang: "ar", dir: "rtl" });
  await assertFitsPhone(page, "operator sign-in");

  await page.fill("#email", "admin@dealix.test");
  await page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(page, 'form[action="/admin/login"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/admin/login/code");
  await page.getByTestId("operator-code-page").waitFor();

  await page.fill("#code", await newestCode(context));
  await submitAndWait(page, 'form[action^="/admin/login/code"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/admin");
  assert.equal(await page.getByTestId("operator-name").textContent(), "Dealix Operator");
  await page.getByTestId("operator-session-ends").waitFor();
  assert.equal(await page.getByTestId("operator-tools").locator("li").count(), 4);
  await assertFitsPhone(page, "operator console (Arabic)");
  await screenshot(page, "admin-console-ar-phone");

  assert.deepEqual(await switchLanguage(page), { lang: "en", dir: "ltr" });
  assert.equal(new URL(page.url()).pathname, "/admin");
  await page.getByText("Dead letters").waitFor();
  await assertFitsPhone(page, "operator console (English)");

  // The operator session opens no tenant page.
  await page.goto("/contacts");
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.goto("/admin");

  await submitAndWait(page, '[data-testid="operator-sign-out"]');
  assert.equal(new URL(page.url()).pathname, "/admin/login");
  await page.goto("/admin");
  assert.equal(new URL(page.url()).pathname, "/admin/login", "signed out: the console is closed");
  await session.assertClean();
  await session.close();
});
