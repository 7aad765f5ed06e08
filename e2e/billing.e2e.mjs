// Billing in a real browser: a new owner signs up (on the trial), chooses Growth monthly, pays on
// the local Moyasar simulator with Moyasar's Visa test card, comes back and sees the plan active.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openSession, PHONE, queryDb, screenshot, submitAndWait } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const unique = Date.now().toString(36);

test("sign up, choose Growth monthly, pay on the simulator, see the subscription active", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;

  await page.goto("/signup");
  await page.fill("#company", "عيادة النخبة");
  await page.fill("#name", "سارة القحطاني");
  await page.fill("#email", `sara-${unique}@example.sa`);
  await page.fill("#password", "a long clinic passphrase");
  await submitAndWait(page, 'form[action="/signup"] button[type="submit"]');

  await page.click('a[href="/billing"]');
  await page.getByTestId("trial-banner").waitFor();
  assert.match((await page.getByTestId("trial-banner").textContent()) ?? "", /14/);
  await screenshot(page, "billing-trial-ar-360");

  await page.click('[data-testid="plan-growth-monthly"] a');
  await page.getByTestId("checkout-confirm").waitFor();
  assert.match((await page.getByTestId("checkout-total").textContent()) ?? "", /2,863\.50/);
  await screenshot(page, "billing-confirm-ar-360");

  await submitAndWait(page, 'form[action="/billing/checkout"] button[type="submit"]');
  await page.getByTestId("moyasar-checkout").waitFor();
  await page.fill("#number", "4111111111111111");
  await screenshot(page, "moyasar-simulator-ar-360");
  await submitAndWait(page, '[data-testid="moyasar-checkout"] form button[type="submit"]');

  assert.equal(new URL(page.url()).pathname, "/billing/return");
  // The page refreshes itself until the webhook has been applied.
  await page.waitForFunction(
    () => document.querySelector('[data-testid="checkout-status"]')?.textContent?.trim() === "paid",
    null,
    { timeout: 20_000 },
  );
  await screenshot(page, "billing-paid-ar-360");

  await page.goto("/billing");
  assert.equal(await page.getByTestId("subscription-status").textContent(), "نشط");
  assert.equal(await page.getByTestId("current-plan").textContent(), "النمو");

  // The payment's ZATCA tax invoice is listed on the billing page and opens with its QR as an image.
  await page.click('[data-testid="tax-invoices"] a[href^="/billing/invoices/"]');
  await page.getByTestId("tax-invoice").waitFor();
  assert.match((await page.getByTestId("invoice-number").textContent()) ?? "", /^DLX-\d{6}$/);
  assert.match((await page.getByTestId("invoice-title").textContent()) ?? "", /فاتورة ضريبية مبسطة/);
  const qr = page.getByTestId("invoice-qr");
  assert.match((await qr.getAttribute("src")) ?? "", /^data:image\/svg\+xml/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), "the QR image renders");
  await screenshot(page, "tax-invoice-ar-360");
  await page.goto("/billing");
  const [payment] = await queryDb(
    "SELECT p.status, p.amount_halalas FROM billing_payments p JOIN billing_checkouts c ON c.id = p.checkout_id ORDER BY p.created_at DESC LIMIT 1",
  );
  assert.deepEqual({ ...payment }, { status: "paid", amount_halalas: 286350 });
  assert.ok(
    (await page.evaluate(() => document.documentElement.scrollWidth)) <= 360,
    "no sideways scrolling",
  );

  // A month later the renewal was not paid: the daily billing run (its cron triggered through
  // wrangler's /__scheduled) makes the subscription past due, and every page shows the dunning banner.
  await queryDb(
    `UPDATE subscriptions SET current_period_end = ${Date.now() - 60_000} WHERE tenant_id = (SELECT tenant_id FROM billing_checkouts ORDER BY created_at DESC LIMIT 1)`,
  );
  const scheduled = await page.request.get("/__scheduled?cron=0+5+*+*+*");
  assert.equal(scheduled.status(), 200);
  await page.goto("/billing");
  await page.getByTestId("dunning-banner").waitFor();
  assert.equal(await page.getByTestId("subscription-status").textContent(), "متأخر الدفع");
  assert.ok(await page.locator('[data-testid="dunning-banner"] a[href="/billing"]').count());
  await screenshot(page, "billing-dunning-ar-360");

  await session.assertClean();
  await session.close();
});
