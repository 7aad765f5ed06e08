import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTenant, freshIp, PASSWORD } from "../../test/fixtures";
import { call, callWithEnv, expectProblem, postJson, uniqueEmail } from "../../test/helpers";
import { batchBarrierD1, recordingD1, serviceContext } from "../../test/service-context";
import { ApiError } from "../platform/problem";
import { forgotPassword, resetPassword } from "./password-reset.service";

/** Asks for a reset link and waits for the work done after the answer (the email). */
const forgot = (email: string) =>
  callWithEnv({}, "/api/v1/auth/password/forgot", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...freshIp() },
    body: JSON.stringify({ email }),
  });

async function resetLinkToken(email: string): Promise<string> {
  const mail = await env.DB.prepare(
    "SELECT body FROM outbox_messages WHERE recipient = ? ORDER BY created_at DESC LIMIT 1",
  )
    .bind(email)
    .first<{ body: string }>();
  const token = decodeURIComponent(/token=([^\s]+)/.exec(mail?.body ?? "")?.[1] ?? "");
  expect(token.length).toBeGreaterThan(20);
  return token;
}

const reset = (token: string, password: string) =>
  postJson("/api/v1/auth/password/reset", { token, password }, freshIp());
const login = (email: string, password: string) =>
  postJson("/api/v1/auth/login", { email, password }, freshIp());
const resetAudits = (userId: string) =>
  env.DB.prepare(
    "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.password_reset' AND actor_id = ?",
  )
    .bind(userId)
    .first<{ n: number }>();

afterEach(() => {
  vi.restoreAllMocks();
});

const me = (token: string) => call("/api/v1/auth/me", { headers: { Authorization: `Bearer ${token}` } });

describe("password reset links", () => {
  it("are emailed (dev outbox), set a new password once and end every session", async () => {
    const { agent } = await createTenant();
    expect((await forgot(agent.email)).status).toBe(202);
    const token = await resetLinkToken(agent.email);

    const newPassword = "a brand new long passphrase";
    expect((await reset(token, newPassword)).status).toBe(204);
    await expectProblem(await me(agent.accessToken), 401, "UNAUTHENTICATED");
    const refreshed = await postJson("/api/v1/auth/refresh", { refreshToken: agent.refreshToken }, freshIp());
    await expectProblem(refreshed, 401, "UNAUTHENTICATED");
    await expectProblem(await login(agent.email, PASSWORD), 401, "UNAUTHENTICATED");
    expect((await login(agent.email, newPassword)).status).toBe(200);
    await expectProblem(await reset(token, "yet another passphrase"), 422, "VALIDATION_FAILED");
  });

  it("are asked for with the same answer for a known and an unknown email", async () => {
    const { agent } = await createTenant();
    const known = await forgot(agent.email);
    const unknown = await forgot(uniqueEmail("nobody"));
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(await known.json()).toEqual({ status: "accepted" });
    expect(await unknown.json()).toEqual({ status: "accepted" });
  });

  it("are asked for with a 202 even when sending fails after the answer, and the failure is reported", async () => {
    const { agent } = await createTenant();
    const errorLog = vi.spyOn(console, "error").mockImplementation(() => {});
    await env.DB.exec(
      `CREATE TRIGGER fail_reset_link BEFORE INSERT ON password_resets WHEN NEW.user_id = '${agent.userId}' BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;`,
    );
    try {
      expect((await forgot(agent.email)).status).toBe(202);
    } finally {
      await env.DB.exec("DROP TRIGGER fail_reset_link");
    }
    const lines = errorLog.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toContainEqual(expect.objectContaining({ level: "error", msg: "unhandled_error" }));
    expect(JSON.stringify(lines)).not.toContain(agent.email);
  });

  it("enforce the password policy", async () => {
    const { agent } = await createTenant();
    await forgot(agent.email);
    const problem = await expectProblem(
      await reset(await resetLinkToken(agent.email), "short"),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.[0]).toMatchObject({ path: "password", code: "too_short" });
  });

  it("are single use under concurrency: of two resets with one link, exactly one changes the password", async () => {
    const { agent } = await createTenant();
    expect((await forgot(agent.email)).status).toBe(202);
    const token = await resetLinkToken(agent.email);

    const passwords = ["first racing passphrase", "second racing passphrase"];
    const responses = await Promise.all(passwords.map((password) => reset(token, password)));
    expect(responses.map((r) => r.status).sort()).toEqual([204, 422]);
    const loserIndex = responses.findIndex((r) => r.status === 422);
    await expectProblem(responses[loserIndex] as Response, 422, "VALIDATION_FAILED");
    const winner = passwords[1 - loserIndex] ?? "";
    const loser = passwords[loserIndex] ?? "";

    expect((await login(agent.email, winner)).status).toBe(200);
    await expectProblem(await login(agent.email, loser), 401, "UNAUTHENTICATED");
    expect(await resetAudits(agent.userId)).toEqual({ n: 1 });
    const family = await env.DB.prepare("SELECT revoked_reason FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first();
    expect(family).toEqual({ revoked_reason: "password_reset" });
  });

  it("are single use when both requests read the link before either writes", async () => {
    const { agent } = await createTenant();
    await forgot(agent.email);
    const token = await resetLinkToken(agent.email);
    const d1 = batchBarrierD1(2);
    const passwords = ["first racing passphrase", "second racing passphrase"];
    const outcomes = await Promise.allSettled(
      passwords.map((password) => resetPassword(serviceContext(d1).ctx, token, password)),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o) => o.status === "rejected");
    expect(refused?.status === "rejected" && refused.reason).toBeInstanceOf(ApiError);
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "VALIDATION_FAILED" });
    const winner = passwords[outcomes.findIndex((o) => o.status === "fulfilled")] ?? "";
    expect((await login(agent.email, winner)).status).toBe(200);
    expect(await resetAudits(agent.userId)).toEqual({ n: 1 });
  });

  it("refuse an expired link and change nothing", async () => {
    const { agent } = await createTenant();
    await forgot(agent.email);
    const token = await resetLinkToken(agent.email);
    await env.DB.prepare("UPDATE password_resets SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, agent.userId)
      .run();
    const problem = await expectProblem(
      await reset(token, "a long new passphrase"),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.[0]).toMatchObject({ path: "token", code: "invalid_token" });
    expect((await login(agent.email, PASSWORD)).status).toBe(200);
    expect(await resetAudits(agent.userId)).toEqual({ n: 0 });
    const row = await env.DB.prepare("SELECT used_at FROM password_resets WHERE user_id = ?")
      .bind(agent.userId)
      .first();
    expect(row).toEqual({ used_at: null });
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first();
    expect(family).toEqual({ revoked_at: null });
  });
});

describe("forgotPassword", () => {
  const recordingContext = () => {
    const { d1, statements } = recordingD1();
    return { ...serviceContext(d1), statements };
  };

  it("does the same work before answering for a known and an unknown email", async () => {
    const { agent } = await createTenant();
    const unknownEmail = uniqueEmail("ghost");
    const known = recordingContext();
    const unknown = recordingContext();
    // What each call sent to D1 by the time it answered: the lookup is started, nothing awaited.
    await forgotPassword(known.ctx, agent.email);
    const knownBeforeAnswer = [...known.statements];
    await forgotPassword(unknown.ctx, unknownEmail);
    const unknownBeforeAnswer = [...unknown.statements];
    expect(knownBeforeAnswer).toEqual(unknownBeforeAnswer);
    expect(knownBeforeAnswer).toHaveLength(1);
    expect(knownBeforeAnswer[0]).toMatch(/^select .* from "users" where "users"."email" = \?/);
    expect(known.afterResponse).toHaveLength(1);
    expect(unknown.afterResponse).toHaveLength(1);

    // After the answer, only the known email gets a link.
    await Promise.all([...known.afterResponse, ...unknown.afterResponse]);
    expect(known.statements.length).toBeGreaterThan(0);
    const sent = (email: string) =>
      env.DB.prepare("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = ?").bind(email).first();
    expect(await sent(agent.email)).toEqual({ n: 1 });
    expect(await sent(unknownEmail)).toEqual({ n: 0 });
    const links = await env.DB.prepare("SELECT COUNT(*) AS n FROM password_resets WHERE user_id = ?")
      .bind(agent.userId)
      .first();
    expect(links).toEqual({ n: 1 });
  });
});
