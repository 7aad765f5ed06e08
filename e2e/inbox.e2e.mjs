// The WhatsApp inbox in a real browser, offline: the demo owner connects a number through the API,
// a customer's message arrives as a webhook signed the way Meta signs it (HMAC-SHA256 of the raw
// body with the app secret), shows in the inbox, and the owner opens it and replies. The number is
// disconnected for the reply, so the development app sends it through the dev outbox instead of
// Meta's Graph API (unreachable here); it is connected again for Meta's signed `read` status, which
// turns the reply's ticks blue while the thread refreshes itself. Screenshots in Arabic and English on a 360 px phone.
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  BASE_URL,
  launchBrowser,
  openSession,
  PHONE,
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

const unique = Date.now().toString().slice(-7);
const PHONE_NUMBER_ID = `10${unique}`;
const APP_SECRET = randomBytes(16).toString("hex");
const CUSTOMER = `96656${unique}`;
const CUSTOMER_NAME = `ريم ${unique}`;

async function api(token, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

const connect = async (token) => {
  const res = await api(token, "PUT", "/api/v1/whatsapp/account", {
    phoneNumberId: PHONE_NUMBER_ID,
    displayPhone: "+966 11 000 0000",
    accessToken: `EAAe2e-not-a-real-token-${unique}`,
    appSecret: APP_SECRET,
    verifyToken: `verify-token-e2e-${unique}`,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
};

const disconnect = async (token) => {
  const res = await api(token, "DELETE", "/api/v1/whatsapp/account");
  assert.ok([204, 404].includes(res.status), `disconnect answered ${res.status}`);
};

/** Posts a webhook to the account's URL with Meta's X-Hub-Signature-256 over the exact bytes sent. */
async function postSignedWebhook(accountId, value) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "WABA",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "966110000000", phone_number_id: PHONE_NUMBER_ID },
              ...value,
            },
          },
        ],
      },
    ],
  });
  const signature = createHmac("sha256", APP_SECRET).update(body).digest("hex");
  const res = await fetch(`${BASE_URL}/webhooks/whatsapp?account=${accountId}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": `sha256=${signature}` },
    body,
  });
  assert.equal(res.status, 200, "the signed webhook is accepted");
}

const seconds = () => String(Math.floor(Date.now() / 1000));

/** Reloads `path` until `locator(page)` matches (the queues work after the webhook's answer). */
async function reloadUntil(page, path, locator, what) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await page.goto(path);
    if ((await locator(page).count()) > 0) return;
    await page.waitForTimeout(500);
  }
  assert.fail(`${what} did not appear within 30 s`);
}

test("a signed inbound message reaches the inbox, the reply goes out, and Meta's read status turns it blue", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page, context } = session;
  await signInAsDemoOwner(page, "/inbox");
  const token = (await context.cookies()).find((cookie) => cookie.name === "__Host-dlx_at")?.value;
  assert.ok(token, "signed in: the access cookie is set");
  try {
    const accountId = await connect(token);
    await postSignedWebhook(accountId, {
      contacts: [{ wa_id: CUSTOMER, profile: { name: CUSTOMER_NAME } }],
      messages: [
        {
          from: CUSTOMER,
          id: `wamid.e2e-in-${unique}`,
          timestamp: seconds(),
          type: "text",
          text: { body: "السلام عليكم، هل الشقة في الملقا متاحة؟" },
        },
      ],
    });
    const row = (p) => p.getByTestId("conversation-row").filter({ hasText: CUSTOMER_NAME });
    await reloadUntil(page, "/inbox", row, "the inbound conversation");
    assert.equal(await row(page).getByTestId("unread-badge").count(), 1, "the new thread is unread");
    await assertFitsPhone(page, "inbox");
    await screenshot(page, "inbox-ar-360");

    // Replies go through the dev outbox while no number is connected (development only).
    await disconnect(token);
    await submitAndWait(page, row(page).locator("a").first());
    assert.match(new URL(page.url()).pathname, /^\/inbox\/cnv_[0-9a-z]{20}$/);
    assert.equal((await page.getByTestId("thread-contact").textContent())?.trim(), CUSTOMER_NAME);
    await page.fill("#text", `أهلاً ${CUSTOMER_NAME}، نعم متاحة. متى يناسبك؟`);
    await submitAndWait(page, '[data-testid="reply-form"] button[type="submit"]');
    assert.equal(new URL(page.url()).search, "?sent=1");

    const reply = (p) => p.locator('[data-testid="message"][data-direction="outbound"]').last();
    // No reloads from here on: the thread refreshes itself (assets/inbox.js) as the states change.
    assert.ok(await page.locator("[data-refresh-status]").isVisible(), "the page says it updates itself");
    await page.locator('[data-direction="outbound"] [data-state="sent"]').waitFor({ timeout: 30_000 });
    const messageId = await reply(page).getAttribute("data-message-id");
    assert.ok(messageId);

    // Meta's status webhook names the message by the id its send returned (the dev outbox's here).
    const reconnectedId = await connect(token);
    await postSignedWebhook(reconnectedId, {
      statuses: [{ id: `dev-${messageId}`, status: "read", timestamp: seconds(), recipient_id: CUSTOMER }],
    });
    await page.locator('[data-direction="outbound"] [data-state="read"]').waitFor({ timeout: 30_000 });
    const tick = reply(page).locator(".tick--read");
    assert.equal(
      await tick.evaluate((el) => getComputedStyle(el).color),
      "rgb(26, 115, 232)",
      "read ticks are blue",
    );
    await assertFitsPhone(page, "thread");
    await screenshot(page, "inbox-thread-ar-360");

    await switchLanguage(page);
    assert.equal(
      await reply(page).getByTestId("ticks").getAttribute("aria-label"),
      "Read",
      "the ticks say what they mean to a screen reader",
    );
    await assertFitsPhone(page, "thread in English");
    await screenshot(page, "inbox-thread-en-360");
    await page.goto("/inbox");
    assert.equal(await row(page).getByTestId("unread-badge").count(), 0, "opening the thread read it");
    await screenshot(page, "inbox-en-360");
    await session.assertClean();
  } finally {
    await disconnect(token);
    await session.close();
  }
});
