import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser";
import { call, callCountingD1, countRows } from "../test/helpers";
import { LOCALE_COOKIE } from "./i18n";
import { CSRF_COOKIE } from "./session/cookies";

/** Loads the landing page (for its CSRF token), then posts the early-access form. */
async function form(fields: Record<string, string>, options: { origin?: string; lang?: string } = {}) {
  const browser = new TestBrowser(options.lang ? { lang: options.lang } : {});
  await browser.get("/");
  return browser.post("/early-access", fields, options.origin ? { origin: options.origin } : {});
}

const validFields = {
  name: "نورة",
  company: "عقارات الرياض",
  phone: "٠٥٥١٢٣٤٥٦٧",
  email: "",
  businessType: "real_estate",
  consent: "yes",
};

describe("landing page", () => {
  it("is Arabic and right-to-left by default", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html; charset=UTF-8/i);
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain("ديلكس");
    expect(html).toContain('data-testid="lang-switch"');
    expect(html).toContain('href="/assets/app.css"');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });

  it("is English and left-to-right with the lang=en cookie", async () => {
    const html = await (await call("/", { headers: { Cookie: "lang=en" } })).text();
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain("Request early access");
  });

  it("falls back to Arabic for an unknown lang cookie", async () => {
    const html = await (await call("/", { headers: { Cookie: "lang=fr" } })).text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
  });
});

describe("language switch", () => {
  const switchTo = async (to: string, back: string, origin?: string) => {
    const browser = new TestBrowser();
    await browser.get("/");
    return browser.post("/lang", { to, back }, origin ? { origin } : {});
  };

  it("sets a long-lived HttpOnly cookie and returns to the page", async () => {
    const res = await switchTo("en", "/docs");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/docs");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("lang=")) ?? "";
    expect(cookie).toMatch(/^lang=en;/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Secure"); // the test origin is https
    expect(cookie).toMatch(/Max-Age=31536000/);
  });

  it.each(["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"])(
    "never redirects off-site (back=%s)",
    async (back) => {
      const res = await switchTo("ar", back);
      expect(res.headers.get("Location")).toBe("/");
    },
  );

  it("rejects a cross-site form post", async () => {
    const res = await switchTo("en", "/", "https://evil.example");
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("lang="))).toBe(false);
  });

  it("explains a rejected form in the page's language instead of a bare error", async () => {
    const browser = new TestBrowser({ lang: "en" });
    await browser.get("/");
    const res = await browser.post("/lang", { to: "ar", back: "/" }, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("The form expired or was sent from another site");
  });

  it("rejects a same-site post without the CSRF token", async () => {
    const browser = new TestBrowser();
    await browser.get("/");
    const res = await browser.post("/lang", { to: "en", back: "/" }, { csrf: "forged" });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("lang="))).toBe(false);
  });
});

describe("early-access form", () => {
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM early_access_requests");
  });

  it("stores a valid request and redirects to the thanks page", async () => {
    const res = await form(validFields);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/early-access/thanks");
    const row = await env.DB.prepare("SELECT phone, locale, email FROM early_access_requests").first();
    expect(row).toEqual({ phone: "+966551234567", locale: "ar", email: null });
    const thanks = await call("/early-access/thanks", { headers: { Cookie: "lang=en" } });
    expect(await thanks.text()).toContain("We have your request");
  });

  it("re-renders the form with messages and the typed values, escaped, and stores nothing", async () => {
    const res = await form(
      { ...validFields, name: '<script>alert("x")</script>', phone: "123", consent: "" },
      { lang: "en" },
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("Enter a valid mobile number");
    expect(html).toContain("We need your consent");
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).toContain("&lt;script&gt;");
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("shows the error page with 429 once a phone has asked 3 times in the hour, and stores nothing more", async () => {
    const fields = { ...validFields, phone: "0557001122" };
    for (let i = 0; i < 3; i++) expect((await form(fields)).status).toBe(303);
    const limited = await form(fields, { lang: "en" });
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('data-testid="error-page"');
    expect(await countRows("early_access_requests")).toBe(1);
  });

  it("rejects a cross-site post and stores nothing", async () => {
    const res = await form(validFields, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await countRows("early_access_requests")).toBe(0);
  });
});

describe("forms", () => {
  it.each([
    "/",
    "/signup",
    "/login",
    "/login/whatsapp",
    "/forgot-password",
    "/reset-password?token=x",
    "/docs",
  ])("every post form on %s carries the CSRF token", async (path) => {
    const html = await (await call(path)).text();
    const forms = html.match(/<form[^>]*method="post"[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBeGreaterThan(0);
    for (const form of forms) expect(form).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{43}"/);
  });
});

describe("API docs", () => {
  it("serves /docs with Swagger UI from our own assets, no CDN", async () => {
    const html = await (await call("/docs")).text();
    expect(html).toContain('src="/vendor/swagger-ui/swagger-ui-bundle.js"');
    expect(html).toContain('src="/assets/docs.js"');
    expect(html).not.toMatch(/https?:\/\/(?!dealix)/);
    const bundle = await call("/vendor/swagger-ui/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    await bundle.body?.cancel();
  });
});

describe("pages for anonymous visitors", () => {
  // Without a session cookie there is nobody to look up: these must not touch D1 at all.
  const anonymousPages = [
    ["/", 200],
    ["/no-such-page", 404],
    ["/login", 200],
    ["/login?next=%2Fteam", 200],
    ["/login/whatsapp", 200],
    ["/signup", 200],
    ["/forgot-password", 200],
    ["/reset-password?token=abcdefghijklmnopqrstuvwxyz", 200],
    ["/early-access/thanks", 200],
    ["/docs", 200],
    ["/account", 303],
    ["/team", 303],
  ] as const;

  it.each(anonymousPages)("GET %s costs no D1 query", async (path, status) => {
    // A returning visitor's language and CSRF cookies are not a session either.
    const { res, d1RoundTrips } = await callCountingD1(path, {
      headers: { Cookie: `${LOCALE_COOKIE}=en; ${CSRF_COOKIE}=${"c".repeat(43)}` },
    });
    expect(res.status).toBe(status);
    expect(d1RoundTrips).toBe(0);
  });

  it("counts the queries of a page that does need data (the counter works)", async () => {
    const { res, d1RoundTrips } = await callCountingD1(`/invitations/${"x".repeat(43)}`);
    expect(res.status).toBe(404);
    expect(d1RoundTrips).toBeGreaterThanOrEqual(1);
  });
});
