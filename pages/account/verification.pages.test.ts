// The account page shows what is verified and lets the person prove or change their email and
// phone with plain forms (no JavaScript), in Arabic and English.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import {
  type Actor,
  createMember,
  createTenant,
  latestCodeSentTo,
  latestEmailLinkTokenSentTo,
  uniquePhone,
} from "../../test/fixtures";
import { escaped, postJson, uniqueEmail } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

async function signedIn(member: Actor, cookies: Record<string, string> = {}) {
  const browser = new TestBrowser({
    "__Host-dlx_at": member.accessToken,
    "__Host-dlx_rt": member.refreshToken,
    ...cookies,
  });
  const res = await browser.get("/account");
  expect(res.status).toBe(200);
  return browser;
}

const userRow = (id: string) =>
  env.DB.prepare("SELECT email, email_verified_at, phone, phone_verified_at FROM users WHERE id = ?")
    .bind(id)
    .first<{
      email: string;
      email_verified_at: number | null;
      phone: string | null;
      phone_verified_at: number | null;
    }>();

const badge = (html: string, name: "email" | "phone") =>
  new RegExp(`data-testid="${name}-status" data-verified="(true|false)">([^<]+)<`).exec(html)?.slice(1, 3);

describe("account page: verified and unverified", () => {
  it("shows a badge for each, in Arabic and in English", async () => {
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent", { phone: uniquePhone() });
    await env.DB.prepare("UPDATE users SET phone_verified_at = NULL WHERE id = ?").bind(member.userId).run();

    const arabic = (await signedIn(member)).lastHtml;
    expect(badge(arabic, "email")).toEqual(["true", ar.account.verified]);
    expect(badge(arabic, "phone")).toEqual(["false", ar.account.unverified]);
    expect(arabic).toContain(escaped(ar.account.phoneUnverifiedHint));
    // The unverified phone gets the code form and a resend button, with no script needed.
    expect(arabic).toContain('data-testid="phone-code-form"');
    expect(arabic).toContain(`name="phone" value="${member.phone}"`);
    expect(arabic).not.toContain("<script");

    const english = (await signedIn(member, { lang: "en" })).lastHtml;
    expect(badge(english, "email")).toEqual(["true", en.account.verified]);
    expect(badge(english, "phone")).toEqual(["false", en.account.unverified]);
  });

  it("offers to add a phone when there is none, and a link for an unverified email", async () => {
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent", { unverified: true });
    const html = (await signedIn(member)).lastHtml;
    expect(badge(html, "email")).toEqual(["false", ar.account.unverified]);
    expect(html).toContain(escaped(ar.account.noPhone));
    expect(html).toContain(escaped(ar.account.addPhone));
    expect(html).toContain(`<input type="hidden" name="email" value="${member.email}"/>`);
    expect(html).not.toContain('data-testid="phone-code-form"');
  });
});

describe("account page: proving a phone", () => {
  it("sends a code to a new number, then confirms it: the number and its badge change", async () => {
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent");
    const browser = await signedIn(member);
    const phone = uniquePhone();

    const sent = await browser.post("/account/phone/verification", { phone: phone.replace("+966", "0") });
    expect(sent.status).toBe(200);
    expect(browser.lastHtml).toContain(escaped(ar.account.codeSent));
    expect(browser.lastHtml).toContain(`name="phone" value="${phone}"`);
    expect(await userRow(member.userId)).toMatchObject({ phone: null });

    const code = await latestCodeSentTo(phone);
    const wrong = await browser.post("/account/phone/verify", {
      phone,
      code: code === "000000" ? "111111" : "000000",
    });
    expect(wrong.status).toBe(422);
    expect(browser.lastHtml).toContain(escaped(ar.account.errors.invalidCode));
    expect(browser.lastHtml).toContain(`name="phone" value="${phone}"`);

    const res = await browser.post("/account/phone/verify", { phone, code });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account?done=phone-verified");
    const page = await browser.follow(res);
    expect(page.status).toBe(200);
    expect(badge(browser.lastHtml, "phone")).toEqual(["true", ar.account.verified]);
    expect(browser.lastHtml).toContain(escaped(ar.account.phoneVerified));
    expect(await userRow(member.userId)).toMatchObject({ phone, phone_verified_at: expect.any(Number) });
  });

  it("says a number verified on another account is taken (409), and a malformed one is invalid (422)", async () => {
    const { tenantId } = await createTenant();
    const holder = await createMember(tenantId, "agent", { phone: uniquePhone() });
    const member = await createMember(tenantId, "agent");
    const browser = await signedIn(member);
    const taken = await browser.post("/account/phone/verification", { phone: holder.phone ?? "" });
    expect(taken.status).toBe(409);
    expect(browser.lastHtml).toContain(escaped(ar.account.errors.taken));
    const malformed = await browser.post("/account/phone/verification", { phone: "12" });
    expect(malformed.status).toBe(422);
    expect(browser.lastHtml).toContain('id="phone-error"');
    expect(browser.lastHtml).toContain(escaped(ar.account.errors.phone));
  });

  it("refuses a form from another site", async () => {
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent");
    const browser = await signedIn(member);
    const res = await browser.post(
      "/account/phone/verification",
      { phone: uniquePhone() },
      { csrf: "A".repeat(43) },
    );
    expect(res.status).toBe(403);
  });
});

describe("account page: proving an email", () => {
  it("emails a link to a new address; the link opens a confirm button; confirming changes the sign-in email", async () => {
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent");
    const browser = await signedIn(member);
    const email = uniqueEmail("new");
    const sent = await browser.post("/account/email/verification", { email });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("Location")).toBe("/account?done=email-sent");
    await browser.follow(sent);
    expect(browser.lastHtml).toContain(escaped(ar.account.linkSent));

    const token = await latestEmailLinkTokenSentTo(email);
    const confirmPage = await browser.get(`/account/email/verify?token=${token}`);
    expect(confirmPage.status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="confirm-email-page"');
    // Opening the link changes nothing by itself.
    expect(await userRow(member.userId)).toMatchObject({ email: member.email });

    const res = await browser.post("/account/email/verify", { token });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account?done=email-verified");
    await browser.follow(res);
    expect(browser.lastHtml).toContain(escaped(ar.account.emailVerified));
    expect(browser.lastHtml).toContain(email);
    expect(await userRow(member.userId)).toMatchObject({ email, email_verified_at: expect.any(Number) });
  });

  it("sends a signed-out visitor to sign in and back to the link, token included", async () => {
    const res = await new TestBrowser().get("/account/email/verify?token=abc_DEF-123");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(
      `/login?next=${encodeURIComponent("/account/email/verify?token=abc_DEF-123")}`,
    );
  });

  it("refuses a link sent for another account (422) and changes nothing", async () => {
    const { tenantId } = await createTenant();
    const owner = await createMember(tenantId, "agent", { unverified: true });
    const other = await createMember(tenantId, "agent", { unverified: true });
    expect(
      (
        await postJson(
          "/api/v1/auth/email/verification",
          { email: owner.email },
          { ...owner.auth, "CF-Connecting-IP": "192.0.2.80" },
        )
      ).status,
    ).toBe(202);
    const token = await latestEmailLinkTokenSentTo(owner.email);
    const browser = await signedIn(other);
    const res = await browser.post("/account/email/verify", { token });
    expect(res.status).toBe(422);
    expect(browser.lastHtml).toContain(escaped(ar.account.errors.invalidLink));
    expect(await userRow(other.userId)).toMatchObject({ email: other.email, email_verified_at: null });
    expect(await userRow(owner.userId)).toMatchObject({ email_verified_at: null });
  });
});

describe("invitation page: an unverified match", () => {
  it("asks the signed-in invitee to verify first, in their language (403)", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const invitee = await createMember(b.tenantId, "agent", { unverified: true });
    const created = await postJson(
      "/api/v1/invitations",
      { email: invitee.email, role: "agent" },
      a.owner.auth,
    );
    const { acceptUrl } = (await created.json()) as { acceptUrl: string };
    const path = new URL(acceptUrl).pathname;
    const browser = await signedIn(invitee, { lang: "en" });
    await browser.get(path);
    const res = await browser.post(path, {});
    expect(res.status).toBe(403);
    expect(browser.lastHtml).toContain(escaped(en.invitation.verifyFirst));
  });
});
