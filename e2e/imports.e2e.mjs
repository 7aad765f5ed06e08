// CSV import in a real browser: upload a small Arabic file on a 360 px phone, map its columns with
// the preview, start, and watch the progress page refresh itself until the import is done; the
// English wizard on a desktop. Screenshots of every step.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  DESKTOP,
  launchBrowser,
  openSession,
  PHONE,
  queryDb,
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

const unique = Date.now().toString().slice(-6);

function csvFile(rows) {
  const lines = ["الاسم,رقم الجوال,البريد,الوسوم,ملاحظات"];
  for (let n = 0; n < rows; n++) {
    const phone = `055${unique.slice(-5)}${String(n).padStart(2, "0")}`;
    lines.push(
      `عميل مستورد ${unique}-${n},${phone},import${unique}${n}@example.sa,"مستورد, تجربة",سطر من ملف`,
    );
  }
  lines.push(`,0500000000,bad-email,,صف بلا اسم`);
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`, "utf8");
}

test("import a CSV on a phone and watch its progress to done", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await signInAsDemoOwner(page, "/contacts/import");
  await page.getByTestId("import-upload").waitFor();
  await assertFitsPhone(page, "upload step");
  await screenshot(page, "import-upload-ar-360");

  await page.setInputFiles("#file", { name: "عملاء.csv", mimeType: "text/csv", buffer: csvFile(12) });
  await submitAndWait(page, '[data-testid="import-upload"] button[type="submit"]');
  assert.match(new URL(page.url()).pathname, /^\/contacts\/import\/imp_[0-9a-z]{20}$/);
  await page.getByTestId("import-mapping").waitFor();
  assert.equal(await page.locator("#col-0").inputValue(), "name");
  assert.equal(await page.locator("#col-1").inputValue(), "phone");
  assert.equal(await page.getByTestId("import-preview").locator("tbody tr").count(), 5);
  await screenshot(page, "import-mapping-ar-360");

  await submitAndWait(page, '[data-testid="start-import"]');
  await page.getByTestId("import-progress").waitFor();
  await screenshot(page, "import-progress-ar-360");
  // The page refreshes itself (Refresh header) until the import is done.
  await page.locator('[data-testid="import-progress"][data-status="done"]').waitFor({ timeout: 60_000 });
  assert.equal((await page.getByTestId("count-created").textContent())?.trim(), "١٢");
  assert.equal((await page.getByTestId("count-failed").textContent())?.trim(), "١");
  assert.equal(await page.getByTestId("import-errors").locator("tbody tr").count(), 1);
  await assertFitsPhone(page, "progress step");
  await screenshot(page, "import-done-ar-360");

  const [stored] = await queryDb(
    `SELECT COUNT(*) AS n FROM contacts WHERE name LIKE 'عميل مستورد ${unique}-%' AND source = 'import'`,
  );
  assert.equal(stored.n, 12);
  await session.assertClean();
  await session.close();
});

test("the import wizard in English on a desktop", async () => {
  const session = await openSession(browser, { viewport: DESKTOP });
  const { page } = session;
  await signInAsDemoOwner(page, "/contacts/import");
  await switchLanguage(page);
  await screenshot(page, "import-upload-en-desktop");
  await page.setInputFiles("#file", {
    name: "leads.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`Name,Mobile,Status\r\nDesk Lead ${unique},055${unique.slice(-5)}99,qualified\r\n`),
  });
  await submitAndWait(page, '[data-testid="import-upload"] button[type="submit"]');
  await page.getByTestId("import-mapping").waitFor();
  await screenshot(page, "import-mapping-en-desktop");
  await submitAndWait(page, '[data-testid="start-import"]');
  await page.locator('[data-testid="import-progress"][data-status="done"]').waitFor({ timeout: 60_000 });
  await screenshot(page, "import-done-en-desktop");
  await session.assertClean();
  await session.close();
});
