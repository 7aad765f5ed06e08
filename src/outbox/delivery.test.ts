import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMember, createTenant, freshIp, uniquePhone } from "../../test/fixtures";
import { callWithEnv, countRows, expectProblem, uniqueEmail } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { dbFor } from "../db/client";
import { type Bindings, loadConfig } from "../env";
import { BREAKER_POLICIES, breakerStatuses, throughBreaker } from "../platform/circuit-breaker";
import { type DeliveryContext, deliver, emailHtml, type OutboundMessage } from "./outbox.service";

const RESEND = "https://api.resend.com/emails";
const PHONE_NUMBER_ID = "100000000000009";
const GRAPH = `https://graph.facebook.com/v23.0/${PHONE_NUMBER_ID}/messages`;

/** Both identity channels configured, as production is. */
const PROVIDERS = {
  PLATFORM_WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
  PLATFORM_WHATSAPP_ACCESS_TOKEN: "platform-whatsapp-token",
  RESEND_API_KEY: "re_test_0123456789",
  EMAIL_FROM: "Dealix <no-reply@mail.dealix.test>",
} satisfies Partial<Bindings>;

const withProviders = (): DeliveryContext => ({
  db: dbFor(env.DB),
  config: loadConfig({ ...env, ...PROVIDERS } as Bindings),
  env,
});

const email = (recipient = uniqueEmail("reset")): OutboundMessage => ({
  channel: "email",
  recipient,
  locale: "ar",
  subject: "إعادة تعيين كلمة المرور في ديلكس",
  body: "لإعادة تعيين كلمة المرور افتح الرابط التالي خلال ساعة:\nhttps://dealix.test/reset-password?token=a&b=1",
});

const code = (recipient: string, value = "482913"): OutboundMessage => ({
  channel: "whatsapp",
  recipient,
  locale: "en",
  body: `Your Dealix sign-in code: ${value}`,
  template: { kind: "code", code: value },
});

let errors: ReturnType<typeof vi.spyOn>;

beforeEach(async () => {
  for (const name of ["email", "whatsapp"] as const) {
    await runInDurableObject(env.CIRCUIT_BREAKER.getByName(name), (_, state) => state.storage.deleteAll());
  }
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => errors.mockRestore());

const logged = () => errors.mock.calls.map((args: unknown[]) => String(args[0])).join("\n");

/** A request as the provider received it. */
interface Received {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
}

/** Answers every request to `url` with `status` and `answer`, keeping what it received. */
function answers(url: string, status: number, answer: Record<string, unknown>) {
  const received: Received[] = [];
  network.use(
    http.post(url, async ({ request }) => {
      received.push({
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: await request.json(),
      });
      return HttpResponse.json(answer, { status });
    }),
  );
  return received;
}
const resendAnswers = (status: number, answer: Record<string, unknown>) => answers(RESEND, status, answer);
const graphAnswers = (status: number, answer: Record<string, unknown>) => answers(GRAPH, status, answer);

const breakerState = async (name: "email" | "whatsapp") =>
  (await breakerStatuses(env.CIRCUIT_BREAKER)).find((status) => status.name === name)?.state;

describe("e-mail through Resend", () => {
  it("sends exactly the documented request and reports the message id", async () => {
    const requests = resendAnswers(200, { id: "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" });
    const message = email();
    const delivery = await deliver(withProviders(), message);
    expect(delivery).toEqual({ status: "sent", providerMessageId: "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" });
    expect(requests).toHaveLength(1);
    const [request] = requests as [Received];
    expect(request.url).toBe(RESEND);
    expect(request.method).toBe("POST");
    expect(request.headers.get("Authorization")).toBe("Bearer re_test_0123456789");
    expect(request.headers.get("Content-Type")).toBe("application/json");
    expect(request.headers.get("Idempotency-Key")).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(request.body).toEqual({
      from: "Dealix <no-reply@mail.dealix.test>",
      to: [message.recipient],
      subject: "إعادة تعيين كلمة المرور في ديلكس",
      text: message.body,
      html: emailHtml(message.body, "ar"),
    });
    // Sent by the provider, so nothing goes to the dev outbox.
    expect(await countRows("outbox_messages")).toBe(0);
  });

  it("writes the HTML part escaped, in the reader's direction, with the link clickable", () => {
    const html = emailHtml("Hello <b>\n\nOpen https://dealix.test/x?a=1&b=2 now", "en");
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain('<p dir="auto">Hello &lt;b&gt;</p>');
    expect(html).toContain(
      '<a href="https://dealix.test/x?a=1&amp;b=2">https://dealix.test/x?a=1&amp;b=2</a>',
    );
    expect(emailHtml("مرحبا", "ar")).toContain('<html lang="ar" dir="rtl">');
  });

  it("maps a 4xx to a refusal that is not retried, logging the code but not the address", async () => {
    const requests = resendAnswers(422, {
      statusCode: 422,
      name: "validation_error",
      message: "Invalid `to` field.",
    });
    const message = email();
    expect(await deliver(withProviders(), message)).toEqual({
      status: "failed",
      reason: "refused_422_validation_error",
    });
    expect(requests).toHaveLength(1);
    expect(logged()).toContain("refused_422_validation_error");
    expect(logged()).not.toContain(message.recipient);
    // A refusal is the request's fault, not the provider's: the breaker stays closed.
    expect(await breakerState("email")).toBe("closed");
  });

  it("counts 429 as a failure of the provider, not a refusal", async () => {
    resendAnswers(429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" });
    expect(await deliver(withProviders(), email())).toEqual({
      status: "failed",
      reason: "provider_unavailable",
    });
    expect(
      (await breakerStatuses(env.CIRCUIT_BREAKER)).find((s) => s.name === "email")?.failuresInWindow,
    ).toBe(1);
  });

  it("opens the email breaker after repeated 5xx, and later calls fail fast without a request", async () => {
    const requests = resendAnswers(500, { statusCode: 500, name: "internal_server_error", message: "oops" });
    for (let i = 0; i < BREAKER_POLICIES.email.failureThreshold; i++) {
      expect(await deliver(withProviders(), email())).toEqual({
        status: "failed",
        reason: "provider_unavailable",
      });
    }
    expect(await breakerState("email")).toBe("open");
    const sentSoFar = requests.length;
    expect(await deliver(withProviders(), email())).toEqual({ status: "failed", reason: "breaker_open" });
    expect(requests).toHaveLength(sentSoFar);
  });
});

describe("WhatsApp through Dealix's own number", () => {
  it("sends a code as the authentication template: the code in the body and the copy-code button", async () => {
    const requests = graphAnswers(200, {
      messaging_product: "whatsapp",
      contacts: [{ input: "966550000001", wa_id: "966550000001" }],
      messages: [{ id: "wamid.HBgM" }],
    });
    const phone = uniquePhone();
    expect(await deliver(withProviders(), code(phone))).toEqual({
      status: "sent",
      providerMessageId: "wamid.HBgM",
    });
    const [request] = requests as [Received];
    expect(request.url).toBe(GRAPH);
    expect(request.headers.get("Authorization")).toBe("Bearer platform-whatsapp-token");
    expect(request.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: phone.slice(1),
      biz_opaque_callback_data: expect.stringMatching(/^msg_/),
      type: "template",
      template: {
        name: "dealix_code",
        language: { code: "en" },
        components: [
          { type: "body", parameters: [{ type: "text", text: "482913" }] },
          { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "482913" }] },
        ],
      },
    });
  });

  it("sends an invitation as the invitation template in the first configured language", async () => {
    const requests = graphAnswers(200, { messages: [{ id: "wamid.INV" }] });
    const ctx = withProviders();
    await deliver(ctx, {
      channel: "whatsapp",
      recipient: uniquePhone(),
      locale: null,
      body: "…",
      template: {
        kind: "invitation",
        workspace: { ar: "عقارات الرياض", en: "Riyadh Realty" },
        role: { ar: "مدير", en: "manager" },
        link: "https://dealix.test/invitations/t",
      },
    });
    expect(requests[0]?.body).toMatchObject({
      template: {
        name: "dealix_invitation",
        language: { code: "ar" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "عقارات الرياض" },
              { type: "text", text: "مدير" },
              { type: "text", text: "https://dealix.test/invitations/t" },
            ],
          },
        ],
      },
    });
  });

  it("reports Meta's refusal with its reason", async () => {
    graphAnswers(404, {
      error: { code: 132001, message: "Template name does not exist in the translation" },
    });
    expect(await deliver(withProviders(), code(uniquePhone()))).toEqual({
      status: "failed",
      reason: "refused_template_not_found",
    });
  });
});

describe("without provider secrets", () => {
  it("writes to the dev outbox in development and test", async () => {
    const ctx = { db: dbFor(env.DB), config: loadConfig(env), env };
    const phone = uniquePhone();
    expect(await deliver(ctx, code(phone, "111222"))).toEqual({ status: "dev_outbox" });
    const row = await env.DB.prepare("SELECT channel, body FROM outbox_messages WHERE recipient = ?")
      .bind(phone)
      .first<{ channel: string; body: string }>();
    expect(row).toEqual({ channel: "whatsapp", body: "Your Dealix sign-in code: 111222" });
  });

  it("is not_configured anywhere else, and writes nothing", async () => {
    const ctx = { db: dbFor(env.DB), config: { ...loadConfig(env), ENVIRONMENT: "production" }, env };
    const before = await countRows("outbox_messages");
    expect(await deliver(ctx, email())).toEqual({ status: "not_configured" });
    expect(await countRows("outbox_messages")).toBe(before);
    expect(logged()).toContain('"status":"not_configured"');
  });
});

describe("callers say what happened", () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    callWithEnv(PROVIDERS, path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...freshIp(), ...headers },
      body: JSON.stringify(body),
    });

  async function openWhatsAppBreaker() {
    for (let i = 0; i < BREAKER_POLICIES.whatsapp.failureThreshold; i++) {
      await throughBreaker(env.CIRCUIT_BREAKER, "whatsapp", async () => {
        throw new Error("HTTP 503");
      }).catch(() => undefined);
    }
    expect(await breakerState("whatsapp")).toBe("open");
  }

  it("WhatsApp sign-in code: 202 and the authentication template when WhatsApp works", async () => {
    const { tenantId } = await createTenant();
    const phone = uniquePhone();
    await createMember(tenantId, "agent", { phone });
    const requests = graphAnswers(200, { messages: [{ id: "wamid.OTP" }] });
    const res = await post("/api/v1/auth/otp/request", { phone });
    expect(res.status).toBe(202);
    expect(requests).toHaveLength(1);
    const body = requests[0]?.body as { to: string; template: { name: string } };
    expect(body.to).toBe(phone.slice(1));
    expect(body.template.name).toBe("dealix_code");
  });

  it("WhatsApp sign-in code: 503 for known and unknown phones alike while WhatsApp is down", async () => {
    const { tenantId } = await createTenant();
    const known = uniquePhone();
    await createMember(tenantId, "agent", { phone: known });
    const requests = graphAnswers(200, { messages: [{ id: "wamid.never" }] });
    await openWhatsAppBreaker();
    const codesBefore = await countRows("otp_codes");
    for (const phone of [known, uniquePhone()]) {
      const problem = await expectProblem(
        await post("/api/v1/auth/otp/request", { phone }),
        503,
        "UNAVAILABLE",
      );
      expect(problem.detail).toMatch(/cannot send WhatsApp codes/);
    }
    expect(requests).toHaveLength(0);
    expect(await countRows("otp_codes")).toBe(codesBefore);
  });

  it("WhatsApp sign-in code: a send that fails after the 202 is reported, not hidden", async () => {
    const { tenantId } = await createTenant();
    const phone = uniquePhone();
    await createMember(tenantId, "agent", { phone });
    graphAnswers(500, { error: { code: 1, message: "temporarily unavailable" } });
    expect((await post("/api/v1/auth/otp/request", { phone })).status).toBe(202);
    expect(logged()).toContain("DeliveryFailedError");
    expect(logged()).toContain("whatsapp delivery failed: provider_unavailable");
    expect(logged()).not.toContain(phone.slice(1));
  });

  it("phone verification: 503 when the code could not be sent", async () => {
    const { agent } = await createTenant();
    graphAnswers(500, { error: { code: 2, message: "service unavailable" } });
    const res = await post("/api/v1/auth/phone/verification", { phone: uniquePhone() }, agent.auth);
    const problem = await expectProblem(res, 503, "UNAVAILABLE");
    expect(problem.detail).toMatch(/could not send the WhatsApp code/);
  });

  it("email verification: 503 when Resend refuses, 202 when it sends", async () => {
    const { agent } = await createTenant();
    resendAnswers(403, { statusCode: 403, name: "validation_error", message: "domain is not verified" });
    await expectProblem(
      await post("/api/v1/auth/email/verification", { email: uniqueEmail("new") }, agent.auth),
      503,
      "UNAVAILABLE",
    );
    network.resetHandlers();
    const requests = resendAnswers(200, { id: "re-1" });
    const res = await post("/api/v1/auth/email/verification", { email: uniqueEmail("new") }, agent.auth);
    expect(res.status).toBe(202);
    expect(requests).toHaveLength(1);
  });

  it("invitation: created with delivered false and the link to share when the e-mail did not go out", async () => {
    const { owner, tenantId } = await createTenant();
    resendAnswers(500, { statusCode: 500, name: "application_error", message: "oops" });
    const res = await post(
      "/api/v1/invitations",
      { email: uniqueEmail("invitee"), role: "agent" },
      owner.auth,
    );
    expect(res.status).toBe(201);
    const created = (await res.json()) as {
      delivered: boolean;
      acceptUrl: string;
      invitation: { id: string };
    };
    expect(created.delivered).toBe(false);
    expect(created.acceptUrl).toMatch(/^https:\/\/dealix\.test\/invitations\//);
    const stored = await env.DB.prepare("SELECT tenant_id FROM invitations WHERE id = ?")
      .bind(created.invitation.id)
      .first<{ tenant_id: string }>();
    expect(stored?.tenant_id).toBe(tenantId);
  });

  it("invitation by phone: the invitation template, and delivered true once Meta took it", async () => {
    const { owner } = await createTenant("Riyadh Realty");
    const requests = graphAnswers(200, { messages: [{ id: "wamid.INV2" }] });
    const res = await post("/api/v1/invitations", { phone: uniquePhone(), role: "agent" }, owner.auth);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { delivered: boolean }).delivered).toBe(true);
    const body = requests[0]?.body as { template: { name: string } };
    expect(body.template.name).toBe("dealix_invitation");
  });

  it("forgot password: the same 202 when the e-mail fails, and the failure reported", async () => {
    const { owner } = await createTenant();
    resendAnswers(500, { statusCode: 500, name: "application_error", message: "oops" });
    const known = await post("/api/v1/auth/password/forgot", { email: owner.email });
    const unknown = await post("/api/v1/auth/password/forgot", { email: uniqueEmail("nobody") });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(await known.json()).toEqual(await unknown.json());
    expect(logged()).toContain("email delivery failed: provider_unavailable");
    expect(logged()).not.toContain(owner.email);
  });
});
