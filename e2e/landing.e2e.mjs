// The landing page: Arabic and right-to-left by default, English through the header switch.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gotoInLocale, htmlLocale, launchBrowser, openSession, switchLanguage } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("the landing page is Arabic (rtl) by default; the switch goes to English (ltr) and back", async () => {
  const session = await openSession(browser);
  const { page } = session;
  const response = await page.goto("/");
  assert.equal(response.status(), 200);
  assert.deepEqual(await htmlLocale(page), { lang: "ar", dir: "rtl" });
  await assert.doesNotReject(page.getByTestId("early-access-form").waitFor());
  const toEnglish = page.getByTestId("lang-switch");
  assert.equal(await toEnglish.getAttribute("lang"), "en", "the switch offers English, labelled in English");

  assert.deepEqual(await switchLanguage(page), { lang: "en", dir: "ltr" });
  assert.equal(new URL(page.url()).pathname, "/");
  assert.equal(await page.getByTestId("lang-switch").getAttribute("lang"), "ar");

  assert.deepEqual(await switchLanguage(page), { lang: "ar", dir: "rtl" });
  assert.equal(new URL(page.url()).pathname, "/");
  await session.assertClean();
  await session.close();
});

test("the chosen language sticks for later pages", async () => {
  const session = await openSession(browser);
  const { page } = session;
  await gotoInLocale(page, "/", "en");
  await page.goto("/docs");
  assert.deepEqual(await htmlLocale(page), { lang: "en", dir: "ltr" });
  await session.assertClean();
  await session.close();
});

test("switching language keeps you on the page you were on", async () => {
  const session = await openSession(browser);
  const { page } = session;
  await page.goto("/no-such-page");
  assert.deepEqual(await switchLanguage(page), { lang: "en", dir: "ltr" });
  assert.equal(new URL(page.url()).pathname, "/no-such-page");
  await page.getByTestId("not-found").waitFor();
  await session.assertClean({ expectedErrorDocuments: ["/no-such-page"] });
  await session.close();
});

for (const locale of ["ar", "en"]) {
  test(`landing page (${locale}): no console errors, styles from our own origin, no request off this machine`, async () => {
    const session = await openSession(browser);
    const { page, requests } = session;
    await gotoInLocale(page, "/", locale);
    await page.waitForLoadState("networkidle");
    assert.ok(
      requests.some((url) => new URL(url).pathname === "/assets/app.css"),
      "the stylesheet was requested",
    );
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, "rgba(0, 0, 0, 0)", "app.css applied (body has a background colour)");
    await session.assertClean();
    await session.close();
  });
}
