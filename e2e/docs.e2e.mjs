// /docs: Swagger UI served from our own assets (no CDN), reading /openapi.json.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gotoInLocale, launchBrowser, openSession } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

for (const locale of ["ar", "en"]) {
  test(`/docs (${locale}) renders the API operations from our own assets, without console errors`, async () => {
    const session = await openSession(browser);
    const { page, requests } = session;
    await gotoInLocale(page, "/docs", locale);
    // Tags start collapsed (docs.js): open the two whose operations are checked.
    for (const tag of ["health", "early-access"]) {
      await page.locator(`.opblock-tag[data-tag="${tag}"]`).click({ timeout: 30_000 });
    }
    await page.locator(".opblock").nth(3).waitFor({ timeout: 30_000 });
    const tags = await page.locator(".opblock-tag").count();
    assert.ok(tags >= 20, `every tag listed (${tags})`);
    const paths = await page.locator(".opblock-summary-path").allInnerTexts();
    const normalised = paths.map((text) => text.replace(/\u200b/g, "").trim());
    for (const expected of ["/health", "/health/deep", "/ready", "/api/v1/early-access"]) {
      assert.ok(normalised.includes(expected), `operation ${expected} listed (got ${normalised.join(", ")})`);
    }
    const requested = requests.map((url) => new URL(url).pathname);
    for (const asset of ["/vendor/swagger-ui/swagger-ui-bundle.js", "/vendor/swagger-ui/swagger-ui.css"]) {
      assert.ok(requested.includes(asset), `${asset} served by the app`);
    }
    assert.ok(requested.includes("/openapi.json"), "the spec was loaded from /openapi.json");
    await session.assertClean();
    await session.close();
  });
}
