// Unknown paths: a page for people, problem+json for machines.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE_URL, htmlLocale, launchBrowser, openSession, switchLanguage } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

for (const locale of ["ar", "en"]) {
  test(`an unknown page shows the HTML 404 page with status 404 (${locale})`, async () => {
    const session = await openSession(browser);
    const { page } = session;
    let response = await page.goto("/no-such-page");
    if (locale === "en") {
      await switchLanguage(page);
      response = await page.reload();
    }
    assert.equal(response.status(), 404);
    assert.match(response.headers()["content-type"], /^text\/html/);
    assert.deepEqual(
      await htmlLocale(page),
      locale === "ar" ? { lang: "ar", dir: "rtl" } : { lang: "en", dir: "ltr" },
    );
    await page.getByTestId("not-found").waitFor();
    const home = page.getByTestId("not-found").getByRole("link");
    assert.equal(await home.getAttribute("href"), "/");
    await session.assertClean({ expectedErrorDocuments: ["/no-such-page"] });
    await session.close();
  });
}

test("an unknown API path answers application/problem+json 404, even to a browser", async () => {
  for (const accept of ["application/json", "text/html,application/xhtml+xml,*/*;q=0.8"]) {
    const response = await fetch(`${BASE_URL}/api/v1/no-such-thing`, { headers: { Accept: accept } });
    assert.equal(response.status, 404);
    assert.match(response.headers.get("content-type"), /^application\/problem\+json/);
    const problem = await response.json();
    assert.equal(problem.status, 404);
    assert.equal(problem.code, "NOT_FOUND");
    assert.equal(typeof problem.title, "string");
    assert.equal(typeof problem.requestId, "string");
  }

  const session = await openSession(browser);
  const response = await session.page.goto("/api/v1/no-such-thing");
  assert.equal(response.status(), 404);
  assert.match(response.headers()["content-type"], /^application\/problem\+json/);
  await session.close();
});
