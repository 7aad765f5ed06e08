// Layout on a 360 px phone (no sideways scrolling) and full-page screenshots for people to look at
// (e2e/artifacts/*.png).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DESKTOP, gotoInLocale, launchBrowser, openSession, PHONE, screenshot } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const horizontalOverflow = (page) =>
  page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));

async function assertFitsPhone(page, what) {
  const { scrollWidth } = await horizontalOverflow(page);
  assert.ok(
    scrollWidth <= PHONE.width,
    `${what}: ${scrollWidth} px wide, scrolls sideways on a 360 px phone`,
  );
}

for (const locale of ["ar", "en"]) {
  test(`the pages fit a 360 px wide phone without sideways scrolling (${locale})`, async () => {
    const session = await openSession(browser, { viewport: PHONE, phone: true });
    const { page } = session;
    await gotoInLocale(page, "/", locale);
    await assertFitsPhone(page, "landing page");
    await screenshot(page, `landing-${locale}-360`);

    await page.getByTestId("early-access-form").locator('button[type="submit"]').click();
    await page.getByTestId("early-access-form").getByRole("alert").waitFor();
    await assertFitsPhone(page, "form with errors");
    await screenshot(page, `early-access-errors-${locale}-360`);

    await page.goto("/no-such-page");
    await page.getByTestId("not-found").waitFor();
    await assertFitsPhone(page, "404 page");
    await session.assertClean({ expectedErrorDocuments: ["/early-access", "/no-such-page"] });
    await session.close();
  });

  test(`desktop screenshots (${locale})`, async () => {
    const session = await openSession(browser, { viewport: DESKTOP });
    const { page } = session;
    await gotoInLocale(page, "/", locale);
    await screenshot(page, `landing-${locale}-desktop`);
    await page.goto("/docs");
    // Tags start collapsed (docs.js): wait for the tag list.
    await page.locator(".opblock-tag").first().waitFor({ timeout: 30_000 });
    await screenshot(page, `docs-${locale}-desktop`);
    await session.assertClean();
    await session.close();
  });
}
