// The WhatsApp round trip through the simulator page itself (/dev/whatsapp), as a developer drives it
// with `npm start`: the demo owner connects a simulated number there, a customer's message is posted
// from its form (signed by the simulator, through the real webhook route), shows in /inbox, the owner
// replies (sent through the simulator's fake Graph API, which `npm start` points the app at), and the
// simulator page marks the reply read while the thread, open in another tab, turns its ticks blue.
// Then the templates: synced from the simulator's Graph API with the inbox's button, picked, filled
// and sent.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE_URL,
  DESKTOP,
  launchBrowser,
  openSession,
  screenshot,
  signInAsDemoOwner,
  submitAndWait,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const unique = Date.now().toString().slice(-7);
const CUSTOMER = `+96657${unique}`;
const CUSTOMER_NAME = `سارة ${unique}`;
const REPLY = `أهلاً ${CUSTOMER_NAME}، الشقة متاحة للمعاينة غداً.`;

/** Reloads `path` until `locator(page)` matches (the webhooks queue works after the route's answer). */
async function reloadUntil(page, path, locator, what) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await page.goto(path);
    if ((await locator(page).count()) > 0) return;
    await page.waitForTimeout(500);
  }
  assert.fail(`${what} did not appear within 30 s`);
}

const flashOf = (page) => new URL(page.url()).searchParams.get("flash");

test("the simulator page posts an inbound message, the inbox replies, the page marks it read and the ticks turn blue", async () => {
  const session = await openSession(browser, { viewport: DESKTOP });
  const { page, context } = session;
  await signInAsDemoOwner(page, "/dev/whatsapp");
  const token = (await context.cookies()).find((cookie) => cookie.name === "__Host-dlx_at")?.value;
  assert.ok(token, "signed in: the access cookie is set");
  try {
    await submitAndWait(page, '[data-testid="simulator-connect"]');
    assert.equal(flashOf(page), "connected");
    // Numbers are listed newest first: the one just connected is the inbound form's first choice.
    const accountId = await page.getByTestId("simulator-number").first().getAttribute("data-account");
    assert.ok(accountId);

    const inbound = page.getByTestId("simulator-inbound");
    await inbound.locator("#accountId").selectOption(accountId);
    await inbound.locator("#from").fill(CUSTOMER);
    await inbound.locator("#name").fill(CUSTOMER_NAME);
    await inbound.locator("#text").fill("مساء الخير، هل الشقة في حي النرجس متاحة؟");
    await submitAndWait(page, inbound.locator('button[type="submit"]'));
    assert.equal(flashOf(page), "inbound");
    assert.equal(
      new URL(page.url()).searchParams.get("a"),
      "200",
      "the webhook route took the signed message",
    );
    await screenshot(page, "simulator-inbound-ar");

    const row = (p) => p.getByTestId("conversation-row").filter({ hasText: CUSTOMER_NAME });
    await reloadUntil(page, "/inbox", row, "the simulated customer's thread");
    assert.equal(await row(page).getByTestId("unread-badge").count(), 1, "the new thread is unread");
    await submitAndWait(page, row(page).locator("a").first());
    assert.match(new URL(page.url()).pathname, /^\/inbox\/cnv_[0-9a-z]{20}$/);
    await page.fill("#text", REPLY);
    await submitAndWait(page, '[data-testid="reply-form"] button[type="submit"]');
    assert.equal(new URL(page.url()).search, "?sent=1");
    const reply = page.locator('[data-testid="message"][data-direction="outbound"]').last();
    // The consumer sends it through the simulator's Graph API; the thread refreshes itself.
    await reply.locator('[data-state="sent"]').waitFor({ timeout: 30_000 });

    // The simulator page, in a second tab, lists the send and posts Meta's `read` status for it.
    const simulator = await context.newPage();
    await simulator.goto("/dev/whatsapp");
    const send = simulator.getByTestId("simulator-send").filter({ hasText: REPLY });
    assert.equal(await send.count(), 1, "the fake Graph API recorded the reply once");
    const navigated = simulator.waitForNavigation();
    await send.locator('button[name="status"][value="read"]').click();
    await navigated;
    assert.equal(flashOf(simulator), "status");
    assert.equal(new URL(simulator.url()).searchParams.get("a"), "200", "the signed status was accepted");
    await screenshot(simulator, "simulator-status-ar");
    await simulator.close();

    // No reload: the open thread picks up the status by itself.
    await reply.locator('[data-state="read"]').waitFor({ timeout: 30_000 });
    assert.equal(
      await reply.locator(".tick--read").evaluate((el) => getComputedStyle(el).color),
      "rgb(26, 115, 232)",
      "read ticks are blue",
    );
    await screenshot(page, "simulator-thread-read-ar");

    // Templates: none synced yet, so the owner syncs them from the simulator's Graph API.
    const threadPath = new URL(page.url()).pathname;
    await page.locator("#reply details summary").click();
    await submitAndWait(page, '[data-testid="sync-templates"]');
    assert.equal(new URL(page.url()).searchParams.get("synced"), "6", "six approved simulator templates");
    // Picking one submits the picker (assets/inbox.js): its body and one input per variable appear.
    const chosen = page.waitForNavigation();
    const reminder = await page
      .locator("#template option", { hasText: "viewing_reminder · العربية" })
      .getAttribute("value");
    await page.locator("#template").selectOption(reminder);
    await chosen;
    assert.match(
      (await page.getByTestId("template-body").textContent()) ?? "",
      /تذكير: موعد معاينة \{\{1\}\}/,
    );
    assert.equal(await page.locator('[data-testid="template-form"] input[id^="var"]').count(), 2);
    await page.fill("#var1", "فيلا النرجس");
    await page.fill("#var2", "الأحد");
    await submitAndWait(page, '[data-testid="template-form"] button[type="submit"]');
    assert.equal(new URL(page.url()).pathname, threadPath);
    assert.equal(new URL(page.url()).search, "?sent=1");
    await page
      .locator('[data-testid="message"][data-direction="outbound"]')
      .filter({ hasText: "viewing_reminder" })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, "simulator-template-sent-ar");
    await session.assertClean();
  } finally {
    const res = await fetch(`${BASE_URL}/api/v1/whatsapp/account`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
    });
    await res.body?.cancel();
    await session.close();
  }
});
