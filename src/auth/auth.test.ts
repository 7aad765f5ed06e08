import { env } from "cloudflare:workers";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD, putOnPlan, signupViaApi } from "../../test/fixtures";
import { call, countRows, expectProblem, postJson, postJsonSettled, uniqueEmail } from "../../test/helpers";
import { TRIAL_PLAN } from "../billing/plans";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import type { RequestContext } from "../platform/context";
import { hmacSha256Hex, sha256Hex } from "../platform/crypto";
import { codeHash } from "./codes";
import { requestOtp } from "./signin.service";
import {
  ACCESS_TOKEN_TYPE,
  signAccessToken,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  verifyAccessToken,
} from "./tokens";

const me = (token: string) => call("/api/v1/auth/me", { headers: { Authorization: `Bearer ${token}` } });
const login = (body: unknown, ip = freshIp()) => postJson("/api/v1/auth/login", body, ip);
const refresh = (refreshToken: string) => postJson("/api/v1/auth/refresh", { refreshToken }, freshIp());

interface Session {
  tenant: { id: string };
  user: { id: string; email: string };
  role: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

describe("POST /api/v1/auth/signup", () => {
  it("creates the tenant, its owner and a session in one go", async () => {
    const { res, body } = await signupViaApi({
      email: "Noura@Example.SA",
      phone: "0551112233",
      locale: "en",
    });
    expect(res.status).toBe(201);
    const session = (await res.json()) as Session;
    expect(session).toMatchObject({
      tenant: {
        name: { ar: body.company, en: body.company },
        timezone: "Asia/Riyadh",
        locale: "en",
        status: "active",
      },
      user: { email: "noura@example.sa", phone: "+966551112233", name: "Noura" },
      role: "owner",
      tokenType: "Bearer",
      expiresIn: 600,
    });
    expect(session.tenant.id).toMatch(/^ten_/);

    const user = await env.DB.prepare("SELECT * FROM users WHERE id = ?")
      .bind(session.user.id)
      .first<Record<string, string>>();
    expect(user?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(user?.password_hash).not.toContain(PASSWORD);
    const membership = await env.DB.prepare(
      "SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?",
    )
      .bind(session.tenant.id, session.user.id)
      .first();
    expect(membership).toEqual({ role: "owner" });
    const stored = await env.DB.prepare("SELECT token_hash FROM refresh_tokens WHERE token_hash = ?")
      .bind(await sha256Hex(session.refreshToken))
      .first();
    expect(stored).not.toBeNull();
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM refresh_tokens WHERE token_hash = ?")
        .bind(session.refreshToken)
        .first(),
    ).toEqual({ n: 0 });
    const audit = await env.DB.prepare("SELECT action, actor_id FROM audit_events WHERE tenant_id = ?")
      .bind(session.tenant.id)
      .first();
    expect(audit).toEqual({ action: "tenant.created", actor_id: session.user.id });

    const account = await me(session.accessToken);
    expect(account.status).toBe(200);
    expect(await account.json()).toMatchObject({
      role: "owner",
      user: { id: session.user.id },
      tenant: { id: session.tenant.id },
    });
  });

  it.each([
    ["a short password", { password: "short1" }, "password", "too_short"],
    ["a common password", { password: "password1234" }, "password", "common"],
    ["a bad email", { email: "not-an-email" }, "email", "invalid_format"],
    ["a bad phone", { phone: "123" }, "phone", "custom"],
    ["an unknown field", { role: "admin" }, "body", "unrecognized_keys"],
    ["a missing company", { company: "" }, "company", "too_small"],
  ])("rejects %s with 422 and writes nothing", async (_label, override, path, code) => {
    const [users, tenants] = [await countRows("users"), await countRows("tenants")];
    const { res } = await signupViaApi(override);
    const problem = await expectProblem(res, 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, code })]));
    expect(await countRows("users")).toBe(users);
    expect(await countRows("tenants")).toBe(tenants);
  });

  it("answers 409 for an email a verified account holds, and creates no second tenant", async () => {
    const { tenantId } = await createTenant();
    const holder = await createMember(tenantId, "agent");
    const tenants = await countRows("tenants");
    const { res } = await signupViaApi({ email: holder.email.toUpperCase() });
    await expectProblem(res, 409, "CONFLICT");
    expect(await countRows("tenants")).toBe(tenants);
  });
});

describe("POST /api/v1/auth/login", () => {
  it("signs in with the right password", async () => {
    const { body } = await signupViaApi();
    const res = await login({ email: body.email, password: PASSWORD });
    expect(res.status).toBe(200);
    const session = (await res.json()) as Session;
    expect(session.role).toBe("owner");
    expect((await me(session.accessToken)).status).toBe(200);
  });

  it("gives a wrong password and an unknown email the same answer, and records the failure", async () => {
    const { body } = await signupViaApi();
    const wrong = await login({ email: body.email, password: "not the password at all" });
    const unknown = await login({ email: "nobody@example.sa", password: "not the password at all" });
    const a = await expectProblem(wrong, 401, "UNAUTHENTICATED");
    const b = await expectProblem(unknown, 401, "UNAUTHENTICATED");
    expect({ ...a, requestId: "" }).toEqual({ ...b, requestId: "" });
    expect(wrong.headers.get("WWW-Authenticate")).toBe(unknown.headers.get("WWW-Authenticate"));
    const failures = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.sign_in_failed'",
    ).first();
    expect(failures).toEqual({ n: 2 });
  });

  it("refuses a workspace the user is not a member of", async () => {
    const { body } = await signupViaApi();
    const other = await createTenant();
    const res = await login({ email: body.email, password: PASSWORD, tenantId: other.tenantId });
    await expectProblem(res, 403, "FORBIDDEN");
  });

  it("signs in to the workspace asked for when the user has several", async () => {
    const { res: signupRes, body } = await signupViaApi();
    const first = (await signupRes.json()) as Session;
    const second = await createTenant();
    await env.DB.prepare(
      "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, 'agent', ?)",
    )
      .bind(second.tenantId, first.user.id, Date.now())
      .run();
    const res = await login({ email: body.email, password: PASSWORD, tenantId: second.tenantId });
    expect((await res.json()) as Session).toMatchObject({ tenant: { id: second.tenantId }, role: "agent" });
  });

  it("rate-limits password guessing per account, across IPs", async () => {
    const { body } = await signupViaApi();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await login({ email: body.email, password: `wrong password ${i}` })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await login({ email: body.email, password: PASSWORD });
    await expectProblem(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it.each([
    ["no body fields", {}],
    ["an unknown field", { email: "a@b.sa", password: "x", remember: true }],
    ["a malformed tenantId", { email: "a@b.sa", password: "x", tenantId: "tenant-b" }],
  ])("rejects %s with 422", async (_label, body) => {
    await expectProblem(await login(body), 422, "VALIDATION_FAILED");
  });
});

describe("access tokens", () => {
  const secret = () => new TextEncoder().encode(loadConfig(env).JWT_SECRET);

  it("are refused when expired", async () => {
    const tenant = await createTenant();
    const expired = await signAccessToken(
      loadConfig(env).JWT_SECRET,
      {
        userId: tenant.owner.userId,
        tenantId: tenant.tenantId,
        role: "owner",
        familyId: tenant.owner.familyId,
        plan: null,
      },
      Date.now() - 11 * 60 * 1000,
    );
    await expectProblem(await me(expired), 401, "UNAUTHENTICATED");
  });

  it("are refused when tampered with", async () => {
    const tenant = await createTenant();
    const [header, payload, signature] = tenant.agent.accessToken.split(".");
    const claims = JSON.parse(atob((payload ?? "").replaceAll("-", "+").replaceAll("_", "/")));
    const forged = btoa(JSON.stringify({ ...claims, role: "owner" }))
      .replaceAll("=", "")
      .replaceAll("+", "-")
      .replaceAll("/", "_");
    await expectProblem(await me(`${header}.${forged}.${signature}`), 401, "UNAUTHENTICATED");
  });

  it("are refused for another audience, another issuer or another type", async () => {
    const tenant = await createTenant();
    const base = () =>
      new SignJWT({ tid: tenant.tenantId, role: "owner", fam: tenant.owner.familyId })
        .setSubject(tenant.owner.userId)
        .setIssuedAt()
        .setExpirationTime("5m");
    const wrongAudience = await base()
      .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
      .setIssuer(TOKEN_ISSUER)
      .setAudience("other-api")
      .sign(secret());
    const wrongIssuer = await base()
      .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
      .setIssuer("https://evil.example")
      .setAudience(TOKEN_AUDIENCE)
      .sign(secret());
    const wrongType = await base()
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .sign(secret());
    const wrongAlgorithm = await base()
      .setProtectedHeader({ alg: "HS512", typ: ACCESS_TOKEN_TYPE })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .sign(secret());
    for (const token of [wrongAudience, wrongIssuer, wrongType, wrongAlgorithm]) {
      await expectProblem(await me(token), 401, "UNAUTHENTICATED");
    }
  });

  it('are refused with alg "none"', async () => {
    const tenant = await createTenant();
    const encode = (value: object) =>
      btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: "none", typ: ACCESS_TOKEN_TYPE })}.${encode({
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: tenant.owner.userId,
      tid: tenant.tenantId,
      role: "owner",
      fam: tenant.owner.familyId,
      iat: now,
      exp: now + 300,
    })}.`;
    await expectProblem(await me(unsigned), 401, "UNAUTHENTICATED");
  });

  it("are refused without a bearer scheme", async () => {
    await expectProblem(await call("/api/v1/auth/me"), 401, "UNAUTHENTICATED");
    await expectProblem(
      await call("/api/v1/auth/me", { headers: { Authorization: "Basic abc" } }),
      401,
      "UNAUTHENTICATED",
    );
  });
});

describe("refresh tokens", () => {
  it("rotate: the new pair works and the old refresh token does not", async () => {
    const { owner } = await createTenant();
    const res = await refresh(owner.refreshToken);
    expect(res.status).toBe(200);
    const next = (await res.json()) as Session;
    expect(next.refreshToken).not.toBe(owner.refreshToken);
    expect((await me(next.accessToken)).status).toBe(200);
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
  });

  it("reused after rotation revoke the whole family, including the newest tokens", async () => {
    const { owner } = await createTenant();
    const next = (await (await refresh(owner.refreshToken)).json()) as Session;
    // Past the grace window for concurrent tabs: this is a replay.
    await env.DB.prepare("UPDATE refresh_tokens SET used_at = used_at - 60000 WHERE token_hash = ?")
      .bind(await sha256Hex(owner.refreshToken))
      .run();
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
    const family = await env.DB.prepare("SELECT revoked_reason FROM refresh_families WHERE id = ?")
      .bind(owner.familyId)
      .first();
    expect(family).toEqual({ revoked_reason: "refresh_token_reuse" });
    await expectProblem(await refresh(next.refreshToken), 401, "UNAUTHENTICATED");
    await expectProblem(await me(next.accessToken), 401, "UNAUTHENTICATED");
    const audit = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.refresh_reuse_detected'",
    ).first();
    expect(audit).toEqual({ n: 1 });
  });

  it("reused within seconds (two tabs) are refused without ending the session", async () => {
    const { owner } = await createTenant();
    const next = (await (await refresh(owner.refreshToken)).json()) as Session;
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it("stop working when the member is removed", async () => {
    const { tenantId, agent } = await createTenant();
    await env.DB.prepare("DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?")
      .bind(tenantId, agent.userId)
      .run();
    await expectProblem(await refresh(agent.refreshToken), 401, "UNAUTHENTICATED");
    await expectProblem(await me(agent.accessToken), 401, "UNAUTHENTICATED");
  });

  it("reject malformed input", async () => {
    await expectProblem(
      await postJson("/api/v1/auth/refresh", { refreshToken: 42 }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await refresh("x".repeat(40)), 401, "UNAUTHENTICATED");
  });
});

describe("POST /api/v1/auth/logout", () => {
  it("ends the session at once: refresh and access tokens stop working", async () => {
    const { owner } = await createTenant();
    const res = await postJson("/api/v1/auth/logout", { refreshToken: owner.refreshToken });
    expect(res.status).toBe(204);
    await expectProblem(await refresh(owner.refreshToken), 401, "UNAUTHENTICATED");
    await expectProblem(await me(owner.accessToken), 401, "UNAUTHENTICATED");
  });

  it("is idempotent for unknown tokens", async () => {
    expect((await postJson("/api/v1/auth/logout", { refreshToken: "y".repeat(43) })).status).toBe(204);
  });
});

describe("WhatsApp OTP sign-in", () => {
  const requestCode = (phone: string, ip = freshIp()) =>
    postJsonSettled("/api/v1/auth/otp/request", { phone }, ip);
  const verify = (phone: string, code: string) =>
    postJson("/api/v1/auth/otp/verify", { phone, code }, freshIp());
  const latestCode = async (phone: string) => {
    const row = await env.DB.prepare(
      "SELECT body FROM outbox_messages WHERE recipient = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
      .bind(phone)
      .first<{ body: string }>();
    return /\d{6}/.exec(row?.body ?? "")?.[0] ?? "";
  };

  it("sends a code over the WhatsApp dev transport and signs in with it, once", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966500000101" });
    const res = await requestCode("0500000101");
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "accepted" });
    const code = await latestCode("+966500000101");
    expect(code).toMatch(/^\d{6}$/);
    const stored = await env.DB.prepare(
      "SELECT code_hash FROM otp_codes WHERE phone = '+966500000101'",
    ).first<{ code_hash: string }>();
    expect(stored?.code_hash).not.toContain(code);

    // Keyed with a key derived for codes, never with the password pepper.
    const row = await env.DB.prepare(
      "SELECT id, code_hash FROM otp_codes WHERE phone = '+966500000101'",
    ).first<{
      id: string;
      code_hash: string;
    }>();
    const config = loadConfig(env);
    expect(row?.code_hash).toBe(await codeHash(config, "otp", row?.id ?? "", code));
    expect(row?.code_hash).not.toBe(await hmacSha256Hex(config.PASSWORD_PEPPER, `otp:${row?.id}:${code}`));

    const signedIn = await verify("+966500000101", code);
    expect(signedIn.status).toBe(200);
    expect(((await signedIn.json()) as Session).role).toBe("agent");
    await expectProblem(await verify("+966500000101", code), 401, "UNAUTHENTICATED");
  });

  it("answers before writing or sending anything, so a known phone costs the same as an unknown one", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966500000107" });
    const deferred: Promise<unknown>[] = [];
    const context = (): RequestContext => ({
      db: dbFor(env.DB),
      config: loadConfig(env),
      env,
      origin: { requestId: null, ip: null },
      request: new Request("https://dealix.test/", { headers: freshIp() }),
      now: Date.now(),
      waitUntil: (task) => deferred.push(task),
    });
    const sentTo = (phone: string) =>
      env.DB.prepare("SELECT COUNT(*) AS n FROM otp_codes WHERE phone = ?")
        .bind(phone)
        .first<{ n: number }>();

    await requestOtp(context(), "+966500000108");
    expect(deferred).toHaveLength(0);
    await requestOtp(context(), "+966500000107");
    expect(deferred).toHaveLength(1);
    expect(await sentTo("+966500000107")).toEqual({ n: 0 });
    await Promise.all(deferred);
    expect(await sentTo("+966500000107")).toEqual({ n: 1 });
    expect(await latestCode("+966500000107")).toMatch(/^\d{6}$/);
  });

  it("leaves codes already used alone when a new one replaces the unused ones", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966500000109" });
    await requestCode("+966500000109");
    expect((await verify("+966500000109", await latestCode("+966500000109"))).status).toBe(200);
    await env.DB.prepare("UPDATE otp_codes SET consumed_at = 12345 WHERE phone = '+966500000109'").run();
    await requestCode("+966500000109");
    const { results } = await env.DB.prepare(
      "SELECT consumed_at FROM otp_codes WHERE phone = '+966500000109' ORDER BY created_at, rowid",
    ).all<{ consumed_at: number | null }>();
    expect(results).toEqual([{ consumed_at: 12345 }, { consumed_at: null }]);
  });

  it("answers an unknown phone exactly like a known one, and sends nothing", async () => {
    const res = await requestCode("+966500000999");
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "accepted" });
    const sent = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '+966500000999'",
    ).first();
    expect(sent).toEqual({ n: 0 });
  });

  it("burns the code after five wrong attempts", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966500000102" });
    await requestCode("+966500000102");
    const code = await latestCode("+966500000102");
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++)
      await expectProblem(await verify("+966500000102", wrong), 401, "UNAUTHENTICATED");
    await expectProblem(await verify("+966500000102", code), 401, "UNAUTHENTICATED");
  });

  it("refuses an expired code", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966500000103" });
    await requestCode("+966500000103");
    const code = await latestCode("+966500000103");
    await env.DB.prepare("UPDATE otp_codes SET expires_at = ? WHERE phone = '+966500000103'")
      .bind(Date.now() - 1)
      .run();
    await expectProblem(await verify("+966500000103", code), 401, "UNAUTHENTICATED");
  });

  it("replaces an earlier code when a new one is requested", async () => {
    const { tenantId } = await createTenant();
    await createMember(tenantId, "agent", { phone: "+966500000104" });
    await requestCode("+966500000104");
    const first = await latestCode("+966500000104");
    await requestCode("+966500000104");
    const second = await latestCode("+966500000104");
    if (first !== second) await expectProblem(await verify("+966500000104", first), 401, "UNAUTHENTICATED");
    expect((await verify("+966500000104", second)).status).toBe(200);
  });

  it("rate-limits code requests per phone", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await requestCode("+966500000105")).status);
    expect(statuses).toContain(429);
  });

  it.each([
    ["a bad phone", "/api/v1/auth/otp/request", { phone: "12" }],
    ["a five-digit code", "/api/v1/auth/otp/verify", { phone: "+966500000106", code: "12345" }],
    ["an unknown field", "/api/v1/auth/otp/verify", { phone: "+966500000106", code: "123456", extra: 1 }],
  ])("rejects %s with 422", async (_label, path, body) => {
    await expectProblem(await postJson(path, body, freshIp()), 422, "VALIDATION_FAILED");
  });
});

describe("the plan claim (the API quotas of people)", () => {
  const planIn = async (res: Response) => {
    expect(res.status).toBeLessThan(300);
    return decodeJwt(((await res.json()) as Session).accessToken).pln;
  };

  it("is the trial's plan at sign-up", async () => {
    expect(await planIn((await signupViaApi()).res)).toBe(TRIAL_PLAN);
  });

  it("is the chosen workspace's plan at sign-in", async () => {
    const { res: signupRes, body } = await signupViaApi();
    const first = (await signupRes.json()) as Session;
    const second = await createTenant();
    await putOnPlan(second.tenantId, "enterprise");
    await env.DB.prepare(
      "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, 'agent', ?)",
    )
      .bind(second.tenantId, first.user.id, Date.now())
      .run();
    await putOnPlan(first.tenant.id, "starter");
    expect(await planIn(await login({ email: body.email, password: PASSWORD }))).toBe("starter");
    expect(
      await planIn(await login({ email: body.email, password: PASSWORD, tenantId: second.tenantId })),
    ).toBe("enterprise");
  });

  it("is the inviting tenant's plan when an invitation is accepted, by a new account or a member of another", async () => {
    const { owner, tenantId } = await createTenant();
    // Not Starter: its three seats are taken.
    await putOnPlan(tenantId, "enterprise");
    const invite = async (email: string) => {
      const res = await postJson("/api/v1/invitations", { email, role: "agent" }, owner.auth);
      expect(res.status).toBe(201);
      const { acceptUrl } = (await res.json()) as { acceptUrl: string };
      return `/api/v1/invitations/${new URL(acceptUrl).pathname.split("/").at(-1)}/accept`;
    };
    const newcomer = await invite(uniqueEmail("invitee"));
    expect(await planIn(await postJson(newcomer, { name: "Reem", password: PASSWORD }, freshIp()))).toBe(
      "enterprise",
    );
    const elsewhere = await createTenant();
    const member = await invite(elsewhere.agent.email);
    expect(await planIn(await postJson(member, {}, { ...elsewhere.agent.auth, ...freshIp() }))).toBe(
      "enterprise",
    );
  });

  it("is read only as one of the plans: an unknown or missing one is no plan", async () => {
    const tenant = await createTenant();
    const signed = (pln: unknown) =>
      new SignJWT({ tid: tenant.tenantId, role: "owner", fam: tenant.owner.familyId, pln })
        .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(tenant.owner.userId)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(loadConfig(env).JWT_SECRET));
    const planOf = async (pln: unknown) =>
      (await verifyAccessToken(loadConfig(env).JWT_SECRET, await signed(pln), Date.now()))?.plan;
    expect(await planOf("enterprise")).toBe("enterprise");
    expect(await planOf("platinum")).toBeUndefined();
    expect(await planOf(["enterprise"])).toBeUndefined();
    expect(await planOf(undefined)).toBeUndefined();
  });
});
