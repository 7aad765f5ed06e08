// Identity in a real browser: sign up, sign out, sign in with a password and with a WhatsApp code
// (read from the dev outbox, as a developer would), and switch language while signed in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  htmlLocale,
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
const account = {
  company: "مكتب الدمام العقاري",
  name: "ريم السبيعي",
  email: `reem-${unique}@example.sa`,
  phone: `055${String(Date.now()).slice(-7)}`,
  password: "a long dammam passphrase",
};
const e164 = `+966${account.phone.slice(1)}`;

/**
 * The newest six-digit code the WhatsApp dev transport holds for the account's phone, once it
 * differs from `previous` (sign-in codes are written just after the response, so it may take a moment).
 */
async function newestCode(context, previous = null) {
  const outbox = await context.newPage();
  let code;
  for (let attempt = 0; attempt < 20; attempt++) {
    await outbox.goto("/dev/outbox");
    const message = outbox.locator(`[data-testid="outbox-message"][data-recipient="${e164}"]`).first();
    code = /\b\d{6}\b/.exec((await message.locator(".message").textContent()) ?? "")?.[0];
    if (code && code !== previous) break;
    await outbox.waitForTimeout(250);
  }
  await outbox.close();
  assert.match(code ?? "", /^\d{6}$/, "the WhatsApp dev transport holds a six-digit code");
  assert.notEqual(code, previous, "a new code arrived");
  return code;
}

async function signOut(page) {
  await submitAndWait(page, '[data-testid="sign-out"]');
  assert.equal(new URL(page.url()).pathname, "/login");
}

test("sign up, sign out, sign in with the password, sign in with a WhatsApp code, switch language", async () => {
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page, context } = session;

  await page.goto("/signup");
  assert.deepEqual(await htmlLocale(page), { lang: "ar", dir: "rtl" });
  await page.fill("#company", account.company);
  await page.fill("#name", account.name);
  await page.fill("#email", account.email);
  await page.fill("#phone", account.phone);
  await page.fill("#password", account.password);
  await screenshot(page, "signup-ar-360");
  await submitAndWait(page, 'form[action="/signup"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account");
  assert.equal(await page.getByTestId("account-tenant").textContent(), account.company);
  assert.equal(await page.getByTestId("phone-status").getAttribute("data-verified"), "false");
  assert.equal(await page.getByTestId("account-role").textContent(), "مالك");
  const cookies = await context.cookies();
  const sessionCookie = cookies.find((c) => c.name === "__Host-dlx_at");
  assert.ok(sessionCookie?.httpOnly && sessionCookie.secure && sessionCookie.sameSite === "Lax");
  await screenshot(page, "account-ar-360");

  // Sign-up sent the phone a code; until it is entered, the phone signs in to nothing.
  const verificationCode = await newestCode(context);
  await page.fill("#code", verificationCode);
  await submitAndWait(page, '[data-testid="phone-code-form"] button[type="submit"]');
  assert.equal(await page.getByTestId("phone-status").getAttribute("data-verified"), "true");
  await screenshot(page, "account-verified-ar-360");

  await signOut(page);
  await page.goto("/account");
  assert.equal(new URL(page.url()).pathname, "/login", "signed out: /account sends you to sign in");

  await page.fill("#email", account.email.toUpperCase());
  await page.fill("#password", account.password);
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account", "password sign-in returns to the page asked for");
  await signOut(page);

  await page.goto("/login/whatsapp");
  await page.fill("#phone", account.phone);
  await submitAndWait(page, 'form[action="/login/whatsapp"] button[type="submit"]');
  await page.getByTestId("otp-code-page").waitFor();

  await page.fill("#code", await newestCode(context, verificationCode));
  await submitAndWait(page, 'form[action="/login/whatsapp/verify"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account");
  assert.equal(await page.getByTestId("account-tenant").textContent(), account.company);

  assert.deepEqual(await switchLanguage(page), { lang: "en", dir: "ltr" });
  assert.equal(new URL(page.url()).pathname, "/account");
  assert.equal(await page.getByTestId("account-role").textContent(), "Owner");
  assert.ok(
    (await page.evaluate(() => document.documentElement.scrollWidth)) <= 360,
    "no sideways scrolling",
  );
  await screenshot(page, "account-en-360");

  await session.assertClean();
  await session.close();
});

test("a wrong password shows the same message as an unknown email, in the page's language", async () => {
  const session = await openSession(browser);
  const { page } = session;
  await page.goto("/login");
  await page.fill("#email", "owner@riyadh-realty.test");
  await page.fill("#password", "definitely not the password");
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');
  const wrongPassword = await page.getByRole("alert").textContent();
  await page.fill("#email", "nobody-at-all@example.sa");
  await page.fill("#password", "definitely not the password");
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');
  assert.equal(await page.getByRole("alert").textContent(), wrongPassword);
  await screenshot(page, "login-error-ar-desktop");
  await session.assertClean({ expectedErrorDocuments: ["/login"] });
  await session.close();
});

test("the demo team page: the owner sees members and can invite", async () => {
  const session = await openSession(browser);
  const { page } = session;
  await page.goto("/login?next=/team");
  await page.fill("#email", "owner@riyadh-realty.test");
  await page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/team");
  assert.equal(await page.getByTestId("member-row").count(), 4);
  await page.fill("#email", `invitee-${unique}@example.sa`);
  await submitAndWait(page, '[data-testid="invite-form"] button[type="submit"]');
  assert.match(
    (await page.getByTestId("invite-link").textContent()) ?? "",
    /\/invitations\/[A-Za-z0-9_-]{20,}/,
  );
  await screenshot(page, "team-ar-desktop");
  await session.assertClean();
  await session.close();
});
