// Invitation acceptance against verified identifiers and under concurrency (issue 6, 1.1 and 1.5).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD, uniquePhone } from "../../test/fixtures";
import { expectProblem, postJson, uniqueEmail } from "../../test/helpers";

type Auth = { Authorization: string } | Record<string, never>;

const accept = (token: string, body: unknown, auth: Auth = {}) =>
  postJson(`/api/v1/invitations/${token}/accept`, body, { ...auth, ...freshIp() });

async function invitation(auth: Auth, body: Record<string, unknown>) {
  const res = await postJson("/api/v1/invitations", body, auth);
  expect(res.status).toBe(201);
  const created = (await res.json()) as { acceptUrl: string; invitation: { id: string } };
  return { id: created.invitation.id, token: new URL(created.acceptUrl).pathname.split("/").at(-1) ?? "" };
}

const membershipsOf = async (tenantId: string, userIds: string[]) =>
  (
    await env.DB.prepare(
      `SELECT user_id FROM memberships WHERE tenant_id = ? AND user_id IN (${userIds.map(() => "?").join(",")})`,
    )
      .bind(tenantId, ...userIds)
      .all<{ user_id: string }>()
  ).results.map((row) => row.user_id);

describe("accepting at the same moment", () => {
  it("the same link twice as a new account: one 200, the other 404 or 409, one account and one membership", async () => {
    const { tenantId, owner } = await createTenant();
    const email = uniqueEmail("racer");
    const { token } = await invitation(owner.auth, { email, role: "agent" });
    const results = await Promise.all([
      accept(token, { name: "First", password: PASSWORD }),
      accept(token, { name: "Second", password: PASSWORD }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([404, 409]).toContain(statuses[1]);
    const loser = results.find((r) => r.status !== 200);
    await expectProblem(
      loser ?? new Response(),
      statuses[1] ?? 0,
      statuses[1] === 404 ? "NOT_FOUND" : "CONFLICT",
    );
    const accounts = await env.DB.prepare("SELECT id FROM users WHERE email = ?")
      .bind(email)
      .all<{ id: string }>();
    expect(accounts.results).toHaveLength(1);
    const ids = accounts.results.map((row) => row.id);
    expect(await membershipsOf(tenantId, ids)).toEqual(ids);
  });

  it("the same link twice, signed in: one 200, the other 404 or 409", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { token } = await invitation(a.owner.auth, { email: b.agent.email, role: "agent" });
    const results = await Promise.all([accept(token, {}, b.agent.auth), accept(token, {}, b.agent.auth)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([404, 409]).toContain(statuses[1]);
    expect(await membershipsOf(a.tenantId, [b.agent.userId])).toEqual([b.agent.userId]);
  });

  it("two links of one tenant for the same person: one 200, the other 409, and that link stays pending", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const first = await invitation(a.owner.auth, { email: b.agent.email, role: "agent" });
    const second = await invitation(a.owner.auth, { email: b.agent.email, role: "manager" });
    const results = await Promise.all([
      accept(first.token, {}, b.agent.auth),
      accept(second.token, {}, b.agent.auth),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const lost = results[0]?.status === 409 ? first : second;
    await expectProblem(results.find((r) => r.status === 409) ?? new Response(), 409, "CONFLICT");
    expect(await membershipsOf(a.tenantId, [b.agent.userId])).toEqual([b.agent.userId]);
    const row = await env.DB.prepare("SELECT accepted_at FROM invitations WHERE id = ?")
      .bind(lost.id)
      .first<{ accepted_at: number | null }>();
    expect(row?.accepted_at).toBeNull();
  });
});

describe("matching the invitee", () => {
  it("refuses a signed-in user whose matching email is unverified (403 UNVERIFIED_IDENTIFIER), keeping the link", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const unverified = await createMember(b.tenantId, "agent", { unverified: true });
    const { id, token } = await invitation(a.owner.auth, { email: unverified.email, role: "agent" });
    const problem = await expectProblem(
      await accept(token, {}, unverified.auth),
      403,
      "UNVERIFIED_IDENTIFIER",
    );
    expect(problem.detail).toMatch(/Verify your email/);
    expect(await membershipsOf(a.tenantId, [unverified.userId])).toEqual([]);
    const row = await env.DB.prepare("SELECT accepted_at FROM invitations WHERE id = ?")
      .bind(id)
      .first<{ accepted_at: number | null }>();
    expect(row?.accepted_at).toBeNull();
  });

  it("refuses a signed-in user whose matching phone is unverified", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const phone = uniquePhone();
    const unverified = await createMember(b.tenantId, "agent", { phone, unverified: true });
    const { token } = await invitation(a.owner.auth, { phone, role: "agent" });
    const problem = await expectProblem(
      await accept(token, {}, unverified.auth),
      403,
      "UNVERIFIED_IDENTIFIER",
    );
    expect(problem.detail).toMatch(/Verify your phone/);
  });

  it("lets a new account take an email that only unverified accounts hold", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const squatter = await createMember(b.tenantId, "agent", { unverified: true });
    const { token } = await invitation(a.owner.auth, { email: squatter.email, role: "agent" });
    const res = await accept(token, { name: "The Real Owner", password: PASSWORD });
    expect(res.status).toBe(200);
    const session = (await res.json()) as { user: { id: string; email: string; emailVerified: boolean } };
    expect(session.user).toMatchObject({ email: squatter.email, emailVerified: false });
    expect(session.user.id).not.toBe(squatter.userId);
  });

  it("stores a WhatsApp invitee's phone unverified and sends it a code", async () => {
    const { owner } = await createTenant();
    const phone = uniquePhone();
    const { token } = await invitation(owner.auth, { phone, role: "agent" });
    const res = await accept(token, { name: "Faisal", password: PASSWORD, email: uniqueEmail("faisal") });
    expect(res.status).toBe(200);
    const session = (await res.json()) as { user: { phone: string; phoneVerified: boolean; id: string } };
    expect(session.user).toMatchObject({ phone, phoneVerified: false });
    const message = await env.DB.prepare(
      "SELECT channel, body FROM outbox_messages WHERE recipient = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
      .bind(phone)
      .first<{ channel: string; body: string }>();
    expect(message?.channel).toBe("whatsapp");
    expect(message?.body).toMatch(/^رمز تأكيد رقمك في ديلكس: \d{6}\n/);
    const pending = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM identity_verifications WHERE user_id = ? AND channel = 'phone' AND value = ?",
    )
      .bind(session.user.id, phone)
      .first<{ n: number }>();
    expect(pending?.n).toBe(1);
  });

  it("invites a phone that a member holds only unverified (they are not that person yet)", async () => {
    const { tenantId, owner } = await createTenant();
    const phone = uniquePhone();
    await createMember(tenantId, "agent", { phone, unverified: true });
    expect((await postJson("/api/v1/invitations", { phone, role: "agent" }, owner.auth)).status).toBe(201);
  });
});
