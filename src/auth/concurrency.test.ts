import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createMember, createTenant, freshIp, PASSWORD } from "../../test/fixtures";
import { expectProblem, postJson, postJsonSettled, uniqueEmail } from "../../test/helpers";
import { race } from "../../test/race";

// Single-use claims under concurrency: two requests present the same refresh token, code or
// invitation at once. `race` holds both at their first write to the table until both have read the
// row, so each believes it is unused and only the claim decides; exactly one may win.
const RACERS = 2;
// Longer than race()'s own wait, so a racer that never arrives fails on `raced()`, not on a timeout.
vi.setConfig({ testTimeout: 20_000 });

interface Session {
  user: { id: string };
  tenant: { id: string };
  accessToken: string;
  refreshToken: string;
}

/** Asserts one 200 and only refusals (problem+json, one of `loserStatuses`) for the rest. */
async function onlyOneWins(responses: Response[], loserStatuses: number[]) {
  expect(responses).toHaveLength(RACERS);
  const winners = responses.filter((res) => res.status === 200);
  const losers = responses.filter((res) => res.status !== 200);
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(RACERS - 1);
  for (const loser of losers) {
    expect(loserStatuses).toContain(loser.status);
    expect(loser.headers.get("Content-Type")).toBe("application/problem+json");
  }
  return (await winners[0]?.json()) as Session;
}

const count = async (sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n;

describe("a refresh token exchanged by two requests at once", () => {
  it("yields exactly one new token pair, and the session survives", async () => {
    const { owner } = await createTenant();
    const racing = race("refresh_tokens", RACERS);
    const responses = await Promise.all(
      Array.from({ length: RACERS }, () =>
        racing.postJson("/api/v1/auth/refresh", { refreshToken: owner.refreshToken }, freshIp()),
      ),
    );
    expect(racing.raced()).toBe(true);
    const winner = await onlyOneWins(responses, [401]);

    // The presented token, now used, and exactly one successor.
    expect(await count("SELECT COUNT(*) AS n FROM refresh_tokens WHERE family_id = ?", owner.familyId)).toBe(
      2,
    );
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM refresh_tokens WHERE family_id = ? AND used_at IS NULL",
        owner.familyId,
      ),
    ).toBe(1);
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(owner.familyId)
      .first();
    expect(family).toEqual({ revoked_at: null });
    // The loser was refused without ending the session: the winner's pair still works.
    const next = await postJson("/api/v1/auth/refresh", { refreshToken: winner.refreshToken }, freshIp());
    expect(next.status).toBe(200);
  });
});

describe("a WhatsApp code verified by two requests at once", () => {
  it("signs in exactly once: one session, one sign-in audited, the code consumed", async () => {
    const phone = "+966500000301";
    const { tenantId } = await createTenant();
    const member = await createMember(tenantId, "agent", { phone });
    expect((await postJsonSettled("/api/v1/auth/otp/request", { phone }, freshIp())).status).toBe(202);
    const message = await env.DB.prepare("SELECT body FROM outbox_messages WHERE recipient = ?")
      .bind(phone)
      .first<{ body: string }>();
    const code = /\d{6}/.exec(message?.body ?? "")?.[0];
    expect(code).toMatch(/^\d{6}$/);
    const sessionsBefore = await count(
      "SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?",
      member.userId,
    );
    expect(sessionsBefore).toBe(1); // the fixture's own

    const racing = race("otp_codes", RACERS);
    const responses = await Promise.all(
      Array.from({ length: RACERS }, () =>
        racing.postJson("/api/v1/auth/otp/verify", { phone, code }, freshIp()),
      ),
    );
    expect(racing.raced()).toBe(true);
    const winner = await onlyOneWins(responses, [401]);

    expect(winner.user.id).toBe(member.userId);
    expect(await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?", member.userId)).toBe(
      2,
    );
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.sign_in_succeeded' AND actor_id = ?",
        member.userId,
      ),
    ).toBe(1);
    expect(
      await count("SELECT COUNT(*) AS n FROM otp_codes WHERE phone = ? AND consumed_at IS NULL", phone),
    ).toBe(0);
  });
});

describe("an invitation accepted by two requests at once", () => {
  const createInvitation = async (auth: { Authorization: string }, body: Record<string, unknown>) => {
    const res = await postJson("/api/v1/invitations", body, auth);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { invitation: { id: string }; acceptUrl: string };
    return { id: created.invitation.id, token: new URL(created.acceptUrl).pathname.split("/").at(-1) };
  };
  const acceptPath = (token: string | undefined) => `/api/v1/invitations/${token}/accept`;

  // The loser is told the link is used (404) or that it lost the race (409); never a 5xx.
  const LOSER_STATUSES = [404, 409];

  it("from one signed-in account (a double click) adds one membership and one session", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const invitee = b.agent;
    const invitation = await createInvitation(a.owner.auth, { email: invitee.email, role: "manager" });

    const racing = race("invitations", RACERS);
    const responses = await Promise.all(
      Array.from({ length: RACERS }, () =>
        racing.postJson(acceptPath(invitation.token), {}, { ...invitee.auth, ...freshIp() }),
      ),
    );
    expect(racing.raced()).toBe(true);
    const winner = await onlyOneWins(responses, LOSER_STATUSES);

    expect(winner.tenant.id).toBe(a.tenantId);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = ? AND user_id = ?",
        a.tenantId,
        invitee.userId,
      ),
    ).toBe(1);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM refresh_families WHERE tenant_id = ? AND user_id = ?",
        a.tenantId,
        invitee.userId,
      ),
    ).toBe(1);
    const row = await env.DB.prepare("SELECT accepted_by, accepted_at FROM invitations WHERE id = ?")
      .bind(invitation.id)
      .first();
    expect(row).toEqual({ accepted_by: invitee.userId, accepted_at: expect.any(Number) });
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'invitation.accepted' AND target_id = ?",
        invitation.id,
      ),
    ).toBe(1);
  });

  it("by two people creating accounts lets exactly one of them join, and the link stays used", async () => {
    const { tenantId, owner } = await createTenant();
    const invitation = await createInvitation(owner.auth, { email: uniqueEmail("invitee"), role: "agent" });
    const membersBefore = await count("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = ?", tenantId);
    expect(membersBefore).toBe(3); // the fixture's owner, manager and agent
    const usersBefore = await count("SELECT COUNT(*) AS n FROM users");

    const racing = race("invitations", RACERS);
    const responses = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        racing.postJson(acceptPath(invitation.token), { name: `Racer ${i}`, password: PASSWORD }, freshIp()),
      ),
    );
    expect(racing.raced()).toBe(true);
    const winner = await onlyOneWins(responses, LOSER_STATUSES);

    expect(await count("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = ?", tenantId)).toBe(4);
    expect(await count("SELECT COUNT(*) AS n FROM users")).toBe((usersBefore ?? 0) + 1);
    const row = await env.DB.prepare("SELECT accepted_by FROM invitations WHERE id = ?")
      .bind(invitation.id)
      .first();
    expect(row).toEqual({ accepted_by: winner.user.id });
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM refresh_families WHERE tenant_id = ? AND user_id = ?",
        tenantId,
        winner.user.id,
      ),
    ).toBe(1);
    await expectProblem(
      await postJson(acceptPath(invitation.token), { name: "Latecomer", password: PASSWORD }, freshIp()),
      404,
      "NOT_FOUND",
    );
  });
});
