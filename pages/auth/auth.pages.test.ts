import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { eventually } from "../../test/eventually";
import { createMember, createTenant, PASSWORD } from "../../test/fixtures";
import { call, countRows, escaped, setCookieFor, uniqueEmail } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

function expectSessionCookie(res: Response, name: string) {
  const header = setCookieFor(res, name);
  expect(header, `${name} is set`).toBeDefined();
  const [pair = "", ...attributes] = (header ?? "").split(";").map((part) => part.trim());
  expect(pair.length).toBeGreaterThan(name.length + 10);
  expect(attributes).toContain("HttpOnly");
  expect(attributes).toContain("Secure");
  expect(attributes).toContain("SameSite=Lax");
  expect(attributes).toContain("Path=/");
  expect(attributes.some((a) => /^domain=/i.test(a))).toBe(false);
  expect(attributes.some((a) => /^max-age=\d+$/i.test(a) && a !== "Max-Age=0")).toBe(true);
}

function expectClearedCookie(res: Response, name: string) {
  const header = setCookieFor(res, name);
  expect(header, `${name} is cleared`).toBeDefined();
  expect(header).toMatch(new RegExp(`^${name}=;`));
  expect(header).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
}

const identityRows = async () => ({
  tenants: await countRows("tenants"),
  users: await countRows("users"),
  memberships: await countRows("memberships"),
  families: await countRows("refresh_families"),
});

const signupFields = (overrides: Record<string, string> = {}) => ({
  company: "عقارات النخبة",
  name: "نورة العتيبي",
  email: uniqueEmail("owner"),
  phone: "",
  password: PASSWORD,
  ...overrides,
});

/** A browser that has loaded `path` (for its CSRF token and cookie). */
async function browserOn(path: string, cookies: Record<string, string> = {}) {
  const browser = new TestBrowser(cookies);
  const res = await browser.get(path);
  expect(res.status).toBe(200);
  return browser;
}

async function outboxFor(recipient: string) {
  const { results } = await env.DB.prepare(
    "SELECT channel, subject, body FROM outbox_messages WHERE recipient = ? ORDER BY created_at",
  )
    .bind(recipient)
    .all<{ channel: string; subject: string | null; body: string }>();
  return results;
}

describe("sign-up page", () => {
  it("is an Arabic right-to-left form by default", async () => {
    const res = await call("/signup");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(ar.auth.signupTitle);
    expect(html).toMatch(/<form method="post" action="\/signup"/);
    expect(html).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{43}"/);
    for (const field of ["company", "name", "email", "phone", "password"])
      expect(html).toContain(`name="${field}"`);
  });

  it("is English and left-to-right with the lang=en cookie", async () => {
    const html = await (await call("/signup", { headers: { Cookie: "lang=en" } })).text();
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain(en.auth.signupTitle);
    expect(html).not.toContain(ar.auth.signupTitle);
  });

  it("creates the tenant, owner and session, then shows the account", async () => {
    const browser = await browserOn("/signup");
    const fields = signupFields({ phone: "٠٥٥١١١٢٢٣٣" });
    const res = await browser.post("/signup", fields);
    expect(res.status).toBe(303);
    // With a phone, the account page asks for the code sign-up sent to it.
    expect(res.headers.get("Location")).toBe("/account?done=phone-sent");
    expectSessionCookie(res, "__Host-dlx_at");
    expectSessionCookie(res, "__Host-dlx_rt");

    const user = await env.DB.prepare("SELECT id, name, phone, locale FROM users WHERE email = ?")
      .bind(fields.email)
      .first<{ id: string; name: string; phone: string; locale: string }>();
    expect(user).toMatchObject({ name: fields.name, phone: "+966551112233", locale: "ar" });
    const membership = await env.DB.prepare(
      "SELECT m.role, t.name_ar, t.status FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ?",
    )
      .bind(user?.id)
      .first();
    expect(membership).toEqual({ role: "owner", name_ar: fields.company, status: "active" });
    const families = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ? AND revoked_at IS NULL",
    )
      .bind(user?.id)
      .first<{ n: number }>();
    expect(families?.n).toBe(1);

    const account = await browser.follow(res);
    expect(account.status).toBe(200);
    const html = await account.text();
    expect(html).toMatch(new RegExp(`data-testid="account-tenant">${fields.company}<`));
    expect(html).toMatch(new RegExp(`data-testid="account-role">${ar.account.roles.owner}<`));
    expect(html).toContain(fields.email);
    expect(html).toContain('data-testid="sign-out"');
    expect(html).toContain(escaped(ar.account.codeSent));
    expect(html).toContain('data-testid="phone-code-form"');
    expect(html).toContain('name="phone" value="+966551112233"');
    expect(await outboxFor("+966551112233")).toEqual([expect.objectContaining({ channel: "whatsapp" })]);
  });

  it.each([
    ["a short password", { password: "short1" }, "password"],
    ["a common password", { password: "password123" }, "password"],
    [
      "a password containing the email",
      { email: "rashid.alharbi@example.sa", password: "rashid.alharbi-2024!" },
      "password",
    ],
    ["a malformed email", { email: "not-an-email" }, "email"],
    ["a one-letter company name", { company: "x" }, "company"],
    ["a malformed phone", { phone: "12345" }, "phone"],
  ] as const)("rejects %s with 422, marks the field and writes nothing", async (_label, overrides, field) => {
    const browser = await browserOn("/signup", { lang: "en" });
    const before = await identityRows();
    const fields = signupFields(overrides);
    const res = await browser.post("/signup", fields);
    expect(res.status).toBe(422);
    expect(setCookieFor(res, "__Host-dlx_at")).toBeUndefined();
    expect(setCookieFor(res, "__Host-dlx_rt")).toBeUndefined();
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain(`id="${field}-error"`);
    expect(html).toContain(escaped(en.auth.errors[field]));
    expect(html).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
    // The typed values come back, but never the password.
    expect(html).toContain(`value="${escaped(fields.name)}"`);
    expect(html).not.toContain(fields.password);
    expect(await identityRows()).toEqual(before);
  });

  it("answers a duplicate email with 409 and the account-exists message", async () => {
    const { owner } = await createTenant();
    const browser = await browserOn("/signup");
    const before = await identityRows();
    const res = await browser.post("/signup", signupFields({ email: owner.email.toUpperCase() }));
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain(escaped(ar.auth.errors.emailTaken));
    expect(setCookieFor(res, "__Host-dlx_at")).toBeUndefined();
    expect(await identityRows()).toEqual(before);
  });

  it("refuses a post without the CSRF token (no page loaded) and writes nothing", async () => {
    const before = await identityRows();
    const res = await new TestBrowser().post("/signup", signupFields());
    expect(res.status).toBe(403);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(setCookieFor(res, "__Host-dlx_at")).toBeUndefined();
    expect(await identityRows()).toEqual(before);
  });

  it("refuses a forged CSRF token and writes nothing", async () => {
    const browser = await browserOn("/signup");
    const before = await identityRows();
    const res = await browser.post("/signup", signupFields(), { csrf: "A".repeat(43) });
    expect(res.status).toBe(403);
    expect(setCookieFor(res, "__Host-dlx_at")).toBeUndefined();
    expect(await identityRows()).toEqual(before);
  });

  it("refuses a cross-site post even with a valid token, and writes nothing", async () => {
    const browser = await browserOn("/signup");
    const before = await identityRows();
    const res = await browser.post("/signup", signupFields(), { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(setCookieFor(res, "__Host-dlx_at")).toBeUndefined();
    expect(await identityRows()).toEqual(before);
  });
});

describe("sign-in page", () => {
  it("renders Arabic RTL by default and English LTR with the cookie", async () => {
    const arHtml = await (await call("/login")).text();
    expect(arHtml).toContain('<html lang="ar" dir="rtl">');
    expect(arHtml).toContain(ar.auth.loginTitle);
    expect(arHtml).toContain('name="next" value="/account"');
    const enHtml = await (await call("/login", { headers: { Cookie: "lang=en" } })).text();
    expect(enHtml).toContain('<html lang="en" dir="ltr">');
    expect(enHtml).toContain(en.auth.submitLogin);
  });

  it("carries a same-site next through the form, and drops an off-site one", async () => {
    expect(await (await call("/login?next=%2Fteam")).text()).toContain('name="next" value="/team"');
    for (const next of ["https://evil.example", "//evil.example", "/\\evil.example"]) {
      const html = await (await call(`/login?next=${encodeURIComponent(next)}`)).text();
      expect(html).toContain('name="next" value="/account"');
      expect(html).not.toContain("evil.example");
    }
  });

  it("signs in with the right password, sets the session cookies and goes to a same-site next", async () => {
    const { manager } = await createTenant("Riyadh Homes");
    const browser = await browserOn("/login?next=%2Fteam");
    const res = await browser.post("/login", { email: manager.email, password: PASSWORD, next: "/team" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/team");
    expectSessionCookie(res, "__Host-dlx_at");
    expectSessionCookie(res, "__Host-dlx_rt");
    const team = await browser.follow(res);
    expect(team.status).toBe(200);
    expect(await team.text()).toContain('data-testid="team-page"');
    const audit = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE actor_id = ? AND action = 'auth.sign_in_succeeded'",
    )
      .bind(manager.userId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
  });

  it.each([
    ["no next", undefined],
    ["an absolute URL", "https://evil.example"],
    ["a protocol-relative URL", "//evil.example"],
    ["a backslash trick", "/\\evil.example"],
  ])("goes to /account with %s", async (_label, next) => {
    const { agent } = await createTenant();
    const browser = await browserOn("/login");
    const res = await browser.post("/login", {
      email: agent.email,
      password: PASSWORD,
      ...(next === undefined ? {} : { next }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect(browser.cookie("__Host-dlx_at")).toBeTruthy();
  });

  it("answers a wrong password and an unknown email with the same 401 page", async () => {
    const { agent } = await createTenant();
    const browser = await browserOn("/login");
    const unknown = uniqueEmail("nobody");
    const wrong = await browser.post("/login", { email: agent.email, password: "not the password at all" });
    const missing = await browser.post("/login", { email: unknown, password: "not the password at all" });
    expect(wrong.status).toBe(401);
    expect(missing.status).toBe(401);
    const [wrongHtml, missingHtml] = await Promise.all([wrong.text(), missing.text()]);
    expect(wrongHtml).toContain('role="alert"');
    expect(wrongHtml).toContain(escaped(ar.auth.errors.invalidCredentials));
    const normalise = (html: string, email: string) => html.replaceAll(email, "EMAIL");
    expect(normalise(wrongHtml, agent.email)).toBe(normalise(missingHtml, unknown));
    expect(setCookieFor(wrong, "__Host-dlx_at")).toBeUndefined();
    expect(setCookieFor(missing, "__Host-dlx_at")).toBeUndefined();
    expect(browser.cookie("__Host-dlx_at")).toBeUndefined();
  });

  it("stops guessing after ten wrong passwords for one account with a 429 page", async () => {
    const { agent } = await createTenant();
    const browser = await browserOn("/login", { lang: "en" });
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await browser.post("/login", {
        email: agent.email,
        password: `wrong guess number ${attempt}`,
      });
      expect(res.status).toBe(401);
    }
    const limited = await browser.post("/login", { email: agent.email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    const html = await limited.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain(escaped(en.auth.errors.rateLimited));
    expect(browser.cookie("__Host-dlx_at")).toBeUndefined();
  });

  it("signs out: clears the cookies, revokes the session and guards /account again", async () => {
    const { agent } = await createTenant();
    const browser = await browserOn("/login");
    await browser.post("/login", { email: agent.email, password: PASSWORD });
    const account = await browser.get("/account");
    expect(account.status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="sign-out"');

    const res = await browser.post("/logout", {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    expectClearedCookie(res, "__Host-dlx_at");
    expectClearedCookie(res, "__Host-dlx_rt");

    const { results } = await env.DB.prepare(
      "SELECT revoked_at, revoked_reason FROM refresh_families WHERE user_id = ? AND id != ?",
    )
      .bind(agent.userId, agent.familyId)
      .all<{ revoked_at: number | null; revoked_reason: string | null }>();
    expect(results).toHaveLength(1);
    expect(results[0]?.revoked_at).toEqual(expect.any(Number));
    expect(results[0]?.revoked_reason).toBe("logout");

    const after = await browser.get("/account");
    expect(after.status).toBe(303);
    expect(after.headers.get("Location")).toBe("/login?next=%2Faccount");
  });

  it("refuses a cross-site sign-out and keeps the session", async () => {
    const { agent } = await createTenant();
    const browser = await browserOn("/account", {
      "__Host-dlx_at": agent.accessToken,
      "__Host-dlx_rt": agent.refreshToken,
    });
    const res = await browser.post("/logout", {}, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first<{ revoked_at: number | null }>();
    expect(family?.revoked_at).toBeNull();
  });
});

describe("WhatsApp sign-in page", () => {
  it("renders the phone form in Arabic", async () => {
    const html = await (await call("/login/whatsapp")).text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('action="/login/whatsapp"');
    expect(html).toContain(ar.auth.sendCode);
  });

  it("sends a code to a registered phone and signs in with it", async () => {
    const { tenantId } = await createTenant("Jeddah Clinics");
    const member = await createMember(tenantId, "agent", { phone: "+966552223344" });
    const browser = await browserOn("/login/whatsapp");
    const sent = await browser.post("/login/whatsapp", { phone: "0552223344" });
    expect(sent.status).toBe(200);
    const codePage = await sent.text();
    expect(codePage).toContain('data-testid="otp-code-page"');
    expect(codePage).toContain('name="phone" value="+966552223344"');

    const messages = await outboxFor("+966552223344");
    expect(messages).toHaveLength(1);
    expect(messages[0]?.channel).toBe("whatsapp");
    const code = /\b(\d{6})\b/.exec(messages[0]?.body ?? "")?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const outbox = await call("/dev/outbox");
    expect(outbox.status).toBe(200);
    const outboxHtml = await outbox.text();
    expect(outboxHtml).toContain('data-recipient="+966552223344"');
    expect(outboxHtml).toContain(code);

    const wrongCode = code === "000000" ? "111111" : "000000";
    const wrong = await browser.post("/login/whatsapp/verify", { phone: "+966552223344", code: wrongCode });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('role="alert"');
    expect(wrongHtml).toContain(escaped(ar.auth.errors.invalidCode));
    expect(browser.cookie("__Host-dlx_at")).toBeUndefined();

    const res = await browser.post("/login/whatsapp/verify", { phone: "+966552223344", code: code ?? "" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expectSessionCookie(res, "__Host-dlx_at");
    expectSessionCookie(res, "__Host-dlx_rt");
    const account = await browser.follow(res);
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(ar.account.roles.agent);
    const otp = await env.DB.prepare("SELECT consumed_at FROM otp_codes WHERE phone = ?")
      .bind(member.phone)
      .first<{ consumed_at: number | null }>();
    expect(otp?.consumed_at).toEqual(expect.any(Number));

    // The code is single use.
    const other = await browserOn("/login/whatsapp");
    const reused = await other.post("/login/whatsapp/verify", { phone: "+966552223344", code: code ?? "" });
    expect(reused.status).toBe(401);
    expect(other.cookie("__Host-dlx_at")).toBeUndefined();
  });

  it("shows the same code page for an unknown phone and sends nothing", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966553334455" });
    const browser = await browserOn("/login/whatsapp");
    const known = await browser.post("/login/whatsapp", { phone: "0553334455" });
    const unknown = await browser.post("/login/whatsapp", { phone: "0559998877" });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const normalise = (html: string, phone: string) => html.replaceAll(phone, "PHONE");
    expect(normalise(await unknown.text(), "+966559998877")).toBe(
      normalise(await known.text(), "+966553334455"),
    );
    expect(await outboxFor("+966559998877")).toHaveLength(0);
    expect(await outboxFor("+966553334455")).toHaveLength(1);
  });

  it("rejects a malformed phone with 422 and sends nothing", async () => {
    const browser = await browserOn("/login/whatsapp");
    const before = await countRows("outbox_messages");
    const res = await browser.post("/login/whatsapp", { phone: "12" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="phone-error"');
    expect(html).toContain(escaped(ar.auth.errors.phone));
    expect(await countRows("outbox_messages")).toBe(before);
  });
});

describe("forgot and reset password pages", () => {
  it("answers known and unknown emails alike, and emails a link only to the known one", async () => {
    const { agent } = await createTenant();
    const unknown = uniqueEmail("ghost");
    const browser = await browserOn("/forgot-password");
    const known = await browser.post("/forgot-password", { email: agent.email });
    const missing = await browser.post("/forgot-password", { email: unknown });
    expect(known.status).toBe(200);
    expect(missing.status).toBe(200);
    const knownHtml = await known.text();
    expect(knownHtml).toContain('data-testid="check-messages"');
    expect(knownHtml).toContain(ar.auth.checkTitle);
    expect(await missing.text()).toBe(knownHtml);
    // The email goes out after the answer (waitUntil); an unknown email never gets one.
    const [mail] = await eventually(
      () => outboxFor(agent.email),
      (rows) => rows.length > 0,
    );
    expect(await outboxFor(unknown)).toHaveLength(0);
    expect(mail?.channel).toBe("email");
    expect(mail?.body).toMatch(/https:\/\/dealix\.test\/reset-password\?token=[A-Za-z0-9_-]{43}/);
  });

  it("sets a new password from the link, once", async () => {
    const { agent } = await createTenant();
    const browser = await browserOn("/forgot-password");
    await browser.post("/forgot-password", { email: agent.email });
    const [mail] = await eventually(
      () => outboxFor(agent.email),
      (rows) => rows.length > 0,
    );
    const link = /https:\/\/dealix\.test(\/reset-password\?token=([A-Za-z0-9_-]+))/.exec(mail?.body ?? "");
    expect(link).not.toBeNull();
    const [, path = "", token = ""] = link ?? [];

    const form = await browser.get(path);
    expect(form.status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="reset-page"');
    expect(browser.lastHtml).toContain(`name="token" value="${token}"`);

    const weak = await browser.post("/reset-password", { token, password: "short" });
    expect(weak.status).toBe(422);
    const weakHtml = await weak.text();
    expect(weakHtml).toContain('id="password-error"');
    expect(weakHtml).toContain(escaped(ar.auth.errors.password));
    const unused = await env.DB.prepare("SELECT used_at FROM password_resets WHERE user_id = ?")
      .bind(agent.userId)
      .first<{ used_at: number | null }>();
    expect(unused?.used_at).toBeNull();

    const newPassword = "a brand new passphrase for riyadh";
    const res = await browser.post("/reset-password", { token, password: newPassword });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?reset=1");
    const login = await browser.follow(res);
    expect(login.status).toBe(200);
    expect(browser.lastHtml).toContain('role="status"');
    expect(browser.lastHtml).toContain(escaped(ar.auth.resetDone));

    // The reset ended the session that existed before it.
    const family = await env.DB.prepare("SELECT revoked_reason FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first<{ revoked_reason: string | null }>();
    expect(family?.revoked_reason).toBe("password_reset");

    const old = await browser.post("/login", { email: agent.email, password: PASSWORD });
    expect(old.status).toBe(401);
    const fresh = await browser.post("/login", { email: agent.email, password: newPassword });
    expect(fresh.status).toBe(303);
    expect(fresh.headers.get("Location")).toBe("/account");

    await browser.get(path);
    const reused = await browser.post("/reset-password", { token, password: "yet another passphrase here" });
    expect(reused.status).toBe(422);
    const reusedHtml = await reused.text();
    expect(reusedHtml).toContain('role="alert"');
    expect(reusedHtml).toContain(escaped(ar.auth.errors.invalidLink));
    const stillNew = await browser.post("/login", {
      email: agent.email,
      password: "yet another passphrase here",
    });
    expect(stillNew.status).toBe(401);
  });

  it("shows the invalid-link message for a made-up token", async () => {
    const browser = await browserOn("/reset-password?token=made-up-token-0123456789");
    const res = await browser.post("/reset-password", {
      token: "made-up-token-0123456789",
      password: "a perfectly good passphrase",
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(escaped(ar.auth.errors.invalidLink));
  });
});

describe("sign-in pages when already signed in", () => {
  it("send the visitor on instead of showing the forms again", async () => {
    const { owner } = await createTenant();
    const browser = new TestBrowser({
      "__Host-dlx_at": owner.accessToken,
      "__Host-dlx_rt": owner.refreshToken,
    });
    const login = await browser.get("/login?next=/team");
    expect(login.status).toBe(303);
    expect(login.headers.get("Location")).toBe("/team");
    const signup = await browser.get("/signup");
    expect(signup.headers.get("Location")).toBe("/account");
    expect((await new TestBrowser().get("/login")).status).toBe(200);
  });
});
