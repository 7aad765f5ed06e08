import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CHALLENGE_COOKIE, OPERATOR_COOKIE } from "../../src/admin/operator-session";
import { TestBrowser } from "../../test/browser";
import { createOperator, createTenant, latestCodeSentTo, PASSWORD } from "../../test/fixtures";
import { call, escaped, setCookieFor } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

let ipCounter = 0;
/** A browser on the operator sign-in page, posting from its own IP (per-IP limits stay apart). */
async function operatorBrowser(cookies: Record<string, string> = {}) {
  const browser = new TestBrowser(cookies, `192.0.2.${++ipCounter}`);
  expect((await browser.get("/admin/login")).status).toBe(200);
  return browser;
}

async function operatorAudit(operatorId: string) {
  const { results } = await env.DB.prepare(
    "SELECT action, details FROM operator_audit_events WHERE operator_id = ? ORDER BY created_at, rowid",
  )
    .bind(operatorId)
    .all<{ action: string; details: string | null }>();
  return results.map((row) => ({
    action: row.action,
    details: row.details ? JSON.parse(row.details) : null,
  }));
}

/** Signs `operator` in through both pages; returns the browser on the console page. */
async function signIn(operator: { email: string; phone: string | null }) {
  const browser = await operatorBrowser();
  const step1 = await browser.post("/admin/login", { email: operator.email, password: PASSWORD });
  expect(step1.status).toBe(303);
  expect(step1.headers.get("Location")).toBe("/admin/login/code?via=whatsapp");
  expect(browser.cookie(CHALLENGE_COOKIE)).toBeDefined();
  expect((await browser.follow(step1)).status).toBe(200);
  const code = await latestCodeSentTo(operator.phone ?? "");
  expect(code).toMatch(/^\d{6}$/);
  const step2 = await browser.post("/admin/login/code?via=whatsapp", { code });
  expect(step2.status).toBe(303);
  expect(step2.headers.get("Location")).toBe("/admin");
  return { browser, step2, code };
}

describe("operator sign-in", () => {
  it("is an Arabic right-to-left form by default, English with lang=en", async () => {
    const html = await (await call("/admin/login")).text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(escaped(ar.admin.loginTitle));
    expect(html).toMatch(/<form method="post" action="\/admin\/login"/);
    const english = await (await call("/admin/login", { headers: { Cookie: "lang=en" } })).text();
    expect(english).toContain('<html lang="en" dir="ltr">');
    expect(english).toContain(en.admin.loginTitle);
  });

  it("takes a password and a WhatsApp code, then opens the console on an operator session", async () => {
    const operator = await createOperator();
    const { browser, step2 } = await signIn(operator);
    const header = setCookieFor(step2, OPERATOR_COOKIE) ?? "";
    const attributes = header.split(";").map((part) => part.trim());
    expect(attributes).toEqual(expect.arrayContaining(["HttpOnly", "Secure", "SameSite=Strict", "Path=/"]));
    expect(attributes).toContain(`Max-Age=${8 * 60 * 60}`);
    expect(browser.cookie(CHALLENGE_COOKIE)).toBeUndefined();
    // No tenant session came with it.
    expect(browser.cookie("__Host-dlx_at")).toBeUndefined();

    const page = await browser.get("/admin");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="operator-console"');
    expect(html).toContain("Dealix Operator");
    expect(html).toContain(escaped(ar.admin.dlq));
    expect(html).toContain('href="/admin/dead-letters"');
    expect(html).toContain('href="/admin/breakers"');
    expect(html).toContain('action="/admin/logout"');

    const sessions = await env.DB.prepare(
      "SELECT created_at, expires_at, ended_at FROM operator_sessions WHERE user_id = ? ORDER BY created_at",
    )
      .bind(operator.userId)
      .all<{ created_at: number; expires_at: number; ended_at: number | null }>();
    const created = sessions.results.at(-1);
    expect(created?.expires_at).toBe((created?.created_at ?? 0) + 8 * 60 * 60 * 1000);
    expect((await operatorAudit(operator.userId)).map((event) => event.action)).toEqual([
      "operator.code_sent",
      "operator.signed_in",
    ]);
    expect((await operatorAudit(operator.userId))[0]?.details).toEqual({ channel: "whatsapp" });
    // Nothing of it is in the tenant audit log.
    const tenantRows = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE actor_id = ? OR target_id = ?",
    )
      .bind(operator.userId, operator.userId)
      .first<{ n: number }>();
    expect(tenantRows?.n).toBe(0);
  });

  it("sends the code by email when the operator has no verified phone", async () => {
    const operator = await createOperator({ phone: null });
    const browser = await operatorBrowser();
    const res = await browser.post("/admin/login", { email: operator.email, password: PASSWORD });
    expect(res.headers.get("Location")).toBe("/admin/login/code?via=email");
    const code = await latestCodeSentTo(operator.email);
    expect(code).toMatch(/^\d{6}$/);
    expect((await browser.post("/admin/login/code?via=email", { code })).headers.get("Location")).toBe(
      "/admin",
    );
  });

  it("refuses a wrong password, a tenant owner and an unknown email alike, and sends no code", async () => {
    const operator = await createOperator();
    const { owner } = await createTenant();
    const browser = await operatorBrowser();
    const attempts = [
      { email: operator.email, password: "not the password at all" },
      { email: owner.email, password: PASSWORD },
      { email: "nobody@dealix.test", password: PASSWORD },
    ];
    for (const attempt of attempts) {
      const res = await browser.post("/admin/login", attempt);
      expect(res.status).toBe(401);
      expect(await res.text()).toContain(escaped(ar.admin.errors.invalidCredentials));
      expect(browser.cookie(CHALLENGE_COOKIE)).toBeUndefined();
    }
    expect(await latestCodeSentTo(operator.phone ?? "")).toBe("");
    expect(await latestCodeSentTo(owner.email)).toBe("");
    expect(await operatorAudit(operator.userId)).toEqual([
      { action: "operator.sign_in_failed", details: { reason: "wrong_password" } },
    ]);
    const anonymous = await env.DB.prepare(
      "SELECT details FROM operator_audit_events WHERE operator_id IS NULL AND action = 'operator.sign_in_failed'",
    ).all<{ details: string }>();
    expect(anonymous.results.map((row) => JSON.parse(row.details))).toContainEqual({
      reason: "not_an_operator",
    });
  });

  it("refuses wrong codes; after five the challenge is over and even the right code is refused", async () => {
    const operator = await createOperator();
    const browser = await operatorBrowser();
    await browser.post("/admin/login", { email: operator.email, password: PASSWORD });
    const code = await latestCodeSentTo(operator.phone ?? "");
    const wrong = code === "000000" ? "111111" : "000000";
    const refused = await browser.post("/admin/login/code?via=whatsapp", { code: wrong });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain(escaped(ar.admin.errors.invalidCode));
    for (let i = 0; i < 4; i++) await browser.post("/admin/login/code?via=whatsapp", { code: wrong });
    const tooLate = await browser.post("/admin/login/code?via=whatsapp", { code });
    expect(tooLate.status).toBe(401);
    expect(browser.cookie(OPERATOR_COOKIE)).toBeUndefined();
    const reasons = (await operatorAudit(operator.userId))
      .filter((event) => event.action === "operator.code_failed")
      .map((event) => event.details.reason);
    // The sixth try found no live challenge, so it is recorded without an operator.
    expect(reasons).toEqual(Array(5).fill("wrong_code"));
    const consumed = await env.DB.prepare(
      "SELECT consumed_at, attempts FROM operator_challenges WHERE user_id = ?",
    )
      .bind(operator.userId)
      .first<{ consumed_at: number | null; attempts: number }>();
    expect(consumed).toMatchObject({ attempts: 5, consumed_at: expect.any(Number) });
  });

  it("refuses an expired code and a code used once already", async () => {
    const operator = await createOperator();
    const expired = await operatorBrowser();
    await expired.post("/admin/login", { email: operator.email, password: PASSWORD });
    const code = await latestCodeSentTo(operator.phone ?? "");
    await env.DB.prepare("UPDATE operator_challenges SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, operator.userId)
      .run();
    expect((await expired.post("/admin/login/code?via=whatsapp", { code })).status).toBe(401);

    const { browser, code: used } = await signIn(operator);
    const replay = new TestBrowser(
      { [CHALLENGE_COOKIE]: browser.cookie(CHALLENGE_COOKIE) ?? "" },
      "192.0.2.200",
    );
    await replay.get("/admin/login");
    expect((await replay.post("/admin/login/code?via=whatsapp", { code: used })).status).toBe(401);
    expect(replay.cookie(OPERATOR_COOKIE)).toBeUndefined();
  });

  it("needs the browser that passed the password: the code alone, from another browser, is refused", async () => {
    const operator = await createOperator();
    const first = await operatorBrowser();
    await first.post("/admin/login", { email: operator.email, password: PASSWORD });
    const code = await latestCodeSentTo(operator.phone ?? "");
    const other = await operatorBrowser();
    expect((await other.post("/admin/login/code?via=whatsapp", { code })).status).toBe(401);
    expect((await first.post("/admin/login/code?via=whatsapp", { code })).status).toBe(303);
  });

  it("limits password attempts per operator email (429 with Retry-After)", async () => {
    const operator = await createOperator();
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const browser = await operatorBrowser();
      last = await browser.post("/admin/login", { email: operator.email, password: "wrong password here" });
    }
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await last?.text()).toContain(escaped(ar.admin.errors.rateLimited));
  });

  it("refuses a form post from another site", async () => {
    const operator = await createOperator();
    const browser = await operatorBrowser();
    const res = await browser.post(
      "/admin/login",
      { email: operator.email, password: PASSWORD },
      { origin: "https://evil.example" },
    );
    expect(res.status).toBe(403);
    expect(await latestCodeSentTo(operator.phone ?? "")).toBe("");
  });
});

describe("the operator console page", () => {
  it("sends visitors without an operator session to /admin/login, tenant owners included", async () => {
    const anonymous = await call("/admin", { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toBe("/admin/login");
    const { owner } = await createTenant();
    const tenantBrowser = new TestBrowser({
      "__Host-dlx_at": owner.accessToken,
      "__Host-dlx_rt": owner.refreshToken,
    });
    const res = await tenantBrowser.get("/admin");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/admin/login");
  });

  it("ends the session on sign-out, audited, and the cookie opens nothing afterwards", async () => {
    const operator = await createOperator();
    const browser = new TestBrowser(
      { [OPERATOR_COOKIE]: operator.cookie.Cookie.split("=")[1] ?? "" },
      "192.0.2.250",
    );
    expect((await browser.get("/admin")).status).toBe(200);
    const out = await browser.post("/admin/logout", {});
    expect(out.status).toBe(303);
    expect(out.headers.get("Location")).toBe("/admin/login");
    expect(browser.cookie(OPERATOR_COOKIE)).toBeUndefined();
    const row = await env.DB.prepare("SELECT ended_at, ended_reason FROM operator_sessions WHERE id = ?")
      .bind(operator.sessionId)
      .first<{ ended_at: number | null; ended_reason: string }>();
    expect(row?.ended_at).not.toBeNull();
    expect(row?.ended_reason).toBe("signed_out");
    expect((await operatorAudit(operator.userId)).map((event) => event.action)).toEqual([
      "operator.session_ended",
    ]);
    expect((await call("/admin", { headers: operator.cookie, redirect: "manual" })).status).toBe(303);
  });

  it("shows the console in English on a 360 px layout's markup (viewport meta, no fixed widths)", async () => {
    const operator = await createOperator();
    const res = await call("/admin", { headers: { Cookie: `${operator.cookie.Cookie}; lang=en` } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain('content="width=device-width, initial-scale=1"');
    expect(html).toContain(en.admin.circuitBreakers);
    expect(html).toContain(en.admin.signOut);
    expect(html).not.toContain('href="/contacts"');
  });
});
