import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD } from "../../test/fixtures";
import { expectProblem, postJson, uniqueEmail } from "../../test/helpers";

// Every sign-in rate limit pinned through the API to its exact budget and window: `limit` requests
// pass, the next is a 429 whose Retry-After is the rest of a window that started with the first
// request. Each test spends its own phone, email or IP (freshIp), so the order of tests is free.
// Fifty password checks (the per-IP sign-in limit) take several seconds of PBKDF2.
vi.setConfig({ testTimeout: 60_000 });

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * Sends `limit` requests that must each answer `passStatus`, then one more that must be refused
 * with 429 and a Retry-After of the window's remaining seconds. `send` gets the attempt number.
 */
async function expectExactLimit(
  limit: number,
  windowSeconds: number,
  passStatus: number,
  send: (attempt: number) => Promise<Response>,
) {
  const startedAt = Date.now();
  const statuses: number[] = [];
  for (let attempt = 1; attempt <= limit; attempt++) statuses.push((await send(attempt)).status);
  expect(statuses).toEqual(Array<number>(limit).fill(passStatus));

  const refused = await send(limit + 1);
  await expectProblem(refused, 429, "RATE_LIMITED");
  const elapsedSeconds = (Date.now() - startedAt) / 1000;
  const retryAfter = Number(refused.headers.get("Retry-After"));
  expect(retryAfter).toBeGreaterThanOrEqual(Math.floor(windowSeconds - elapsedSeconds));
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

const login = (email: string, password: string, ip: Record<string, string>) =>
  postJson("/api/v1/auth/login", { email, password }, ip);
const requestCode = (phone: string, ip = freshIp()) => postJson("/api/v1/auth/otp/request", { phone }, ip);
const forgot = (email: string, ip = freshIp()) => postJson("/api/v1/auth/password/forgot", { email }, ip);

describe("password sign-in", () => {
  it("allows 10 wrong passwords per account in 15 minutes from any IPs, then refuses the right one", async () => {
    const { owner } = await createTenant();
    await expectExactLimit(10, 15 * MINUTE, 401, (attempt) =>
      login(owner.email, attempt <= 10 ? `wrong password ${attempt}` : PASSWORD, freshIp()),
    );
  });

  it("gives an account its 10 attempts back after a successful sign-in", async () => {
    const { owner } = await createTenant();
    for (let attempt = 1; attempt <= 9; attempt++) {
      await expectProblem(
        await login(owner.email, `wrong password ${attempt}`, freshIp()),
        401,
        "UNAUTHENTICATED",
      );
    }
    expect((await login(owner.email, PASSWORD, freshIp())).status).toBe(200);
    await expectExactLimit(10, 15 * MINUTE, 401, (attempt) =>
      login(owner.email, `wrong password again ${attempt}`, freshIp()),
    );
  });

  it("allows 50 attempts per IP in 15 minutes across accounts, then refuses even the right password", async () => {
    const { owner } = await createTenant();
    const ip = freshIp();
    // Unknown accounts, each once, so only the IP's budget is spent; the 51st is a real sign-in.
    await expectExactLimit(50, 15 * MINUTE, 401, (attempt) =>
      attempt <= 50
        ? login(uniqueEmail(`nobody-${attempt}`), "wrong password", ip)
        : login(owner.email, PASSWORD, ip),
    );
    // The same account from another address is unaffected: the limit was the IP's.
    expect((await login(owner.email, PASSWORD, freshIp())).status).toBe(200);
  });
});

describe("WhatsApp codes", () => {
  it("are sent at most 3 times per phone in 15 minutes, whatever the IP", async () => {
    const phone = "+966500000501";
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone });
    await expectExactLimit(3, 15 * MINUTE, 202, () => requestCode(phone));
    const sent = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?")
      .bind(phone)
      .first();
    expect(sent).toEqual({ n: 3 });
  });

  it("are requested at most 20 times per IP in 15 minutes, across phones", async () => {
    const ip = freshIp();
    await expectExactLimit(20, 15 * MINUTE, 202, (attempt) =>
      requestCode(`+9665000006${String(attempt).padStart(2, "0")}`, ip),
    );
  });

  it("are checked at most 10 times per phone in 15 minutes, whatever the IP", async () => {
    const phone = "+966500000502";
    await expectExactLimit(10, 15 * MINUTE, 401, () =>
      postJson("/api/v1/auth/otp/verify", { phone, code: "000000" }, freshIp()),
    );
  });
});

describe("token refresh", () => {
  it("is allowed 60 times per IP per minute", async () => {
    const ip = freshIp();
    await expectExactLimit(60, MINUTE, 401, (attempt) =>
      postJson("/api/v1/auth/refresh", { refreshToken: `not-a-real-token-${attempt}`.padEnd(43, "x") }, ip),
    );
  });
});

describe("password reset emails", () => {
  it("are sent at most 3 times per email in an hour, whatever the IP", async () => {
    const { owner } = await createTenant();
    await expectExactLimit(3, HOUR, 202, () => forgot(owner.email));
    const sent = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?")
      .bind(owner.email)
      .first();
    expect(sent).toEqual({ n: 3 });
  });

  it("are requested at most 10 times per IP in an hour, across emails", async () => {
    const ip = freshIp();
    await expectExactLimit(10, HOUR, 202, (attempt) => forgot(uniqueEmail(`reset-${attempt}`), ip));
  });
});
