import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD } from "../../test/fixtures";
import { call, countRows, expectProblem, ORIGIN, postJson, uniqueEmail } from "../../test/helpers";
import { sha256Hex } from "../platform/crypto";

type Auth = { Authorization: string } | Record<string, never>;

const listMembers = (auth: Auth) => call("/api/v1/members", { headers: auth });
const changeRole = (auth: Auth, userId: string, body: unknown, headers: Record<string, string> = {}) =>
  call(`/api/v1/members/${userId}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const removeMember = (auth: Auth, userId: string, headers: Record<string, string> = {}) =>
  call(`/api/v1/members/${userId}`, { method: "DELETE", headers: { ...auth, ...headers } });
const invite = (auth: Auth, body: unknown, headers: Record<string, string> = {}) =>
  postJson("/api/v1/invitations", body, { ...auth, ...headers });
const listInvitations = (auth: Auth) => call("/api/v1/invitations", { headers: auth });
const cancelInvitation = (auth: Auth, invitationId: string, headers: Record<string, string> = {}) =>
  call(`/api/v1/invitations/${invitationId}`, { method: "DELETE", headers: { ...auth, ...headers } });
const preview = (token: string) => call(`/api/v1/invitations/${token}/preview`);
const accept = (token: string, body: unknown, auth: Auth = {}) =>
  postJson(`/api/v1/invitations/${token}/accept`, body, { ...auth, ...freshIp() });
const me = (token: string) => call("/api/v1/auth/me", { headers: { Authorization: `Bearer ${token}` } });
const refresh = (refreshToken: string) => postJson("/api/v1/auth/refresh", { refreshToken }, freshIp());
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

let phoneCounter = 0;
// A real Saudi mobile range (055…): the phone schema refuses numbers no operator issues.
const uniquePhone = () =>
  `+96655${(Date.now() % 10_000).toString().padStart(4, "0")}${(phoneCounter++ % 1_000).toString().padStart(3, "0")}`;

interface Member {
  userId: string;
  name: string;
  email: string;
  phone: string | null;
  role: string;
  joinedAt: string;
}
interface CreatedInvitation {
  invitation: {
    id: string;
    email: string | null;
    phone: string | null;
    role: string;
    invitedBy: string;
    expiresAt: string;
    createdAt: string;
  };
  acceptUrl: string;
  delivered: boolean;
}
interface Session {
  tenant: { id: string };
  user: { id: string; email: string; phone: string | null; name: string };
  role: string;
  accessToken: string;
  refreshToken: string;
}

const tokenOf = (acceptUrl: string) => new URL(acceptUrl).pathname.split("/").at(-1) ?? "";

async function createInvitation(auth: Auth, body: Record<string, unknown>) {
  const res = await invite(auth, body);
  expect(res.status).toBe(201);
  const created = (await res.json()) as CreatedInvitation;
  return { ...created, token: tokenOf(created.acceptUrl) };
}

const membershipRole = async (tenantId: string, userId: string) =>
  (
    await env.DB.prepare("SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?")
      .bind(tenantId, userId)
      .first<{ role: string }>()
  )?.role ?? null;

const invitationRow = (id: string) =>
  env.DB.prepare("SELECT * FROM invitations WHERE id = ?").bind(id).first<Record<string, unknown>>();

const auditRows = async (tenantId: string, action: string) =>
  (
    await env.DB.prepare(
      "SELECT actor_type, actor_id, target_type, target_id, request_id, ip, details FROM audit_events WHERE tenant_id = ? AND action = ? ORDER BY created_at",
    )
      .bind(tenantId, action)
      .all<Record<string, string | null>>()
  ).results.map((row) => ({
    ...row,
    details: row.details === null ? null : JSON.parse(row.details ?? "null"),
  }));

const tenantSnapshot = async (tenantId: string) => ({
  memberships: (
    await env.DB.prepare("SELECT * FROM memberships WHERE tenant_id = ? ORDER BY user_id")
      .bind(tenantId)
      .all()
  ).results,
  invitations: (
    await env.DB.prepare("SELECT * FROM invitations WHERE tenant_id = ? ORDER BY id").bind(tenantId).all()
  ).results,
  families: (
    await env.DB.prepare("SELECT * FROM refresh_families WHERE tenant_id = ? ORDER BY id")
      .bind(tenantId)
      .all()
  ).results,
  audit: (
    await env.DB.prepare("SELECT id FROM audit_events WHERE tenant_id = ? ORDER BY id").bind(tenantId).all()
  ).results,
});

async function createApiKey(auth: Auth, scopes: string[]) {
  const res = await postJson("/api/v1/api-keys", { name: "integration", scopes }, auth);
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

const UNKNOWN_USER = "usr_00000000000000000000";
const UNKNOWN_INVITATION = "inv_00000000000000000000";

describe("GET /api/v1/members", () => {
  it("lists the tenant's members with their roles, and no one from another tenant", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const res = await listMembers(a.manager.auth);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Member[] };
    expect(data.map((m) => [m.userId, m.role]).sort()).toEqual(
      [
        [a.owner.userId, "owner"],
        [a.manager.userId, "manager"],
        [a.agent.userId, "agent"],
      ].sort(),
    );
    const owner = data.find((m) => m.userId === a.owner.userId);
    expect(owner).toEqual({
      userId: a.owner.userId,
      name: "User owner",
      email: a.owner.email,
      phone: null,
      role: "owner",
      joinedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(JSON.stringify(data)).not.toMatch(/password|pbkdf2/i);
    for (const other of [b.owner, b.manager, b.agent]) {
      expect(data.some((m) => m.userId === other.userId)).toBe(false);
    }
  });

  it("is open to an API key with members:read, and only shows the key's tenant", async () => {
    const a = await createTenant();
    await createTenant();
    const key = await createApiKey(a.owner.auth, ["members:read"]);
    const res = await listMembers(bearer(key));
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Member[] };
    expect(data).toHaveLength(3);
    expect(new Set(data.map((m) => m.userId))).toEqual(
      new Set([a.owner.userId, a.manager.userId, a.agent.userId]),
    );

    const auditOnly = await createApiKey(a.owner.auth, ["audit:read"]);
    await expectProblem(await listMembers(bearer(auditOnly)), 403, "FORBIDDEN");
  });
});

describe("PATCH /api/v1/members/{userId}", () => {
  it("changes the role, effective on the member's very next request, and records it", async () => {
    const { tenantId, owner, agent } = await createTenant();
    await expectProblem(await listMembers(agent.auth), 403, "FORBIDDEN");

    const requestId = `req-role-change-${Date.now()}`;
    const res = await changeRole(
      owner.auth,
      agent.userId,
      { role: "manager" },
      {
        "X-Request-Id": requestId,
        "CF-Connecting-IP": "198.51.100.7",
      },
    );
    expect(res.status).toBe(204);
    expect(await membershipRole(tenantId, agent.userId)).toBe("manager");

    // The same access token, signed while the user was an agent, now carries the manager role.
    expect((await listMembers(agent.auth)).status).toBe(200);
    const account = (await (await me(agent.accessToken)).json()) as { role: string };
    expect(account.role).toBe("manager");

    expect(await auditRows(tenantId, "member.role_changed")).toEqual([
      {
        actor_type: "user",
        actor_id: owner.userId,
        target_type: "user",
        target_id: agent.userId,
        request_id: requestId,
        ip: "198.51.100.7",
        details: { from: "agent", to: "manager" },
      },
    ]);

    expect((await changeRole(owner.auth, agent.userId, { role: "agent" })).status).toBe(204);
    await expectProblem(await listMembers(agent.auth), 403, "FORBIDDEN");
    const changes = await auditRows(tenantId, "member.role_changed");
    expect(changes.map((row) => row.details)).toEqual([
      { from: "agent", to: "manager" },
      { from: "manager", to: "agent" },
    ]);
  });

  it("writes no audit event when the role does not change", async () => {
    const { tenantId, owner, manager } = await createTenant();
    expect((await changeRole(owner.auth, manager.userId, { role: "manager" })).status).toBe(204);
    expect(await auditRows(tenantId, "member.role_changed")).toEqual([]);
  });

  it("refuses to demote the last owner (409), but allows it once there is another owner", async () => {
    const { tenantId, owner, manager } = await createTenant();
    await expectProblem(await changeRole(owner.auth, owner.userId, { role: "manager" }), 409, "CONFLICT");
    expect(await membershipRole(tenantId, owner.userId)).toBe("owner");
    expect(await auditRows(tenantId, "member.role_changed")).toEqual([]);

    expect((await changeRole(owner.auth, manager.userId, { role: "owner" })).status).toBe(204);
    expect((await changeRole(owner.auth, owner.userId, { role: "manager" })).status).toBe(204);
    expect(await membershipRole(tenantId, owner.userId)).toBe("manager");
    // The former owner is now a manager and may no longer change roles.
    await expectProblem(await changeRole(owner.auth, manager.userId, { role: "agent" }), 403, "FORBIDDEN");
    expect(await membershipRole(tenantId, manager.userId)).toBe("owner");
  });

  it.each([
    ["a malformed userId", "usr_BAD", { role: "manager" }, "userId"],
    ["a userId of another kind", "ten_00000000000000000000", { role: "manager" }, "userId"],
    ["an unknown role", null, { role: "admin" }, "role"],
    ["a missing role", null, {}, "role"],
    ["an unknown field", null, { role: "manager", tenantId: "ten_00000000000000000000" }, "body"],
  ])("rejects %s with 422 and changes nothing", async (_label, userId, body, path) => {
    const { tenantId, owner, agent } = await createTenant();
    const problem = await expectProblem(
      await changeRole(owner.auth, userId ?? agent.userId, body),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await membershipRole(tenantId, agent.userId)).toBe("agent");
    expect(await auditRows(tenantId, "member.role_changed")).toEqual([]);
  });

  it("answers 404 for a user who is not a member, and for another tenant's member (leaving it unchanged)", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await expectProblem(await changeRole(a.owner.auth, UNKNOWN_USER, { role: "manager" }), 404, "NOT_FOUND");
    const before = await tenantSnapshot(b.tenantId);
    for (const target of [b.agent, b.owner]) {
      await expectProblem(
        await changeRole(a.owner.auth, target.userId, { role: "manager" }),
        404,
        "NOT_FOUND",
      );
    }
    expect(await tenantSnapshot(b.tenantId)).toEqual(before);
    expect(await membershipRole(b.tenantId, b.agent.userId)).toBe("agent");
    expect((await listMembers(b.agent.auth)).status).toBe(403);
  });
});

describe("DELETE /api/v1/members/{userId}", () => {
  it("removes the member and ends their sessions in this tenant at once", async () => {
    const { tenantId, owner, agent } = await createTenant();
    expect((await me(agent.accessToken)).status).toBe(200);

    const requestId = `req-remove-${Date.now()}`;
    const res = await removeMember(owner.auth, agent.userId, { "X-Request-Id": requestId });
    expect(res.status).toBe(204);

    expect(await membershipRole(tenantId, agent.userId)).toBeNull();
    await expectProblem(await me(agent.accessToken), 401, "UNAUTHENTICATED");
    await expectProblem(await refresh(agent.refreshToken), 401, "UNAUTHENTICATED");
    const family = await env.DB.prepare(
      "SELECT revoked_at, revoked_reason FROM refresh_families WHERE id = ?",
    )
      .bind(agent.familyId)
      .first<{ revoked_at: number | null; revoked_reason: string | null }>();
    expect(family?.revoked_reason).toBe("member_removed");
    expect(family?.revoked_at).toEqual(expect.any(Number));
    // The account itself stays: only the membership goes.
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(agent.userId).first()).toEqual({
      id: agent.userId,
    });

    expect(await auditRows(tenantId, "member.removed")).toEqual([
      expect.objectContaining({
        actor_type: "user",
        actor_id: owner.userId,
        target_type: "user",
        target_id: agent.userId,
        request_id: requestId,
        details: { role: "agent" },
      }),
    ]);
    const members = (await (await listMembers(owner.auth)).json()) as { data: Member[] };
    expect(members.data.some((m) => m.userId === agent.userId)).toBe(false);

    await expectProblem(await removeMember(owner.auth, agent.userId), 404, "NOT_FOUND");
  });

  it("leaves the removed user's sessions in their other tenants alone", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { token } = await createInvitation(a.owner.auth, { email: b.agent.email, role: "agent" });
    const joined = await accept(token, {}, b.agent.auth);
    expect(joined.status).toBe(200);
    const inA = (await joined.json()) as Session;
    expect((await me(inA.accessToken)).status).toBe(200);

    expect((await removeMember(a.owner.auth, b.agent.userId)).status).toBe(204);
    await expectProblem(await me(inA.accessToken), 401, "UNAUTHENTICATED");
    await expectProblem(await refresh(inA.refreshToken), 401, "UNAUTHENTICATED");
    expect((await me(b.agent.accessToken)).status).toBe(200);
    expect((await refresh(b.agent.refreshToken)).status).toBe(200);
    expect(await membershipRole(b.tenantId, b.agent.userId)).toBe("agent");
  });

  it("refuses to remove the last owner (409)", async () => {
    const { tenantId, owner, manager } = await createTenant();
    await expectProblem(await removeMember(owner.auth, owner.userId), 409, "CONFLICT");
    expect(await membershipRole(tenantId, owner.userId)).toBe("owner");
    expect((await me(owner.accessToken)).status).toBe(200);
    expect(await auditRows(tenantId, "member.removed")).toEqual([]);

    expect((await changeRole(owner.auth, manager.userId, { role: "owner" })).status).toBe(204);
    expect((await removeMember(manager.auth, owner.userId)).status).toBe(204);
    expect(await membershipRole(tenantId, owner.userId)).toBeNull();
  });

  it("rejects a malformed userId with 422", async () => {
    const { owner } = await createTenant();
    const problem = await expectProblem(
      await removeMember(owner.auth, "not-a-user"),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.[0]?.path).toBe("userId");
  });

  it("answers 404 for another tenant's member and leaves them and their sessions alone", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const before = await tenantSnapshot(b.tenantId);
    await expectProblem(await removeMember(a.owner.auth, b.agent.userId), 404, "NOT_FOUND");
    await expectProblem(await removeMember(a.owner.auth, b.owner.userId), 404, "NOT_FOUND");
    expect(await tenantSnapshot(b.tenantId)).toEqual(before);
    expect((await me(b.agent.accessToken)).status).toBe(200);
    expect((await refresh(b.agent.refreshToken)).status).toBe(200);
  });
});

describe("POST /api/v1/invitations", () => {
  it("builds the link from APP_ORIGIN, not from the Host the request was sent to", async () => {
    const { owner } = await createTenant();
    const res = await exports.default.fetch(
      new Request("https://attacker.example/api/v1/invitations", {
        method: "POST",
        headers: { ...owner.auth, "Content-Type": "application/json" },
        body: JSON.stringify({ email: uniqueEmail("host"), role: "agent" }),
      }),
    );
    expect(res.status).toBe(201);
    const { acceptUrl } = (await res.json()) as CreatedInvitation;
    expect(new URL(acceptUrl).origin).toBe("https://dealix.test");
  });

  it("invites by email: stores only the link's hash, sends the link and records the event", async () => {
    const { tenantId, owner } = await createTenant("عقارات الاختبار");
    const email = uniqueEmail("invitee");
    const requestId = `req-invite-${Date.now()}`;
    const res = await invite(
      owner.auth,
      { email: email.toUpperCase(), role: "manager" },
      { "X-Request-Id": requestId },
    );
    expect(res.status).toBe(201);
    const created = (await res.json()) as CreatedInvitation;
    expect(created).toEqual({
      invitation: {
        id: expect.stringMatching(/^inv_[0-9a-z]{20}$/),
        email,
        phone: null,
        role: "manager",
        invitedBy: owner.userId,
        expiresAt: expect.any(String),
        createdAt: expect.any(String),
      },
      acceptUrl: expect.stringMatching(new RegExp(`^${ORIGIN}/invitations/[A-Za-z0-9_-]{40,}$`)),
      delivered: true,
    });
    const ttl = Date.parse(created.invitation.expiresAt) - Date.parse(created.invitation.createdAt);
    expect(ttl).toBe(7 * 24 * 60 * 60 * 1000);

    const token = tokenOf(created.acceptUrl);
    const row = await invitationRow(created.invitation.id);
    expect(row).toMatchObject({
      tenant_id: tenantId,
      email,
      phone: null,
      role: "manager",
      invited_by: owner.userId,
      token_hash: await sha256Hex(token),
      accepted_at: null,
      revoked_at: null,
    });
    expect(JSON.stringify(row)).not.toContain(token);

    const messages = (
      await env.DB.prepare("SELECT channel, subject, body FROM outbox_messages WHERE recipient = ?")
        .bind(email)
        .all<{
          channel: string;
          subject: string;
          body: string;
        }>()
    ).results;
    expect(messages).toHaveLength(1);
    expect(messages[0]?.channel).toBe("email");
    expect(messages[0]?.body).toContain(created.acceptUrl);
    expect(messages[0]?.subject).toContain("عقارات الاختبار");

    expect(await auditRows(tenantId, "invitation.created")).toEqual([
      expect.objectContaining({
        actor_type: "user",
        actor_id: owner.userId,
        target_type: "invitation",
        target_id: created.invitation.id,
        request_id: requestId,
        details: { role: "manager" },
      }),
    ]);
  });

  it("invites by WhatsApp with the number normalised to E.164", async () => {
    const { tenantId, manager } = await createTenant();
    const created = await createInvitation(manager.auth, { phone: "0551230001", role: "agent" });
    expect(created.invitation).toMatchObject({ phone: "+966551230001", email: null, role: "agent" });
    expect(created.delivered).toBe(true);
    const message = await env.DB.prepare("SELECT channel, body FROM outbox_messages WHERE recipient = ?")
      .bind("+966551230001")
      .first<{ channel: string; body: string }>();
    expect(message?.channel).toBe("whatsapp");
    expect(message?.body).toContain(created.acceptUrl);
    expect(await auditRows(tenantId, "invitation.created")).toHaveLength(1);
  });

  it("lets managers invite agents and managers but only owners invite owners", async () => {
    const { tenantId, owner, manager } = await createTenant();
    const invitations = await countRows("invitations");
    const outbox = await countRows("outbox_messages");
    await expectProblem(
      await invite(manager.auth, { email: uniqueEmail("invitee"), role: "owner" }),
      403,
      "FORBIDDEN",
    );
    expect(await countRows("invitations")).toBe(invitations);
    expect(await countRows("outbox_messages")).toBe(outbox);
    expect(await auditRows(tenantId, "invitation.created")).toEqual([]);

    expect((await invite(manager.auth, { email: uniqueEmail("invitee"), role: "manager" })).status).toBe(201);
    expect((await invite(manager.auth, { email: uniqueEmail("invitee"), role: "agent" })).status).toBe(201);
    expect((await invite(owner.auth, { email: uniqueEmail("invitee"), role: "owner" })).status).toBe(201);
    expect(await auditRows(tenantId, "invitation.created")).toHaveLength(3);
  });

  it.each([
    ["both email and phone", { email: "both@example.sa", phone: "+966551230002", role: "agent" }, "email"],
    ["neither email nor phone", { role: "agent" }, "email"],
    ["a bad email", { email: "not-an-email", role: "agent" }, "email"],
    ["a bad phone", { phone: "12345", role: "agent" }, "phone"],
    ["an unknown role", { email: "role@example.sa", role: "admin" }, "role"],
    ["a missing role", { email: "role@example.sa" }, "role"],
    [
      "an unknown field",
      { email: "field@example.sa", role: "agent", tenantId: "ten_00000000000000000000" },
      "body",
    ],
  ])("rejects %s with 422 and writes and sends nothing", async (_label, body, path) => {
    const { owner } = await createTenant();
    const [invitations, outbox, audit] = [
      await countRows("invitations"),
      await countRows("outbox_messages"),
      await countRows("audit_events"),
    ];
    const problem = await expectProblem(await invite(owner.auth, body), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await countRows("invitations")).toBe(invitations);
    expect(await countRows("outbox_messages")).toBe(outbox);
    expect(await countRows("audit_events")).toBe(audit);
  });

  it("answers 409 for someone who is already a member, by email or by phone", async () => {
    const { tenantId, owner, agent } = await createTenant();
    const withPhone = await createMember(tenantId, "agent", { phone: uniquePhone() });
    const invitations = await countRows("invitations");
    await expectProblem(await invite(owner.auth, { email: agent.email, role: "manager" }), 409, "CONFLICT");
    await expectProblem(
      await invite(owner.auth, { phone: withPhone.phone, role: "manager" }),
      409,
      "CONFLICT",
    );
    expect(await countRows("invitations")).toBe(invitations);
  });

  it("invites a user of another tenant (they are not a member here)", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await createInvitation(a.owner.auth, { email: b.manager.email, role: "agent" });
    expect((await invitationRow(created.invitation.id))?.tenant_id).toBe(a.tenantId);
  });
});

describe("GET /api/v1/invitations", () => {
  it("lists only the tenant's pending invitations, newest first", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const expired = await createInvitation(a.owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const revoked = await createInvitation(a.owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const accepted = await createInvitation(a.owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const pending = await createInvitation(a.manager.auth, { phone: uniquePhone(), role: "manager" });
    const otherTenant = await createInvitation(b.owner.auth, {
      email: uniqueEmail("invitee"),
      role: "agent",
    });
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, expired.invitation.id)
      .run();
    expect((await cancelInvitation(a.owner.auth, revoked.invitation.id)).status).toBe(204);
    expect((await accept(accepted.token, { name: "Accepted Person", password: PASSWORD })).status).toBe(200);

    const res = await listInvitations(a.manager.auth);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: CreatedInvitation["invitation"][] };
    expect(data).toEqual([pending.invitation]);
    expect(data.some((i) => i.id === otherTenant.invitation.id)).toBe(false);
    expect(JSON.stringify(data)).not.toContain(pending.token);
  });
});

describe("DELETE /api/v1/invitations/{invitationId}", () => {
  it("revokes the invitation so its link stops working, and records it", async () => {
    const { tenantId, owner, manager } = await createTenant();
    const created = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    expect((await preview(created.token)).status).toBe(200);

    const requestId = `req-revoke-${Date.now()}`;
    const res = await cancelInvitation(manager.auth, created.invitation.id, { "X-Request-Id": requestId });
    expect(res.status).toBe(204);
    expect((await invitationRow(created.invitation.id))?.revoked_at).toEqual(expect.any(Number));
    await expectProblem(await preview(created.token), 404, "NOT_FOUND");
    const users = await countRows("users");
    await expectProblem(
      await accept(created.token, { name: "Too Late", password: PASSWORD }),
      404,
      "NOT_FOUND",
    );
    expect(await countRows("users")).toBe(users);
    expect(await auditRows(tenantId, "invitation.revoked")).toEqual([
      expect.objectContaining({
        actor_type: "user",
        actor_id: manager.userId,
        target_type: "invitation",
        target_id: created.invitation.id,
        request_id: requestId,
      }),
    ]);

    // Cancelling again changes nothing and records nothing more.
    expect((await cancelInvitation(owner.auth, created.invitation.id)).status).toBe(204);
    expect(await auditRows(tenantId, "invitation.revoked")).toHaveLength(1);
  });

  it("rejects a malformed invitationId with 422 and answers 404 for an unknown one", async () => {
    const { owner } = await createTenant();
    const problem = await expectProblem(
      await cancelInvitation(owner.auth, "inv_short"),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.[0]?.path).toBe("invitationId");
    await expectProblem(
      await cancelInvitation(owner.auth, "usr_00000000000000000000"),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await cancelInvitation(owner.auth, UNKNOWN_INVITATION), 404, "NOT_FOUND");
  });

  it("answers 404 for another tenant's invitation, which keeps working", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await createInvitation(b.owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const before = await tenantSnapshot(b.tenantId);
    await expectProblem(await cancelInvitation(a.owner.auth, created.invitation.id), 404, "NOT_FOUND");
    expect(await tenantSnapshot(b.tenantId)).toEqual(before);
    expect((await preview(created.token)).status).toBe(200);
    expect(await auditRows(a.tenantId, "invitation.revoked")).toEqual([]);
  });
});

describe("GET /api/v1/invitations/{token}/preview", () => {
  it("shows the tenant, role and invitee without signing in", async () => {
    const { owner } = await createTenant("Riyadh Homes");
    const email = uniqueEmail("invitee");
    const created = await createInvitation(owner.auth, { email, role: "manager" });
    const res = await preview(created.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenant: { name: { ar: "Riyadh Homes", en: "Riyadh Homes" } },
      role: "manager",
      email,
      phone: null,
      expiresAt: created.invitation.expiresAt,
    });
  });

  it("answers 404 for an unknown or expired link and 422 for a malformed one", async () => {
    const { owner } = await createTenant();
    const created = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    await expectProblem(await preview("A".repeat(43)), 404, "NOT_FOUND");
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, created.invitation.id)
      .run();
    await expectProblem(await preview(created.token), 404, "NOT_FOUND");
    await expectProblem(await preview("short"), 422, "VALIDATION_FAILED");
    await expectProblem(await preview("has.dots.in.it.aaaaaaaaaaaaaaaa"), 422, "VALIDATION_FAILED");
  });
});

describe("POST /api/v1/invitations/{token}/accept", () => {
  it("as a new user creates the account and the membership with the invited role, once", async () => {
    const { tenantId, owner } = await createTenant();
    const email = uniqueEmail("invitee");
    const created = await createInvitation(owner.auth, { email, role: "manager" });
    const requestId = `req-accept-${Date.now()}`;
    const res = await postJson(
      `/api/v1/invitations/${created.token}/accept`,
      { name: "Sara Alharbi", password: PASSWORD },
      { ...freshIp(), "X-Request-Id": requestId },
    );
    expect(res.status).toBe(200);
    const session = (await res.json()) as Session;
    expect(session).toMatchObject({
      tenant: { id: tenantId },
      user: { email, name: "Sara Alharbi", phone: null },
      role: "manager",
    });
    expect(session.user.id).toMatch(/^usr_/);

    const user = await env.DB.prepare("SELECT email, password_hash FROM users WHERE id = ?")
      .bind(session.user.id)
      .first<{ email: string; password_hash: string }>();
    expect(user?.email).toBe(email);
    expect(user?.password_hash).toMatch(/^pbkdf2-sha256\$/);
    expect(user?.password_hash).not.toContain(PASSWORD);
    expect(await membershipRole(tenantId, session.user.id)).toBe("manager");
    expect(await invitationRow(created.invitation.id)).toMatchObject({
      accepted_by: session.user.id,
      accepted_at: expect.any(Number),
    });
    expect(await auditRows(tenantId, "invitation.accepted")).toEqual([
      expect.objectContaining({
        actor_type: "user",
        actor_id: session.user.id,
        target_type: "invitation",
        target_id: created.invitation.id,
        request_id: requestId,
        details: { role: "manager" },
      }),
    ]);

    // The session works at once, with the invited role.
    expect((await listMembers(bearer(session.accessToken))).status).toBe(200);
    expect((await refresh(session.refreshToken)).status).toBe(200);

    // The link is single use.
    const users = await countRows("users");
    await expectProblem(await preview(created.token), 404, "NOT_FOUND");
    await expectProblem(
      await accept(created.token, { name: "Someone Else", password: PASSWORD }),
      404,
      "NOT_FOUND",
    );
    await expectProblem(await accept(created.token, {}, bearer(session.accessToken)), 404, "NOT_FOUND");
    expect(await countRows("users")).toBe(users);
    expect(await auditRows(tenantId, "invitation.accepted")).toHaveLength(1);
    expect((await listInvitations(owner.auth)).status).toBe(200);
    const pending = (await (await listInvitations(owner.auth)).json()) as { data: unknown[] };
    expect(pending.data).toEqual([]);
  });

  it("as a new user from a WhatsApp invitation takes the email from the body and keeps the phone", async () => {
    const { tenantId, owner } = await createTenant();
    const phone = uniquePhone();
    const created = await createInvitation(owner.auth, { phone, role: "agent" });
    const missingEmail = await accept(created.token, { name: "Faisal", password: PASSWORD });
    const problem = await expectProblem(missingEmail, 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "email" })]));
    expect((await invitationRow(created.invitation.id))?.accepted_at).toBeNull();

    const email = uniqueEmail("invitee");
    const res = await accept(created.token, {
      name: "Faisal",
      password: PASSWORD,
      email: email.toUpperCase(),
    });
    expect(res.status).toBe(200);
    const session = (await res.json()) as Session;
    expect(session.user).toMatchObject({ email, phone });
    expect(await membershipRole(tenantId, session.user.id)).toBe("agent");
  });

  it("as the invited user, signed in elsewhere, joins with the existing account", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await createInvitation(a.owner.auth, { email: b.manager.email, role: "agent" });
    const users = await countRows("users");
    const res = await accept(created.token, {}, b.manager.auth);
    expect(res.status).toBe(200);
    const session = (await res.json()) as Session;
    expect(session).toMatchObject({
      tenant: { id: a.tenantId },
      user: { id: b.manager.userId },
      role: "agent",
    });
    expect(await countRows("users")).toBe(users);
    expect(await membershipRole(a.tenantId, b.manager.userId)).toBe("agent");
    expect(await membershipRole(b.tenantId, b.manager.userId)).toBe("manager");
    // The new session belongs to tenant A, with the agent role there.
    await expectProblem(await listMembers(bearer(session.accessToken)), 403, "FORBIDDEN");
    expect(((await (await me(session.accessToken)).json()) as { tenant: { id: string } }).tenant.id).toBe(
      a.tenantId,
    );
    expect(await auditRows(a.tenantId, "invitation.accepted")).toEqual([
      expect.objectContaining({ actor_id: b.manager.userId, target_id: created.invitation.id }),
    ]);
  });

  it("as a signed-in user matches a WhatsApp invitation by phone", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const phone = uniquePhone();
    const invitee = await createMember(b.tenantId, "agent", { phone });
    const created = await createInvitation(a.owner.auth, { phone, role: "manager" });
    const res = await accept(created.token, {}, invitee.auth);
    expect(res.status).toBe(200);
    expect(await membershipRole(a.tenantId, invitee.userId)).toBe("manager");
  });

  it("refuses a signed-in user the invitation was not sent to (403) and keeps the link usable", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await createInvitation(a.owner.auth, { email: uniqueEmail("invitee"), role: "manager" });
    await expectProblem(await accept(created.token, {}, b.agent.auth), 403, "FORBIDDEN");
    expect(await membershipRole(a.tenantId, b.agent.userId)).toBeNull();
    expect((await invitationRow(created.invitation.id))?.accepted_at).toBeNull();
    expect((await preview(created.token)).status).toBe(200);
    expect(await auditRows(a.tenantId, "invitation.accepted")).toEqual([]);
  });

  it("answers 409 for a signed-in user who is already a member, and keeps the invitation pending", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const first = await createInvitation(a.owner.auth, { email: b.agent.email, role: "agent" });
    const second = await createInvitation(a.owner.auth, { email: b.agent.email, role: "manager" });
    expect((await accept(first.token, {}, b.agent.auth)).status).toBe(200);
    await expectProblem(await accept(second.token, {}, b.agent.auth), 409, "CONFLICT");
    expect(await membershipRole(a.tenantId, b.agent.userId)).toBe("agent");
    expect((await invitationRow(second.invitation.id))?.accepted_at).toBeNull();
  });

  it("answers 409 without a token when the invited email already has an account", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await createInvitation(a.owner.auth, { email: b.agent.email, role: "agent" });
    const users = await countRows("users");
    await expectProblem(
      await accept(created.token, { name: "Impostor", password: PASSWORD }),
      409,
      "CONFLICT",
    );
    expect(await countRows("users")).toBe(users);
    expect(await membershipRole(a.tenantId, b.agent.userId)).toBeNull();
    expect((await invitationRow(created.invitation.id))?.accepted_at).toBeNull();
  });

  it("answers 404 for expired, revoked and unknown links, and writes nothing", async () => {
    const { owner } = await createTenant();
    const expired = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const revoked = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, expired.invitation.id)
      .run();
    expect((await cancelInvitation(owner.auth, revoked.invitation.id)).status).toBe(204);
    const [users, memberships] = [await countRows("users"), await countRows("memberships")];
    for (const token of [expired.token, revoked.token, "B".repeat(43)]) {
      await expectProblem(await accept(token, { name: "Late Comer", password: PASSWORD }), 404, "NOT_FOUND");
    }
    expect(await countRows("users")).toBe(users);
    expect(await countRows("memberships")).toBe(memberships);
    expect((await invitationRow(expired.invitation.id))?.accepted_at).toBeNull();
  });

  it.each([
    ["an unknown field", { name: "Huda", password: PASSWORD, role: "owner" }, "body"],
    ["a missing password", { name: "Huda" }, "password"],
    ["a missing name", { password: PASSWORD }, "name"],
    ["a weak password", { name: "Huda", password: "short" }, "password"],
    ["a bad email", { name: "Huda", password: PASSWORD, email: "nope" }, "email"],
  ])("rejects %s with 422, creating nothing and leaving the link usable", async (_label, body, path) => {
    const { owner } = await createTenant();
    const created = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const users = await countRows("users");
    const problem = await expectProblem(await accept(created.token, body), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await countRows("users")).toBe(users);
    expect((await invitationRow(created.invitation.id))?.accepted_at).toBeNull();
    expect((await preview(created.token)).status).toBe(200);
  });

  it("rejects a malformed token with 422, a bad bearer token with 401 and an API key with 403", async () => {
    const { owner } = await createTenant();
    const created = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    await expectProblem(
      await accept("short", { name: "Huda", password: PASSWORD }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await accept(created.token, {}, bearer("garbage")), 401, "UNAUTHENTICATED");
    const key = await createApiKey(owner.auth, ["members:read", "audit:read"]);
    await expectProblem(await accept(created.token, {}, bearer(key)), 403, "FORBIDDEN");
    expect((await invitationRow(created.invitation.id))?.accepted_at).toBeNull();
  });
});
