import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createMember,
  createTenant,
  freshIp,
  latestCodeSentTo,
  latestEmailLinkTokenSentTo,
  PASSWORD,
  signupViaApi,
  uniquePhone,
} from "../../test/fixtures";
import { call, countRows, expectProblem, postJson, postJsonSettled, uniqueEmail } from "../../test/helpers";
import { purgeExpired } from "../../workers/cron/purge-expired";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import { hmacSha256Hex, sha256Hex } from "../platform/crypto";
import { codeHash } from "./codes";

type Auth = { Authorization: string };
const bearer = (token: string): Auth => ({ Authorization: `Bearer ${token}` });

const sendPhoneCode = (auth: Auth | object, body: unknown, ip = freshIp()) =>
  postJson("/api/v1/auth/phone/verification", body, { ...auth, ...ip });
const confirmPhone = (auth: Auth | object, body: unknown, ip = freshIp()) =>
  postJson("/api/v1/auth/phone/verify", body, { ...auth, ...ip });
const sendEmailLink = (auth: Auth | object, body: unknown, ip = freshIp()) =>
  postJson("/api/v1/auth/email/verification", body, { ...auth, ...ip });
const confirmEmail = (auth: Auth | object, body: unknown, ip = freshIp()) =>
  postJson("/api/v1/auth/email/verify", body, { ...auth, ...ip });
const requestSignInCode = (phone: string) =>
  postJsonSettled("/api/v1/auth/otp/request", { phone }, freshIp());
const signInWithCode = (phone: string, code: string) =>
  postJson("/api/v1/auth/otp/verify", { phone, code }, freshIp());
const login = (email: string, password: string) =>
  postJson("/api/v1/auth/login", { email, password }, freshIp());
const accept = (token: string, body: unknown, auth: Auth | object = {}) =>
  postJson(`/api/v1/invitations/${token}/accept`, body, { ...auth, ...freshIp() });
const me = async (auth: Auth) => (await (await call("/api/v1/auth/me", { headers: auth })).json()) as Account;

interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
}
interface Session {
  tenant: { id: string };
  user: User;
  accessToken: string;
}
interface Account {
  user: User;
  tenant: { id: string };
}

async function signup(overrides: Record<string, unknown>) {
  const { res, body } = await signupViaApi(overrides);
  expect(res.status).toBe(201);
  const session = (await res.json()) as Session;
  return { ...session, auth: bearer(session.accessToken), email: body.email };
}

async function createInvitation(auth: Auth, body: Record<string, unknown>) {
  const res = await postJson("/api/v1/invitations", body, auth);
  expect(res.status).toBe(201);
  const { acceptUrl } = (await res.json()) as { acceptUrl: string };
  return new URL(acceptUrl).pathname.split("/").at(-1) ?? "";
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

const membersOf = async (tenantId: string) =>
  (
    await env.DB.prepare("SELECT user_id FROM memberships WHERE tenant_id = ? ORDER BY user_id")
      .bind(tenantId)
      .all<{ user_id: string }>()
  ).results.map((row) => row.user_id);

const auditCount = async (action: string, userId: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE action = ? AND target_id = ?")
      .bind(action, userId)
      .first<{ n: number }>()
  )?.n;

describe("the phone-squatting takeover (issue 6, 1.1)", { timeout: 20_000 }, () => {
  it("an unverified phone signs no one in, matches no invitation, blocks no one, and goes to whoever proves it", async () => {
    const phone = uniquePhone();
    const inviter = await createTenant("Inviting Realty");

    // The squatter signs up with the victim's phone and their own email and password.
    const squatter = await signup({ phone });
    expect(squatter.user).toMatchObject({ phone, phoneVerified: false });
    const squattersCode = await latestCodeSentTo(phone);

    // The victim asks for a WhatsApp sign-in code and uses the newest code their phone received:
    // they must not land in the squatter's account.
    expect((await requestSignInCode(phone)).status).toBe(202);
    await expectProblem(await signInWithCode(phone, await latestCodeSentTo(phone)), 401, "UNAUTHENTICATED");
    expect(await latestCodeSentTo(phone)).toBe(squattersCode);

    // An invitation to the victim's phone cannot be accepted by the squatter.
    const invitation = await createInvitation(inviter.owner.auth, { phone, role: "manager" });
    await expectProblem(await accept(invitation, {}, squatter.auth), 403, "UNVERIFIED_IDENTIFIER");
    expect(await membersOf(inviter.tenantId)).not.toContain(squatter.user.id);

    // The squatter's claim does not keep the victim from signing up with their own phone.
    const victim = await signup({ phone });
    expect(victim.user).toMatchObject({ phone, phoneVerified: false });

    // The victim proves the phone with the code sent to it; the squatter loses it.
    const victimsCode = await latestCodeSentTo(phone);
    expect(victimsCode).toMatch(/^\d{6}$/);
    const verified = await confirmPhone(victim.auth, { phone, code: victimsCode });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ id: victim.user.id, phone, phoneVerified: true });
    expect(await userRow(squatter.user.id)).toMatchObject({ phone: null, phone_verified_at: null });
    expect((await me(squatter.auth)).user).toMatchObject({ phone: null, phoneVerified: false });

    // WhatsApp sign-in now lands in the victim's own account.
    expect((await requestSignInCode(phone)).status).toBe(202);
    const signedIn = await signInWithCode(phone, await latestCodeSentTo(phone));
    expect(signedIn.status).toBe(200);
    expect(((await signedIn.json()) as Session).user.id).toBe(victim.user.id);

    // The squatter cannot verify it any more, even with the code its own sign-up sent.
    await expectProblem(await confirmPhone(squatter.auth, { phone, code: squattersCode }), 409, "CONFLICT");
    expect(await userRow(squatter.user.id)).toMatchObject({ phone: null });

    // The invitation goes to the victim, and only to them.
    expect((await accept(invitation, {}, victim.auth)).status).toBe(200);
    const members = await membersOf(inviter.tenantId);
    expect(members).toContain(victim.user.id);
    expect(members).not.toContain(squatter.user.id);

    // And the phone now counts as registered.
    const { res } = await signupViaApi({ phone });
    await expectProblem(res, 409, "CONFLICT");
  });

  it("the same for an email: the owner's proof wins, the squatter's claim matches nothing", async () => {
    const email = uniqueEmail("victim");
    const inviter = await createTenant("Inviting Clinics");
    const squatter = await signup({ email, password: "the squatter's own passphrase" });
    expect(squatter.user).toMatchObject({ email, emailVerified: false });

    const invitation = await createInvitation(inviter.owner.auth, { email, role: "agent" });
    await expectProblem(await accept(invitation, {}, squatter.auth), 403, "UNVERIFIED_IDENTIFIER");

    // The squatter asks for a link: it goes to the victim's inbox.
    expect((await sendEmailLink(squatter.auth, { email })).status).toBe(202);
    const squattersToken = await latestEmailLinkTokenSentTo(email);
    expect(squattersToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The victim signs up with their email anyway, and proves it with their own link.
    const victim = await signup({ email });
    expect((await sendEmailLink(victim.auth, { email })).status).toBe(202);
    const victimsToken = await latestEmailLinkTokenSentTo(email);
    // A link sent for the squatter's account does not verify the victim's (nor the other way round).
    await expectProblem(await confirmEmail(victim.auth, { token: squattersToken }), 422, "VALIDATION_FAILED");
    const verified = await confirmEmail(victim.auth, { token: victimsToken });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ id: victim.user.id, email, emailVerified: true });

    // Once someone proved it, the squatter's link is useless and the address counts as registered.
    await expectProblem(await confirmEmail(squatter.auth, { token: squattersToken }), 409, "CONFLICT");
    expect(await userRow(squatter.user.id)).toMatchObject({ email_verified_at: null });
    await expectProblem((await signupViaApi({ email })).res, 409, "CONFLICT");

    // The invitation is the victim's.
    expect((await accept(invitation, {}, victim.auth)).status).toBe(200);
    expect(await membersOf(inviter.tenantId)).toContain(victim.user.id);
    expect(await membersOf(inviter.tenantId)).not.toContain(squatter.user.id);

    // A password proves its own account: each reaches theirs, never the other's.
    const asVictim = await login(email, PASSWORD);
    expect(((await asVictim.json()) as Session).user.id).toBe(victim.user.id);
    const asSquatter = await login(email, "the squatter's own passphrase");
    expect(((await asSquatter.json()) as Session).user).toMatchObject({
      id: squatter.user.id,
      emailVerified: false,
    });
  });
});

describe("POST /api/v1/auth/phone/verification", () => {
  it("sends a WhatsApp code bound to the account, and leaves the account's phone as it is until confirmed", async () => {
    const { tenantId } = await createTenant();
    const oldPhone = uniquePhone();
    const member = await createMember(tenantId, "agent", { phone: oldPhone });
    const newPhone = uniquePhone();
    const res = await sendPhoneCode(member.auth, { phone: newPhone.replace("+966", "0") });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "accepted" });
    const code = await latestCodeSentTo(newPhone);
    expect(code).toMatch(/^\d{6}$/);
    const row = await env.DB.prepare(
      "SELECT id, user_id, channel, value, secret_hash, expires_at, created_at FROM identity_verifications WHERE value = ?",
    )
      .bind(newPhone)
      .first<{
        id: string;
        user_id: string;
        channel: string;
        secret_hash: string;
        expires_at: number;
        created_at: number;
      }>();
    expect(row).toMatchObject({ user_id: member.userId, channel: "phone" });
    expect(row?.expires_at).toBe((row?.created_at ?? 0) + 10 * 60 * 1000);
    expect(row?.secret_hash).toBe(await codeHash(loadConfig(env), "verify", row?.id ?? "", code));
    expect(await userRow(member.userId)).toMatchObject({
      phone: oldPhone,
      phone_verified_at: expect.any(Number),
    });

    // Confirmed, the new number replaces the old one.
    expect((await confirmPhone(member.auth, { phone: newPhone, code })).status).toBe(200);
    expect(await userRow(member.userId)).toMatchObject({
      phone: newPhone,
      phone_verified_at: expect.any(Number),
    });
    expect(await auditCount("auth.phone_verified", member.userId)).toBe(1);
  });

  it("answers 409 for a number verified on another account or already on this one, and sends nothing", async () => {
    const { tenantId } = await createTenant();
    const owner = await createMember(tenantId, "agent", { phone: uniquePhone() });
    const other = await createMember(tenantId, "agent");
    const before = await countRows("outbox_messages");
    await expectProblem(await sendPhoneCode(other.auth, { phone: owner.phone }), 409, "CONFLICT");
    await expectProblem(await sendPhoneCode(owner.auth, { phone: owner.phone }), 409, "CONFLICT");
    expect(await countRows("outbox_messages")).toBe(before);
  });

  it("needs a signed-in person: 401 without a token, 403 for an API key; 422 for bad input", async () => {
    const { owner } = await createTenant();
    const keyRes = await postJson("/api/v1/api-keys", { name: "k", scopes: ["members:read"] }, owner.auth);
    const { key } = (await keyRes.json()) as { key: string };
    await expectProblem(await sendPhoneCode({}, { phone: uniquePhone() }), 401, "UNAUTHENTICATED");
    await expectProblem(await sendPhoneCode(bearer(key), { phone: uniquePhone() }), 403, "FORBIDDEN");
    await expectProblem(
      await confirmPhone(bearer(key), { phone: uniquePhone(), code: "123456" }),
      403,
      "FORBIDDEN",
    );
    for (const body of [{ phone: "123" }, {}, { phone: uniquePhone(), extra: 1 }]) {
      await expectProblem(await sendPhoneCode(owner.auth, body), 422, "VALIDATION_FAILED");
    }
    for (const body of [
      { phone: uniquePhone(), code: "12345" },
      { phone: "12", code: "123456" },
      { code: "123456" },
    ]) {
      await expectProblem(await confirmPhone(owner.auth, body), 422, "VALIDATION_FAILED");
    }
  });
});

describe("POST /api/v1/auth/phone/verify", () => {
  async function memberWithCode() {
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent");
    const phone = uniquePhone();
    expect((await sendPhoneCode(member.auth, { phone })).status).toBe(202);
    return { member, phone, code: await latestCodeSentTo(phone) };
  }
  const wrongCodeFor = (code: string) => (code === "000000" ? "111111" : "000000");

  it("refuses a wrong code (422 on the code field) and burns the code after five wrong attempts", async () => {
    const { member, phone, code } = await memberWithCode();
    for (let attempt = 1; attempt <= 5; attempt++) {
      const problem = await expectProblem(
        await confirmPhone(member.auth, { phone, code: wrongCodeFor(code) }),
        422,
        "VALIDATION_FAILED",
      );
      expect(problem.errors).toEqual([expect.objectContaining({ path: "code", code: "invalid_code" })]);
    }
    await expectProblem(await confirmPhone(member.auth, { phone, code }), 422, "VALIDATION_FAILED");
    expect(await userRow(member.userId)).toMatchObject({ phone: null });
  });

  it("accepts the right code after four wrong ones", async () => {
    const { member, phone, code } = await memberWithCode();
    for (let attempt = 1; attempt <= 4; attempt++)
      await expectProblem(
        await confirmPhone(member.auth, { phone, code: wrongCodeFor(code) }),
        422,
        "VALIDATION_FAILED",
      );
    expect((await confirmPhone(member.auth, { phone, code })).status).toBe(200);
  });

  it("refuses an expired code, a code for another number, and a used one", async () => {
    const expired = await memberWithCode();
    await env.DB.prepare("UPDATE identity_verifications SET expires_at = ? WHERE value = ?")
      .bind(Date.now() - 1, expired.phone)
      .run();
    await expectProblem(await confirmPhone(expired.member.auth, expired), 422, "VALIDATION_FAILED");

    const { member, phone, code } = await memberWithCode();
    await expectProblem(
      await confirmPhone(member.auth, { phone: uniquePhone(), code }),
      422,
      "VALIDATION_FAILED",
    );
    expect((await confirmPhone(member.auth, { phone, code })).status).toBe(200);
    await expectProblem(await confirmPhone(member.auth, { phone, code }), 422, "VALIDATION_FAILED");
  });

  it("refuses another user's code, even for the same number", async () => {
    const { phone, code } = await memberWithCode();
    const { tenantId } = await createTenant();
    const other = await createMember(tenantId, "agent");
    await expectProblem(await confirmPhone(other.auth, { phone, code }), 422, "VALIDATION_FAILED");
    expect(await userRow(other.userId)).toMatchObject({ phone: null });
  });

  it("only the newest code works", async () => {
    const { member, phone, code: first } = await memberWithCode();
    expect((await sendPhoneCode(member.auth, { phone })).status).toBe(202);
    const second = await latestCodeSentTo(phone);
    if (first !== second)
      await expectProblem(await confirmPhone(member.auth, { phone, code: first }), 422, "VALIDATION_FAILED");
    expect((await confirmPhone(member.auth, { phone, code: second })).status).toBe(200);
  });

  it("applies a code sent twice at the same moment once", async () => {
    const { member, phone, code } = await memberWithCode();
    const results = await Promise.all([
      confirmPhone(member.auth, { phone, code }),
      confirmPhone(member.auth, { phone, code }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    expect(await auditCount("auth.phone_verified", member.userId)).toBe(1);
  });
});

describe("email verification", () => {
  it("emails a link that verifies the address once; a new address becomes the sign-in email only when confirmed", async () => {
    const account = await signup({});
    expect(account.user.emailVerified).toBe(false);
    const newEmail = uniqueEmail("moved");
    expect((await sendEmailLink(account.auth, { email: newEmail.toUpperCase() })).status).toBe(202);
    const mail = await env.DB.prepare(
      "SELECT channel, subject, body FROM outbox_messages WHERE recipient = ?",
    )
      .bind(newEmail)
      .first<{ channel: string; subject: string; body: string }>();
    expect(mail?.channel).toBe("email");
    expect(mail?.body).toMatch(/https:\/\/dealix\.test\/account\/email\/verify\?token=[A-Za-z0-9_-]{43}/);
    const token = await latestEmailLinkTokenSentTo(newEmail);
    const stored = await env.DB.prepare(
      "SELECT secret_hash, expires_at, created_at FROM identity_verifications WHERE value = ?",
    )
      .bind(newEmail)
      .first<{ secret_hash: string; expires_at: number; created_at: number }>();
    expect(stored?.secret_hash).toBe(await sha256Hex(token));
    expect(stored?.expires_at).toBe((stored?.created_at ?? 0) + 24 * 60 * 60 * 1000);

    // Until the link is opened, the old address stays the sign-in email.
    expect(await userRow(account.user.id)).toMatchObject({ email: account.email, email_verified_at: null });
    expect((await login(account.email, PASSWORD)).status).toBe(200);

    const res = await confirmEmail(account.auth, { token });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await login(newEmail, PASSWORD)).status).toBe(200);
    await expectProblem(await login(account.email, PASSWORD), 401, "UNAUTHENTICATED");
    await expectProblem(await confirmEmail(account.auth, { token }), 422, "VALIDATION_FAILED");
    expect(await auditCount("auth.email_verified", account.user.id)).toBe(1);
  });

  it("refuses an expired link, another user's link and a malformed token", async () => {
    const first = await signup({});
    const second = await signup({});
    expect((await sendEmailLink(first.auth, { email: first.email })).status).toBe(202);
    const token = await latestEmailLinkTokenSentTo(first.email);
    const problem = await expectProblem(await confirmEmail(second.auth, { token }), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual([expect.objectContaining({ path: "token", code: "invalid_token" })]);
    await env.DB.prepare("UPDATE identity_verifications SET expires_at = ? WHERE value = ?")
      .bind(Date.now() - 1, first.email)
      .run();
    await expectProblem(await confirmEmail(first.auth, { token }), 422, "VALIDATION_FAILED");
    await expectProblem(await confirmEmail(first.auth, { token: "short" }), 422, "VALIDATION_FAILED");
    await expectProblem(await confirmEmail(first.auth, { token: "A".repeat(43) }), 422, "VALIDATION_FAILED");
    await expectProblem(await confirmEmail({}, { token }), 401, "UNAUTHENTICATED");
    expect(await userRow(first.user.id)).toMatchObject({ email_verified_at: null });
    expect(await userRow(second.user.id)).toMatchObject({ email_verified_at: null });
  });

  it("answers 409 for an address verified on another account, and 422 for a bad one", async () => {
    const { tenantId } = await createTenant();
    const holder = await createMember(tenantId, "agent");
    const other = await signup({});
    await expectProblem(await sendEmailLink(other.auth, { email: holder.email }), 409, "CONFLICT");
    await expectProblem(await sendEmailLink(holder.auth, { email: holder.email }), 409, "CONFLICT");
    await expectProblem(await sendEmailLink(other.auth, { email: "not-an-email" }), 422, "VALIDATION_FAILED");
    await expectProblem(await sendEmailLink(other.auth, {}), 422, "VALIDATION_FAILED");
  });
});

describe("sign-up with a phone", () => {
  it("stores the phone unverified and sends it a code that verifies it", async () => {
    const phone = uniquePhone();
    const account = await signup({ phone: phone.replace("+966", "0") });
    expect(account.user).toMatchObject({ phone, phoneVerified: false, emailVerified: false });
    const code = await latestCodeSentTo(phone);
    expect(code).toMatch(/^\d{6}$/);
    expect((await confirmPhone(account.auth, { phone, code })).status).toBe(200);
    expect((await me(account.auth)).user).toMatchObject({ phone, phoneVerified: true });
  });

  it("keys code hashes with a key of their own, not the password pepper", async () => {
    const phone = uniquePhone();
    await signup({ phone });
    const code = await latestCodeSentTo(phone);
    const row = await env.DB.prepare("SELECT id, secret_hash FROM identity_verifications WHERE value = ?")
      .bind(phone)
      .first<{ id: string; secret_hash: string }>();
    const config = loadConfig(env);
    expect(row?.secret_hash).not.toBe(
      await hmacSha256Hex(config.PASSWORD_PEPPER, `verify:${row?.id}:${code}`),
    );
    expect(row?.secret_hash).not.toBe(await hmacSha256Hex(config.JWT_SECRET, `verify:${row?.id}:${code}`));
    expect(row?.secret_hash).toBe(await codeHash(config, "verify", row?.id ?? "", code));
  });
});

describe("daily purge", () => {
  it("deletes expired verification codes and links, and keeps live ones", async () => {
    const first = await signup({ phone: uniquePhone() });
    const second = await signup({ phone: uniquePhone() });
    const now = Date.now();
    await env.DB.prepare("UPDATE identity_verifications SET expires_at = ? WHERE user_id = ?")
      .bind(now - 1, first.user.id)
      .run();
    const expired = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM identity_verifications WHERE expires_at <= ?",
    )
      .bind(now)
      .first<{ n: number }>();
    expect(expired?.n).toBeGreaterThanOrEqual(1);
    const counts = await purgeExpired(dbFor(env.DB), now);
    expect(counts.identityVerifications).toBe(expired?.n);
    const left = await env.DB.prepare("SELECT user_id FROM identity_verifications WHERE user_id IN (?, ?)")
      .bind(first.user.id, second.user.id)
      .all<{ user_id: string }>();
    expect(left.results).toEqual([{ user_id: second.user.id }]);
  });
});
