// The dead-letter drill in a real browser, on a phone: a WhatsApp message whose send used up its
// retries (made by the dev-only drill step, which runs the outbound-dlq consumer's own code) shows
// on the operator's dead-letters page; the operator retries it, the count goes to 0 and the
// message leaves its dead_lettered state (the dev transport sends it).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  htmlLocale,
  launchBrowser,
  openSession,
  PHONE,
  queryDb,
  screenshot,
  signInAsDemoOwner,
  submitAndWait,
} from "./support.mjs";

const OPERATOR_PHONE = "+966500000009";
const RIYADH = "ten_riyadhrealty00000001";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

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

/** A contact of the demo tenant, added through the contacts page as its owner would. */
async function demoContact() {
  const session = await openSession(browser);
  const { page } = session;
  await signInAsDemoOwner(page, "/contacts");
  const form = page.getByTestId("new-contact-form");
  if (!(await form.isVisible())) await page.locator("details.card > summary").first().click();
  const unique = Date.now().toString().slice(-7);
  await form.locator("#name").fill(`عميل الطابور ${unique}`);
  await form.locator("#phone").fill(`056${unique}`);
  await submitAndWait(page, '[data-testid="new-contact-form"] button[type="submit"]');
  const contactId = /\/contacts\/(con_[0-9a-z]{20})$/.exec(new URL(page.url()).pathname)?.[1];
  assert.ok(contactId, "the contact was created");
  await session.close();
  return contactId;
}

const messageState = async (id) =>
  (await queryDb(`SELECT state, state_reason FROM messages WHERE id = '${id}'`))[0];

test("an operator retries a dead WhatsApp message from the dead-letters page", async () => {
  const contactId = await demoContact();
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page, context } = session;

  const drill = await context.request.post("/dev/dead-letters/outbound", {
    data: { tenantId: RIYADH, contactId },
  });
  assert.equal(drill.status(), 201);
  const { messageId } = await drill.json();
  assert.deepEqual(await messageState(messageId), { state: "queued", state_reason: "dead_lettered" });

  await page.goto("/admin/login");
  await page.fill("#email", "admin@dealix.test");
  await page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(page, 'form[action="/admin/login"] button[type="submit"]');
  await page.fill("#code", await newestCode(context));
  await submitAndWait(page, 'form[action^="/admin/login/code"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/admin");

  await submitAndWait(page, '[data-testid="operator-tools"] a[href="/admin/dead-letters"]');
  assert.equal(new URL(page.url()).pathname, "/admin/dead-letters");
  assert.deepEqual(await htmlLocale(page), { lang: "ar", dir: "rtl" });
  const waiting = Number(await page.getByTestId("dlq-waiting-outbound").textContent());
  assert.ok(waiting >= 1, "the dead message waits for a retry");
  await page
    .locator(`[data-testid="dlq-letter"]:has(code:text-is("${messageId}")) input[name="ids"]`)
    .check();
  await assertFitsPhone(page, "dead letters (Arabic)");
  await screenshot(page, "admin-dead-letters-ar-phone");

  await submitAndWait(
    page,
    '[data-testid="dlq-letters"] button[name="scope"][value="selected"]:not([formaction])',
  );
  assert.match(await page.getByTestId("dlq-progress").textContent(), /1/);
  assert.equal(Number(await page.getByTestId("dlq-waiting-outbound").textContent()), waiting - 1);
  if (waiting === 1) assert.equal(await page.getByTestId("dlq-waiting-outbound").textContent(), "0");

  // The retried job goes back to `outbound`, whose consumer sends it (the dev transport here).
  const deadline = Date.now() + 30_000;
  let state = await messageState(messageId);
  while (state.state !== "sent" && Date.now() < deadline) {
    await new Promise((wake) => setTimeout(wake, 500));
    state = await messageState(messageId);
  }
  assert.deepEqual(state, { state: "sent", state_reason: null });
  await session.assertClean();
  await session.close();
});
