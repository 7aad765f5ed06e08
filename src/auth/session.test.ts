import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, freshIp } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { batchBarrierD1, serviceContext } from "../../test/service-context";
import { sha256Hex } from "../platform/crypto";
import { ConcurrentRefreshError, refresh as refreshSession } from "./session.service";

const refresh = (refreshToken: string) => postJson("/api/v1/auth/refresh", { refreshToken }, freshIp());
const me = (token: string) => call("/api/v1/auth/me", { headers: { Authorization: `Bearer ${token}` } });

const tokensOfFamily = (familyId: string) =>
  env.DB.prepare("SELECT token_hash, used_at FROM refresh_tokens WHERE family_id = ? ORDER BY created_at")
    .bind(familyId)
    .all<{ token_hash: string; used_at: number | null }>()
    .then((r) => r.results);

const family = (familyId: string) =>
  env.DB.prepare("SELECT revoked_at, revoked_reason FROM refresh_families WHERE id = ?")
    .bind(familyId)
    .first<{ revoked_at: number | null; revoked_reason: string | null }>();

describe("refresh rotation", () => {
  it("lets exactly one of several concurrent refreshes with the same token through, and keeps the session", async () => {
    const { owner } = await createTenant();
    // Two tabs are the real case; more requests make overlapping reads certain, so a missing
    // single-use guard cannot slip through by lucky timing.
    const responses = await Promise.all(Array.from({ length: 6 }, () => refresh(owner.refreshToken)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);

    const winner = responses.find((r) => r.status === 200);
    const loser = responses.find((r) => r.status === 401);
    if (!winner || !loser) throw new Error("expected one winner and one loser");
    await expectProblem(loser, 401, "UNAUTHENTICATED");
    const next = (await winner.json()) as { accessToken: string; refreshToken: string };

    expect(await family(owner.familyId)).toEqual({ revoked_at: null, revoked_reason: null });
    const tokens = await tokensOfFamily(owner.familyId);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]?.token_hash).toBe(await sha256Hex(owner.refreshToken));
    expect(tokens[0]?.used_at).toBeTypeOf("number");
    expect(tokens[1]).toEqual({ token_hash: await sha256Hex(next.refreshToken), used_at: null });
    expect((await me(next.accessToken)).status).toBe(200);
    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it("lets one of two refreshes through when both read the token before either rotates", async () => {
    const { owner } = await createTenant();
    const d1 = batchBarrierD1(2);
    const outcomes = await Promise.allSettled([
      refreshSession(serviceContext(d1).ctx, owner.refreshToken),
      refreshSession(serviceContext(d1).ctx, owner.refreshToken),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ConcurrentRefreshError);
    expect(await family(owner.familyId)).toEqual({ revoked_at: null, revoked_reason: null });
    expect(await tokensOfFamily(owner.familyId)).toHaveLength(2);
  });

  it("claims the token and stores its successor together: a failed insert leaves the token usable", async () => {
    const { owner } = await createTenant();
    // Stands in for a crash between the claim and the insert of the next token.
    await env.DB.exec(
      `CREATE TRIGGER fail_rotation BEFORE INSERT ON refresh_tokens WHEN NEW.family_id = '${owner.familyId}' BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;`,
    );
    try {
      await expectProblem(await refresh(owner.refreshToken), 500, "INTERNAL");
    } finally {
      await env.DB.exec("DROP TRIGGER fail_rotation");
    }
    expect(await tokensOfFamily(owner.familyId)).toEqual([
      { token_hash: await sha256Hex(owner.refreshToken), used_at: null },
    ]);

    const retry = await refresh(owner.refreshToken);
    expect(retry.status).toBe(200);
    expect(await family(owner.familyId)).toEqual({ revoked_at: null, revoked_reason: null });
    expect(await tokensOfFamily(owner.familyId)).toHaveLength(2);
  });

  it("refuses a session whose tenant was suspended, ends it, and consumes nothing", async () => {
    const { tenantId, agent } = await createTenant();
    await env.DB.prepare("UPDATE tenants SET status = 'suspended' WHERE id = ?").bind(tenantId).run();
    await expectProblem(await refresh(agent.refreshToken), 401, "UNAUTHENTICATED");
    expect(await family(agent.familyId)).toMatchObject({ revoked_reason: "membership_ended" });
    expect(await tokensOfFamily(agent.familyId)).toEqual([
      { token_hash: await sha256Hex(agent.refreshToken), used_at: null },
    ]);
  });

  it("refuses a session past its absolute end without storing a new token", async () => {
    const { agent } = await createTenant();
    await env.DB.prepare("UPDATE refresh_families SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, agent.familyId)
      .run();
    await expectProblem(await refresh(agent.refreshToken), 401, "UNAUTHENTICATED");
    expect(await tokensOfFamily(agent.familyId)).toEqual([
      { token_hash: await sha256Hex(agent.refreshToken), used_at: null },
    ]);
  });
});
