// The owner's "Download all data" on the billing page: the ZIP arrives with a CSV and a JSON file per
// object, the demo tenant's members in it; the card fits a 360 px phone.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { unzipSync } from "fflate";
import {
  assertFitsPhone,
  launchBrowser,
  openSession,
  PHONE,
  screenshot,
  signInAsDemoOwner,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("an owner downloads the whole account as a ZIP from the billing page", async () => {
  const { page } = await openSession(browser, { viewport: PHONE });
  await signInAsDemoOwner(page, "/billing");
  const card = page.getByTestId("tenant-export");
  await card.scrollIntoViewIfNeeded();
  await assertFitsPhone(page, "billing page with the export card");
  await screenshot(page, "tenant-export-card-ar-360");

  const [download] = await Promise.all([page.waitForEvent("download"), card.locator("a").click()]);
  assert.match(download.suggestedFilename(), /^dealix-export-\d{4}-\d{2}-\d{2}\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  for (const object of ["contacts", "deals", "activities", "members", "audit_events"]) {
    assert.ok(files[`${object}.csv`] && files[`${object}.json`], `${object} files in the archive`);
  }
  const members = JSON.parse(new TextDecoder().decode(files["members.json"]));
  assert.ok(members.some((member) => member.email === "owner@riyadh-realty.test" && member.role === "owner"));
  assert.ok(Array.isArray(JSON.parse(new TextDecoder().decode(files["contacts.json"]))));
});
