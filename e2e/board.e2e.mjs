// The deal board in a real browser: a new company starts from the empty state, adds deals, moves one
// by dragging with a finger (touch emulation: Chromium's own touch input, which SortableJS sees as
// touch pointer events) and one with the card's Move form (the no-JavaScript fallback), and the API
// confirms the stored stage each time. Screenshots in Arabic at 360 px and in English on a desktop.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DESKTOP,
  launchBrowser,
  openSession,
  PHONE,
  screenshot,
  submitAndWait,
  switchLanguage,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const unique = Date.now().toString(36);

async function signUp(page) {
  await page.goto("/signup");
  await page.fill("#company", "مكتب الخبر العقاري");
  await page.fill("#name", "سارة القحطاني");
  await page.fill("#email", `board-${unique}@example.sa`);
  await page.fill("#phone", `055${String(Date.now()).slice(-7)}`);
  await page.fill("#password", "a long khobar passphrase");
  await submitAndWait(page, page.locator('form[action="/signup"] button[type="submit"]'));
}

/** The deal as the API stores it, read with the browser's own session token. */
async function storedDeal(context, dealId) {
  const token = (await context.cookies()).find((cookie) => cookie.name === "__Host-dlx_at")?.value;
  assert.ok(token, "signed in: the access cookie is set");
  const page = await context.newPage();
  const res = await page.request.get(`/api/v1/deals/${dealId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(res.status(), 200);
  const deal = await res.json();
  await page.close();
  return deal;
}

async function addDeal(page, title, amount) {
  const form = page.getByTestId("new-deal-form");
  if (!(await form.isVisible())) await page.locator(".new-deal summary").click();
  await page.fill("#deal-title", title);
  await page.fill("#deal-amount", amount);
  await submitAndWait(page, form.locator('button[type="submit"]'));
}

const cardOf = (page, title) => page.getByTestId("deal-card").filter({ hasText: title });
const columnOf = (page, index) => page.getByTestId("stage-column").nth(index);
const summaryOf = (page, index) => page.locator(".board__column").nth(index).locator(".board__summary");

/**
 * A finger drag through Chromium's touch input (CDP Input.dispatchTouchEvent): press on the card,
 * hold past SortableJS's touch delay, move in steps to the target and lift.
 */
async function touchDrag(page, from, to) {
  const cdp = await page.context().newCDPSession(page);
  const start = await from.boundingBox();
  const end = await to.boundingBox();
  const point = (box, dy = 0) => ({ x: Math.round(box.x + box.width / 2), y: Math.round(box.y + 20 + dy) });
  const a = point(start);
  const b = point(end, 10);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [a] });
  await page.waitForTimeout(400);
  const steps = 12;
  for (let i = 1; i <= steps; i++) {
    const x = Math.round(a.x + ((b.x - a.x) * i) / steps);
    const y = Math.round(a.y + ((b.y - a.y) * i) / steps);
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x, y }] });
    await page.waitForTimeout(60);
  }
  await page.waitForTimeout(200);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

test("a new company's board: empty state, new deals, a touch drag and the fallback form, stored via the API", async () => {
  // Touch screen the size of a tablet in landscape, so that two columns are on screen side by side.
  const session = await openSession(browser, { viewport: DESKTOP, phone: true });
  const { page, context } = session;
  await signUp(page);

  await page.goto("/deals");
  assert.ok(await page.getByTestId("board-empty").isVisible(), "a new company sees what to do first");
  await submitAndWait(page, page.getByTestId("board-empty").locator('button[type="submit"]'));
  assert.equal(await page.getByTestId("stage-column").count(), 6, "the Sales pipeline has six stages");
  assert.ok(await page.getByTestId("board-no-deals").isVisible());

  await addDeal(page, "فيلا حي الملقا", "1500000");
  await addDeal(page, "شقة حي النرجس", "850000.50");
  assert.equal(await columnOf(page, 0).getByTestId("deal-card").count(), 2);
  assert.match((await summaryOf(page, 0).locator("[data-stage-total]").textContent()) ?? "", /ر\.س/);

  // Drag the villa to the second stage with a finger.
  const villa = cardOf(page, "فيلا حي الملقا");
  const villaId = await villa.getAttribute("data-deal-id");
  const moved = page.waitForResponse((res) => res.url().endsWith(`/deals/${villaId}/move`));
  await touchDrag(page, villa, columnOf(page, 1));
  assert.equal((await moved).status(), 200, "the drop posted the move");
  assert.equal(await columnOf(page, 1).getByTestId("deal-card").count(), 1);
  const stages = await page
    .getByTestId("stage-column")
    .evaluateAll((columns) => columns.map((column) => column.dataset.stageId));
  assert.equal((await storedDeal(context, villaId)).stageId, stages[1], "the API stores the dragged stage");
  assert.equal(await summaryOf(page, 1).locator("[data-stage-count]").textContent(), "١");
  await screenshot(page, "board-ar-touch-desktop");

  const totalsAfterDrag = await page.locator("[data-stage-total]").allTextContents();

  // After a reload the board shows what is stored, with the totals the script computed.
  await page.reload();
  assert.equal(await columnOf(page, 1).getByTestId("deal-card").count(), 1);
  assert.deepEqual(await page.locator("[data-stage-total]").allTextContents(), totalsAfterDrag);

  // The fallback: the apartment's Move form, to the third stage, with no script involved.
  const flat = cardOf(page, "شقة حي النرجس");
  const flatId = await flat.getAttribute("data-deal-id");
  await flat.locator("select").selectOption(stages[2]);
  await submitAndWait(page, flat.locator('button[type="submit"]'));
  assert.equal((await storedDeal(context, flatId)).stageId, stages[2], "the API stores the form's stage");
  assert.equal(await columnOf(page, 2).getByTestId("deal-card").count(), 1);

  // The deal page: its history has both stages, with Hijri dates beside Gregorian.
  await page.goto(`/deals/${villaId}`);
  assert.equal(await page.getByTestId("stage-history").locator("li").count(), 2);
  assert.equal(
    await page.locator('#deal-timeline [data-testid="timeline"]').count(),
    1,
    "the deal page shows its activities timeline",
  );
  await session.assertClean();
  await session.close();
});

test("the board, deal page and pipeline settings at 360 px in Arabic, and the board in English", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await signUp(page);
  await page.goto("/deals");
  await screenshot(page, "board-empty-ar-360");
  await submitAndWait(page, page.getByTestId("board-empty").locator('button[type="submit"]'));
  await addDeal(page, "أرض تجارية طريق الملك فهد", "2750000");
  await screenshot(page, "board-ar-360");
  const cardWidth = await page
    .getByTestId("deal-card")
    .first()
    .evaluate((card) => card.getBoundingClientRect().width);
  assert.ok(cardWidth > 200, "a card is wide enough to read on a phone");
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(pageWidth <= 360, `the page does not scroll sideways (the board does): ${pageWidth}px`);

  // Edit with a stale version: the page says someone else changed the deal.
  await page.getByTestId("deal-card").first().locator("a").click();
  await page.waitForLoadState("load");
  const dealPath = new URL(page.url()).pathname;
  await page.fill("#edit-title", "أرض تجارية - محدثة");
  await page.evaluate(() => {
    document.querySelector('input[name="version"]').value = "99";
  });
  await submitAndWait(page, page.getByTestId("deal-edit-form").locator('button[type="submit"]'));
  assert.ok(await page.locator(".alert--error").isVisible(), "a stale save is refused with a message");
  await screenshot(page, "deal-ar-360");

  await page.goto("/settings/pipelines");
  await screenshot(page, "pipelines-settings-ar-360");
  const settingsWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(settingsWidth <= 360, `settings fit the phone: ${settingsWidth}px`);

  await page.goto("/deals");
  await switchLanguage(page);
  await page.setViewportSize(DESKTOP);
  assert.match((await page.locator("[data-stage-total]").first().textContent()) ?? "", /^SAR 2,750,000$/);
  await screenshot(page, "board-en-desktop");
  await session.assertClean({ expectedErrorDocuments: [dealPath] });
  await session.close();
});
