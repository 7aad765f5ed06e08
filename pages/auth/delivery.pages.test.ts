import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BREAKER_POLICIES, throughBreaker } from "../../src/platform/circuit-breaker";
import { TestBrowser } from "../../test/browser";
import { type Actor, createMember, createTenant, PASSWORD, uniquePhone } from "../../test/fixtures";
import { escaped, uniqueEmail } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { ar } from "../i18n/ar";

// The pages say what happened to a code, link or invitation when the providers are configured
// (src/outbox/delivery.test.ts covers the API answers and the requests themselves).
const PROVIDERS = {
  PLATFORM_WHATSAPP_PHONE_NUMBER_ID: "100000000000007",
  PLATFORM_WHATSAPP_ACCESS_TOKEN: "platform-whatsapp-token",
  RESEND_API_KEY: "re_test_pages",
  EMAIL_FROM: "Dealix <no-reply@mail.dealix.test>",
};
const GRAPH = `https://graph.facebook.com/v23.0/${PROVIDERS.PLATFORM_WHATSAPP_PHONE_NUMBER_ID}/messages`;

let ipCounter = 0;
const browser = (cookies: Record<string, string> = {}) =>
  new TestBrowser(cookies, `198.51.100.${(ipCounter++ % 200) + 20}`, PROVIDERS);
const signedIn = (actor: Actor) =>
  browser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken });

let errors: ReturnType<typeof vi.spyOn>;
beforeEach(async () => {
  for (const name of ["email", "whatsapp"] as const) {
    await runInDurableObject(env.CIRCUIT_BREAKER.getByName(name), (_, state) => state.storage.deleteAll());
  }
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => errors.mockRestore());

const failingProviders = () =>
  network.use(
    http.post(GRAPH, () =>
      HttpResponse.json({ error: { code: 2, message: "unavailable" } }, { status: 503 }),
    ),
    http.post("https://api.resend.com/emails", () =>
      HttpResponse.json({ statusCode: 500, name: "application_error", message: "oops" }, { status: 500 }),
    ),
  );

describe("pages when a message could not be sent", () => {
  it("the WhatsApp sign-in page says codes cannot be sent while WhatsApp is down", async () => {
    for (let i = 0; i < BREAKER_POLICIES.whatsapp.failureThreshold; i++) {
      await throughBreaker(env.CIRCUIT_BREAKER, "whatsapp", async () => {
        throw new Error("HTTP 503");
      }).catch(() => undefined);
    }
    const page = browser();
    expect((await page.get("/login/whatsapp")).status).toBe(200);
    const res = await page.post("/login/whatsapp", { phone: "0552220000" });
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain(escaped(ar.auth.errors.codesUnavailable));
    expect(html).not.toContain('data-testid="otp-code-page"');
  });

  it("the account page says the phone code was not sent", async () => {
    failingProviders();
    const { agent } = await createTenant();
    const page = signedIn(agent);
    expect((await page.get("/account")).status).toBe(200);
    const res = await page.post("/account/phone/verification", { phone: uniquePhone() });
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain(escaped(ar.account.errors.notSent));
    expect(html).not.toContain(escaped(ar.account.codeSent));
  });

  it("sign-up says the account is ready but the code did not go out", async () => {
    failingProviders();
    const page = browser();
    expect((await page.get("/signup")).status).toBe(200);
    const res = await page.post("/signup", {
      company: "عقارات الرياض",
      name: "Noura",
      email: uniqueEmail("owner"),
      phone: uniquePhone().replace("+966", "0"),
      password: PASSWORD,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account?done=phone-not-sent");
    const html = await (await page.follow(res)).text();
    expect(html).toContain(escaped(ar.account.codeNotSent));
  });

  it("the team page says the invitation was not sent, and gives the link to share", async () => {
    failingProviders();
    const { tenantId } = await createTenant();
    const manager = await createMember(tenantId, "manager");
    const page = signedIn(manager);
    expect((await page.get("/team")).status).toBe(200);
    const res = await page.post("/team/invitations", {
      email: uniqueEmail("invitee"),
      phone: "",
      role: "agent",
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(escaped(ar.team.inviteNotSent));
    expect(html).not.toContain(escaped(ar.team.inviteSent));
    expect(html).toMatch(/data-testid="invite-link">\s*https:\/\/dealix\.test\/invitations\//);
  });
});
