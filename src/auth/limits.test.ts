// Exact rate limits on account creation, code checks and proving an email or phone (issue 6, 1.4):
// N requests pass, request N+1 is refused with 429 and Retry-After, and the refused one writes nothing.
// Each test sends dozens of requests, hence the longer timeout.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD, putOnPlan, uniquePhone } from "../../test/fixtures";
import { countRows, expectProblem, postJson, uniqueEmail } from "../../test/helpers";
import { RATE_LIMITS } from "../platform/rate-limit";

const signupBody = (email = uniqueEmail("owner")) => ({
  company: "عقارات الحد",
  name: "Noura",
  email,
  password: PASSWORD,
});

async function expectLimited(res: Response) {
  await expectProblem(res, 429, "RATE_LIMITED");
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
}

/** Sends `count` requests, asserting each status, then returns the next one's response. */
async function spend(count: number, expected: number, send: (i: number) => Promise<Response>) {
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    const res = await send(i);
    expect(res.status, `request ${i + 1} of ${count}`).toBe(expected);
    await res.body?.cancel();
  }
  return send(count);
}

function pick<T>(list: T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

async function invitationToken(auth: { Authorization: string }, body: Record<string, unknown>) {
  const res = await postJson("/api/v1/invitations", body, auth);
  expect(res.status).toBe(201);
  return new URL(((await res.json()) as { acceptUrl: string }).acceptUrl).pathname.split("/").at(-1) ?? "";
}

describe("sign-up limits", { timeout: 30_000 }, () => {
  it(`allows ${RATE_LIMITS.signupPerIp.limit} sign-ups per IP an hour, then 429 without creating a tenant`, async () => {
    expect(RATE_LIMITS.signupPerIp).toMatchObject({ limit: 10, windowSeconds: 3600 });
    const ip = freshIp();
    const limited = await spend(10, 201, () => postJson("/api/v1/auth/signup", signupBody(), ip));
    const tenants = await countRows("tenants");
    await expectLimited(limited);
    expect(await countRows("tenants")).toBe(tenants);
    // Another client is not affected.
    expect((await postJson("/api/v1/auth/signup", signupBody(), freshIp())).status).toBe(201);
  });

  it("allows 3 sign-ups per email an hour, from any IP, then 429", async () => {
    expect(RATE_LIMITS.signupPerEmail).toMatchObject({ limit: 3, windowSeconds: 3600 });
    const email = uniqueEmail("claimed");
    const limited = await spend(3, 201, () => postJson("/api/v1/auth/signup", signupBody(email), freshIp()));
    const users = await countRows("users");
    await expectLimited(limited);
    expect(await countRows("users")).toBe(users);
  });
});

describe("new-account invitation acceptance limits", { timeout: 30_000 }, () => {
  it("allows 10 new accounts per IP an hour, then 429 and the link stays usable", async () => {
    expect(RATE_LIMITS.invitationAcceptPerIp).toMatchObject({ limit: 10, windowSeconds: 3600 });
    const { tenantId, owner } = await createTenant();
    // Eleven more people than the trial's ten seats allow: an Enterprise team.
    await putOnPlan(tenantId, "enterprise");
    const tokens: string[] = [];
    for (let i = 0; i < 11; i++)
      tokens.push(await invitationToken(owner.auth, { email: uniqueEmail("inv"), role: "agent" }));
    const ip = freshIp();
    const accept = (i: number) =>
      postJson(`/api/v1/invitations/${tokens[i]}/accept`, { name: "Huda", password: PASSWORD }, ip);
    const limited = await spend(10, 200, accept);
    await expectLimited(limited);
    expect(
      (
        await postJson(
          `/api/v1/invitations/${tokens[10]}/accept`,
          { name: "Huda", password: PASSWORD },
          freshIp(),
        )
      ).status,
    ).toBe(200);
  });

  it("allows 5 attempts per link an hour, then 429", async () => {
    expect(RATE_LIMITS.invitationAcceptPerInvitation).toMatchObject({ limit: 5, windowSeconds: 3600 });
    const { tenantId, owner } = await createTenant();
    const taken = await createMember(tenantId, "agent");
    const token = await invitationToken(owner.auth, { phone: uniquePhone(), role: "agent" });
    // Each attempt names an email a verified account holds: 409, after counting.
    const limited = await spend(5, 409, () =>
      postJson(
        `/api/v1/invitations/${token}/accept`,
        { name: "Huda", password: PASSWORD, email: taken.email },
        freshIp(),
      ),
    );
    await expectLimited(limited);
  });
});

describe("WhatsApp code checks per IP, across phones", { timeout: 30_000 }, () => {
  it("allows 50 checks per IP in 15 minutes whatever the phones, then 429", async () => {
    expect(RATE_LIMITS.otpVerifyPerIp).toMatchObject({ limit: 50, windowSeconds: 900 });
    const ip = freshIp();
    const limited = await spend(50, 401, () =>
      postJson("/api/v1/auth/otp/verify", { phone: uniquePhone(), code: "123456" }, ip),
    );
    await expectLimited(limited);
    const audits = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.otp_failed'",
    ).first<{ n: number }>();
    expect(audits?.n).toBe(50);
  });
});

describe("email and phone verification limits", { timeout: 30_000 }, () => {
  const send = (auth: { Authorization: string }, phone: string, ip = freshIp()) =>
    postJson("/api/v1/auth/phone/verification", { phone }, { ...auth, ...ip });
  const check = (auth: { Authorization: string }, phone: string, ip = freshIp()) =>
    postJson("/api/v1/auth/phone/verify", { phone, code: "123456" }, { ...auth, ...ip });

  it("sends 3 codes or links to one recipient an hour, whoever asks, then 429", async () => {
    expect(RATE_LIMITS.verificationSendPerTarget).toMatchObject({ limit: 3, windowSeconds: 3600 });
    const { tenantId } = await createTenant();
    const askers = await Promise.all([1, 2, 3, 4].map(() => createMember(tenantId, "agent")));
    const phone = uniquePhone();
    const limited = await spend(3, 202, (i) => send(pick(askers, i).auth, phone));
    await expectLimited(limited);
    const outbox = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?")
      .bind(phone)
      .first<{ n: number }>();
    expect(outbox?.n).toBe(3);
  });

  it("sends 5 codes or links per account an hour, then 429", async () => {
    expect(RATE_LIMITS.verificationSendPerUser).toMatchObject({ limit: 5, windowSeconds: 3600 });
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent");
    const limited = await spend(5, 202, () => send(member.auth, uniquePhone()));
    await expectLimited(limited);
    const email = await postJson(
      "/api/v1/auth/email/verification",
      { email: uniqueEmail("new") },
      { ...member.auth, ...freshIp() },
    );
    await expectLimited(email);
  });

  it("sends 20 codes or links per IP in 15 minutes, then 429", async () => {
    expect(RATE_LIMITS.verificationSendPerIp).toMatchObject({ limit: 20, windowSeconds: 900 });
    const { tenantId } = await createTenant();
    const members = await Promise.all([1, 2, 3, 4, 5].map(() => createMember(tenantId, "agent")));
    const ip = freshIp();
    const limited = await spend(20, 202, (i) =>
      send(pick(members, Math.floor(i / 5)).auth, uniquePhone(), ip),
    );
    await expectLimited(limited);
  });

  it("checks 10 codes per account in 15 minutes, then 429", async () => {
    expect(RATE_LIMITS.verificationCheckPerUser).toMatchObject({ limit: 10, windowSeconds: 900 });
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent");
    const limited = await spend(10, 422, () => check(member.auth, uniquePhone()));
    await expectLimited(limited);
    const link = await postJson(
      "/api/v1/auth/email/verify",
      { token: "A".repeat(43) },
      { ...member.auth, ...freshIp() },
    );
    await expectLimited(link);
  });

  it("checks 50 codes or links per IP in 15 minutes, across accounts, then 429", async () => {
    expect(RATE_LIMITS.verificationCheckPerIp).toMatchObject({ limit: 50, windowSeconds: 900 });
    const { tenantId } = await createTenant();
    const members = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createMember(tenantId, "agent")));
    const ip = freshIp();
    const limited = await spend(50, 422, (i) =>
      check(pick(members, Math.floor(i / 10)).auth, uniquePhone(), ip),
    );
    await expectLimited(limited);
  });
});
