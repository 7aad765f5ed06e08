// The early-access form on the landing page: a plain form post, errors re-rendered by the server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gotoInLocale, htmlLocale, launchBrowser, openSession, queryDb } from "./support.mjs";

const REQUIRED_FIELDS = ["name", "company", "phone", "consent"];
const EAR_ID = /^ear_[0-9a-hjkmnp-tv-z]{20}$/;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/** Submits the form and returns the response to the POST itself (before any redirect). */
async function submit(page) {
  const posted = page.waitForResponse(
    (response) =>
      new URL(response.url()).pathname === "/early-access" && response.request().method() === "POST",
  );
  await page.getByTestId("early-access-form").locator('button[type="submit"]').click();
  const response = await posted;
  await page.waitForLoadState("load");
  return response;
}

async function fill(page, { name, company, phone, email, businessType, consent }) {
  const form = page.getByTestId("early-access-form");
  if (name !== undefined) await form.locator('[name="name"]').fill(name);
  if (company !== undefined) await form.locator('[name="company"]').fill(company);
  if (phone !== undefined) await form.locator('[name="phone"]').fill(phone);
  if (email !== undefined) await form.locator('[name="email"]').fill(email);
  if (businessType !== undefined) await form.locator('[name="businessType"]').selectOption(businessType);
  if (consent) await form.locator('[name="consent"]').check();
}

const invalidFields = (page) =>
  page
    .getByTestId("early-access-form")
    .locator('[aria-invalid="true"]')
    .evaluateAll((elements) => elements.map((element) => element.getAttribute("name")).sort());

const rowsForPhone = (phone) =>
  queryDb(
    `SELECT id, name, company, phone, email, business_type, locale, consent_at, created_at
       FROM early_access_requests WHERE phone = '${phone}'`,
  );

for (const locale of ["ar", "en"]) {
  test(`an empty form is refused with 422 and marked errors, in the page's language (${locale})`, async () => {
    const session = await openSession(browser);
    const { page } = session;
    await gotoInLocale(page, "/", locale);
    const response = await submit(page);
    assert.equal(response.status(), 422);
    assert.equal(new URL(page.url()).pathname, "/early-access");
    assert.equal((await htmlLocale(page)).lang, locale);
    await page.getByTestId("early-access-form").getByRole("alert").waitFor();
    assert.deepEqual(await invalidFields(page), [...REQUIRED_FIELDS].sort());
    await session.assertClean({ expectedErrorDocuments: ["/early-access"] });
    await session.close();
  });

  test(`a bad phone number is refused and what was typed is kept (${locale})`, async () => {
    const session = await openSession(browser);
    const { page } = session;
    await gotoInLocale(page, "/", locale);
    await fill(page, { name: "سارة القحطاني", company: "عقارات جدة", phone: "12345", consent: true });
    const response = await submit(page);
    assert.equal(response.status(), 422);
    assert.deepEqual(await invalidFields(page), ["phone"]);
    const form = page.getByTestId("early-access-form");
    assert.equal(await form.locator('[name="name"]').inputValue(), "سارة القحطاني");
    assert.equal(await form.locator('[name="company"]').inputValue(), "عقارات جدة");
    assert.equal(await form.locator('[name="phone"]').inputValue(), "12345");
    assert.equal(await form.locator('[name="consent"]').isChecked(), true);
    assert.deepEqual(await rowsForPhone("+12345"), [], "nothing stored for invalid input");
    await session.assertClean({ expectedErrorDocuments: ["/early-access"] });
    await session.close();
  });
}

test("an Arabic name and an Arabic-Indic phone number are accepted and stored as E.164 (ar)", async () => {
  const session = await openSession(browser);
  const { page } = session;
  await gotoInLocale(page, "/", "ar");
  await fill(page, {
    name: "فاطمة الزهراني",
    company: "عيادات الشفاء",
    phone: "٠٥٥١٢٣٤٥٦٧",
    businessType: "clinic",
    consent: true,
  });
  const response = await submit(page);
  assert.equal(response.status(), 303);
  assert.equal(new URL(page.url()).pathname, "/early-access/thanks");
  await page.getByTestId("early-access-thanks").waitFor();
  assert.deepEqual(await htmlLocale(page), { lang: "ar", dir: "rtl" });

  const rows = await rowsForPhone("+966551234567");
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.match(row.id, EAR_ID);
  assert.equal(row.name, "فاطمة الزهراني");
  assert.equal(row.company, "عيادات الشفاء");
  assert.equal(row.email, null);
  assert.equal(row.business_type, "clinic");
  assert.equal(row.locale, "ar");
  assert.ok(Math.abs(row.consent_at - Date.now()) < 5 * 60_000, "consent time recorded as now");

  // Asking again with the same number looks the same to the visitor and changes nothing stored.
  await page.goto("/");
  await fill(page, {
    name: "اسم آخر",
    company: "شركة أخرى",
    phone: "+966 55 123 4567",
    businessType: "other",
    consent: true,
  });
  assert.equal((await submit(page)).status(), 303);
  await page.getByTestId("early-access-thanks").waitFor();
  assert.deepEqual(await rowsForPhone("+966551234567"), rows);

  await session.assertClean();
  await session.close();
});

test("an English request is stored with locale en and its email (en)", async () => {
  const session = await openSession(browser);
  const { page } = session;
  await gotoInLocale(page, "/", "en");
  await fill(page, {
    name: "Omar Haddad",
    company: "Haddad Clinics",
    phone: "+966 55 765 4321",
    email: "omar@example.com",
    businessType: "other",
    consent: true,
  });
  assert.equal((await submit(page)).status(), 303);
  await page.getByTestId("early-access-thanks").waitFor();
  assert.deepEqual(await htmlLocale(page), { lang: "en", dir: "ltr" });
  const rows = await rowsForPhone("+966557654321");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].name, "Omar Haddad");
  assert.equal(rows[0].email, "omar@example.com");
  assert.equal(rows[0].business_type, "other");
  assert.equal(rows[0].locale, "en");
  await session.assertClean();
  await session.close();
});

test("npm start loaded the demo tenants and accounts", async () => {
  const rows = await queryDb(
    "SELECT t.name_en AS tenant, m.role, u.email FROM memberships m JOIN tenants t ON t.id = m.tenant_id " +
      "JOIN users u ON u.id = m.user_id WHERE u.email LIKE '%.test' ORDER BY u.email",
  );
  assert.deepEqual(
    rows.map((row) => `${row.tenant}:${row.role}`),
    [
      "Riyadh Realty:agent",
      "Riyadh Realty:agent",
      "Riyadh Realty:manager",
      "Jeddah Clinics:owner",
      "Riyadh Realty:owner",
    ],
  );
});
