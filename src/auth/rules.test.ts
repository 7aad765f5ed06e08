import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD } from "../../test/fixtures";
import { call, expectProblem, postJson, postJsonSettled } from "../../test/helpers";
import { sha256Hex } from "../platform/crypto";

// Each security rule pinned to its exact number: N allowed, the N+1th refused; valid a second
// before its end, refused a second after. Time is moved by ageing rows in D1 (see `age`), never by
// fake timers, which do not move workerd's clock. Every test seeds its own tenant, phone and IP.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Makes a row look `ageMs` old: `created_at` moves back to now minus `ageMs` and `expires_at` moves
 * with it, so the lifetime the app gave the row is kept (a changed lifetime still shows).
 */
async function age(table: string, id: string, ageMs: number) {
  const result = await env.DB.prepare(
    `UPDATE ${table} SET expires_at = ?1 + (expires_at - created_at), created_at = ?1 WHERE id = ?2`,
  )
    .bind(Date.now() - ageMs, id)
    .run();
  expect(result.meta.changes).toBe(1);
}

const lifetimeOf = async (table: string, id: string) =>
  (
    await env.DB.prepare(`SELECT expires_at - created_at AS ms FROM ${table} WHERE id = ?`)
      .bind(id)
      .first<{ ms: number }>()
  )?.ms;

const me = (accessToken: string) =>
  call("/api/v1/auth/me", { headers: { Authorization: `Bearer ${accessToken}` } });
const refresh = (refreshToken: string) => postJson("/api/v1/auth/refresh", { refreshToken }, freshIp());
const login = (email: string, password: string, ip = freshIp()) =>
  postJson("/api/v1/auth/login", { email, password }, ip);

interface Session {
  accessToken: string;
  refreshToken: string;
}

describe("WhatsApp sign-in codes", () => {
  const requestCode = (phone: string) => postJsonSettled("/api/v1/auth/otp/request", { phone }, freshIp());
  const verify = (phone: string, code: string) =>
    postJson("/api/v1/auth/otp/verify", { phone, code }, freshIp());

  /** A member with this phone and a fresh code sent to it; returns the code and its row. */
  async function codeSentTo(phone: string) {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone });
    expect((await requestCode(phone)).status).toBe(202);
    const message = await env.DB.prepare("SELECT body FROM outbox_messages WHERE recipient = ?")
      .bind(phone)
      .first<{ body: string }>();
    const code = /\d{6}/.exec(message?.body ?? "")?.[0] ?? "";
    expect(code).toMatch(/^\d{6}$/);
    const row = await env.DB.prepare("SELECT id FROM otp_codes WHERE phone = ?")
      .bind(phone)
      .first<{ id: string }>();
    expect(row).not.toBeNull();
    return { code, wrong: code === "000000" ? "111111" : "000000", id: row?.id ?? "" };
  }
  const otpRow = (id: string) =>
    env.DB.prepare("SELECT attempts, consumed_at FROM otp_codes WHERE id = ?")
      .bind(id)
      .first<{ attempts: number; consumed_at: number | null }>();

  it("survive exactly four wrong attempts: the right code still signs in after them", async () => {
    const phone = "+966500000401";
    const { code, wrong, id } = await codeSentTo(phone);
    for (let attempt = 1; attempt <= 4; attempt++) {
      await expectProblem(await verify(phone, wrong), 401, "UNAUTHENTICATED");
    }
    expect(await otpRow(id)).toEqual({ attempts: 4, consumed_at: null });
    expect((await verify(phone, code)).status).toBe(200);
  });

  it("are burnt by the fifth wrong attempt: the right code is refused after it", async () => {
    const phone = "+966500000402";
    const { code, wrong, id } = await codeSentTo(phone);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expectProblem(await verify(phone, wrong), 401, "UNAUTHENTICATED");
    }
    expect(await otpRow(id)).toEqual({ attempts: 5, consumed_at: expect.any(Number) });
    await expectProblem(await verify(phone, code), 401, "UNAUTHENTICATED");
  });

  it("last exactly five minutes: valid a second before, refused a second after", async () => {
    const early = await codeSentTo("+966500000403");
    expect(await lifetimeOf("otp_codes", early.id)).toBe(5 * MINUTE);
    await age("otp_codes", early.id, 5 * MINUTE - SECOND);
    expect((await verify("+966500000403", early.code)).status).toBe(200);

    const late = await codeSentTo("+966500000404");
    await age("otp_codes", late.id, 5 * MINUTE + SECOND);
    await expectProblem(await verify("+966500000404", late.code), 401, "UNAUTHENTICATED");
  });
});

describe("tokens-not-before", () => {
  const issuedAtMs = (accessToken: string) => {
    const payload = accessToken.split(".")[1] ?? "";
    const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))) as { iat: number };
    return claims.iat * 1000;
  };
  const setNotBefore = (userId: string, ms: number) =>
    env.DB.prepare("UPDATE users SET tokens_not_before = ? WHERE id = ?").bind(ms, userId).run();

  it("refuses an access token issued before it, though its session was never revoked", async () => {
    const { owner } = await createTenant();
    const issuedAt = issuedAtMs(owner.accessToken);

    // Access tokens carry `iat` in whole seconds: issued in the cut-off's second counts as after it.
    await setNotBefore(owner.userId, issuedAt);
    expect((await me(owner.accessToken)).status).toBe(200);

    await setNotBefore(owner.userId, issuedAt + SECOND);
    await expectProblem(await me(owner.accessToken), 401, "UNAUTHENTICATED");
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(owner.familyId)
      .first();
    expect(family).toEqual({ revoked_at: null });
  });

  it("lets a sign-in right after a password reset work at once", async () => {
    const { owner } = await createTenant();
    await postJsonSettled("/api/v1/auth/password/forgot", { email: owner.email }, freshIp());
    const token = await resetTokenSentTo(owner.email);
    const newPassword = "a brand new long passphrase";
    expect((await postJson("/api/v1/auth/password/reset", { token, password: newPassword })).status).toBe(
      204,
    );
    const user = await env.DB.prepare("SELECT tokens_not_before FROM users WHERE id = ?")
      .bind(owner.userId)
      .first<{ tokens_not_before: number }>();
    expect(user?.tokens_not_before).toBeGreaterThan(0);

    const signedIn = await login(owner.email, newPassword);
    expect(signedIn.status).toBe(200);
    expect((await me(((await signedIn.json()) as Session).accessToken)).status).toBe(200);
  });
});

async function resetTokenSentTo(email: string) {
  const message = await env.DB.prepare(
    "SELECT body FROM outbox_messages WHERE recipient = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(email)
    .first<{ body: string }>();
  const token = decodeURIComponent(/token=(\S+)/.exec(message?.body ?? "")?.[1] ?? "");
  expect(token.length).toBeGreaterThan(20);
  return token;
}

describe("password reset links", () => {
  /** A member who asked for a reset link; returns the link's token and its row id. */
  async function linkSentToNewMember() {
    const { owner } = await createTenant();
    expect(
      (await postJsonSettled("/api/v1/auth/password/forgot", { email: owner.email }, freshIp())).status,
    ).toBe(202);
    const token = await resetTokenSentTo(owner.email);
    const row = await env.DB.prepare("SELECT id FROM password_resets WHERE token_hash = ?")
      .bind(await sha256Hex(token))
      .first<{ id: string }>();
    expect(row).not.toBeNull();
    return { owner, token, id: row?.id ?? "" };
  }
  const reset = (token: string) =>
    postJson("/api/v1/auth/password/reset", { token, password: "a brand new long passphrase" });
  const resetRow = (id: string) =>
    env.DB.prepare("SELECT used_at FROM password_resets WHERE id = ?")
      .bind(id)
      .first<{ used_at: number | null }>();
  const passwordHashOf = async (userId: string) =>
    (
      await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
        .bind(userId)
        .first<{ password_hash: string }>()
    )?.password_hash;

  it("last exactly one hour and work a second before it ends", async () => {
    const { owner, token, id } = await linkSentToNewMember();
    expect(await lifetimeOf("password_resets", id)).toBe(HOUR);
    const before = await passwordHashOf(owner.userId);
    await age("password_resets", id, HOUR - SECOND);

    expect((await reset(token)).status).toBe(204);
    expect((await resetRow(id))?.used_at).toEqual(expect.any(Number));
    expect(await passwordHashOf(owner.userId)).not.toBe(before);
  });

  it("are refused a second after the hour, and change nothing", async () => {
    const { owner, token, id } = await linkSentToNewMember();
    const before = await passwordHashOf(owner.userId);
    await age("password_resets", id, HOUR + SECOND);

    const problem = await expectProblem(await reset(token), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual([expect.objectContaining({ path: "token", code: "invalid_token" })]);
    expect(await resetRow(id)).toEqual({ used_at: null });
    expect(await passwordHashOf(owner.userId)).toBe(before);
    expect((await me(owner.accessToken)).status).toBe(200); // no session was ended
  });
});

/** Signs in through the API and returns the session with its refresh family's and token's ids. */
async function signedIn() {
  const { owner } = await createTenant();
  const res = await login(owner.email, PASSWORD);
  expect(res.status).toBe(200);
  const session = (await res.json()) as Session;
  const token = await env.DB.prepare("SELECT id, family_id FROM refresh_tokens WHERE token_hash = ?")
    .bind(await sha256Hex(session.refreshToken))
    .first<{ id: string; family_id: string }>();
  expect(token).not.toBeNull();
  return { session, tokenId: token?.id ?? "", familyId: token?.family_id ?? "" };
}
const tokenExpiry = async (refreshToken: string) =>
  (
    await env.DB.prepare("SELECT expires_at FROM refresh_tokens WHERE token_hash = ?")
      .bind(await sha256Hex(refreshToken))
      .first<{ expires_at: number }>()
  )?.expires_at;
const familyExpiry = async (familyId: string) =>
  (
    await env.DB.prepare("SELECT expires_at FROM refresh_families WHERE id = ?")
      .bind(familyId)
      .first<{ expires_at: number }>()
  )?.expires_at;
const familyRevocation = (familyId: string) =>
  env.DB.prepare("SELECT revoked_at, revoked_reason FROM refresh_families WHERE id = ?")
    .bind(familyId)
    .first();

describe("the 90-day session cap", () => {
  it("lets a session signed in 90 days minus a second ago refresh, up to the cap and no further", async () => {
    const { session, familyId } = await signedIn();
    expect(await lifetimeOf("refresh_families", familyId)).toBe(90 * DAY);
    // Only the session is old: its latest refresh token is fresh, as for someone who uses the app daily.
    await age("refresh_families", familyId, 90 * DAY - SECOND);

    const res = await refresh(session.refreshToken);
    expect(res.status).toBe(200);
    const next = (await res.json()) as Session;
    // The new token ends with the session, not 30 days later.
    expect(await tokenExpiry(next.refreshToken)).toBe(await familyExpiry(familyId));
  });

  it("ends a session signed in 90 days plus a second ago, though its refresh token is fresh", async () => {
    const { session, familyId } = await signedIn();
    await age("refresh_families", familyId, 90 * DAY + SECOND);
    expect(await tokenExpiry(session.refreshToken)).toBeGreaterThan(Date.now() + 29 * DAY);

    await expectProblem(await refresh(session.refreshToken), 401, "UNAUTHENTICATED");
  });
});

describe("refresh tokens", () => {
  it("last exactly 30 days unused: one issued 30 days minus a second ago still refreshes", async () => {
    const { session, tokenId, familyId } = await signedIn();
    expect(await lifetimeOf("refresh_tokens", tokenId)).toBe(30 * DAY);
    await age("refresh_families", familyId, 30 * DAY - SECOND);
    await age("refresh_tokens", tokenId, 30 * DAY - SECOND);
    expect((await refresh(session.refreshToken)).status).toBe(200);
  });

  it("are refused 30 days plus a second after they were issued, inside the 90-day session", async () => {
    const { session, tokenId, familyId } = await signedIn();
    await age("refresh_families", familyId, 30 * DAY + SECOND);
    await age("refresh_tokens", tokenId, 30 * DAY + SECOND);
    await expectProblem(await refresh(session.refreshToken), 401, "UNAUTHENTICATED");
  });

  /** Refreshes once, then makes the spent token look exchanged `agoMs` ago. */
  async function spentTokenUsed(agoMs: number) {
    const { owner } = await createTenant();
    expect((await refresh(owner.refreshToken)).status).toBe(200);
    const result = await env.DB.prepare("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?")
      .bind(Date.now() - agoMs, await sha256Hex(owner.refreshToken))
      .run();
    expect(result.meta.changes).toBe(1);
    return owner;
  }

  it("reused 9 seconds after their exchange (two tabs) are refused, and the session stands", async () => {
    const owner = await spentTokenUsed(9 * SECOND);
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
    expect(await familyRevocation(owner.familyId)).toEqual({ revoked_at: null, revoked_reason: null });
  });

  it("reused 11 seconds after their exchange end the whole session as a replay", async () => {
    const owner = await spentTokenUsed(11 * SECOND);
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
    expect(await familyRevocation(owner.familyId)).toEqual({
      revoked_at: expect.any(Number),
      revoked_reason: "refresh_token_reuse",
    });
  });
});

describe("a suspended workspace", () => {
  it("ends its members' sessions at once and refuses sign-in to it", async () => {
    const { tenantId, owner } = await createTenant();
    expect((await me(owner.accessToken)).status).toBe(200);
    await env.DB.prepare("UPDATE tenants SET status = 'suspended' WHERE id = ?").bind(tenantId).run();

    await expectProblem(await me(owner.accessToken), 401, "UNAUTHENTICATED");
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
    expect(await familyRevocation(owner.familyId)).toEqual({
      revoked_at: expect.any(Number),
      revoked_reason: "membership_ended",
    });
    await expectProblem(await login(owner.email, PASSWORD), 403, "FORBIDDEN");
  });
});
