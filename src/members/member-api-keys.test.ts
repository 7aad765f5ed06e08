import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Actor, createMember, createTenant } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { ROLES, rolesAllowingScopes, SCOPES } from "../platform/roles";

// What happens to the API keys a member created when the member is demoted or removed: a key
// never does more than its creator's role allows.

async function createKey(creator: Actor, scopes: string[]) {
  const res = await postJson("/api/v1/api-keys", { name: "Integration", scopes }, creator.auth);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

const useKey = (key: string) => call("/api/v1/members", { headers: { Authorization: `Bearer ${key}` } });
const changeRole = (by: Actor, userId: string, role: string) =>
  call(`/api/v1/members/${userId}`, {
    method: "PATCH",
    headers: { ...by.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ role }),
  });
const removeMember = (by: Actor, userId: string) =>
  call(`/api/v1/members/${userId}`, { method: "DELETE", headers: by.auth });

const keyRow = (id: string) =>
  env.DB.prepare("SELECT revoked_at FROM api_keys WHERE id = ?")
    .bind(id)
    .first<{ revoked_at: number | null }>();
const revocations = (tenantId: string) =>
  env.DB.prepare(
    "SELECT actor_id, target_id, details FROM audit_events WHERE tenant_id = ? AND action = 'api_key.revoked' ORDER BY target_id",
  )
    .bind(tenantId)
    .all<{ actor_id: string; target_id: string; details: string }>()
    .then((r) => r.results.map((row) => ({ ...row, details: JSON.parse(row.details) })));

describe("API keys of a member whose role changes", () => {
  it("maps each scope to the least role its routes need, so a key never does more than its creator", () => {
    expect(SCOPES.length).toBeGreaterThan(0);
    for (const scope of ["members:read", "audit:read", "crm:admin"] as const) {
      expect(rolesAllowingScopes([scope]), scope).toEqual(["owner", "manager"]);
    }
    for (const scope of ["crm:read", "crm:write"] as const) {
      expect(rolesAllowingScopes([scope]), scope).toEqual([...ROLES]);
    }
    expect(rolesAllowingScopes(["crm:read", "audit:read"])).toEqual(["owner", "manager"]);
    expect(rolesAllowingScopes([])).toEqual([...ROLES]);
  });

  it("revokes the keys a demoted manager created, audited, and leaves everyone else's working", async () => {
    const { tenantId, owner, manager } = await createTenant();
    const first = await createKey(manager, ["members:read"]);
    const second = await createKey(manager, ["members:read", "audit:read"]);
    const alreadyRevoked = await createKey(manager, ["audit:read"]);
    const ownersKey = await createKey(owner, ["members:read"]);
    expect(
      (await call(`/api/v1/api-keys/${alreadyRevoked.id}`, { method: "DELETE", headers: owner.auth })).status,
    ).toBe(204);
    expect((await useKey(first.key)).status).toBe(200);

    expect((await changeRole(owner, manager.userId, "agent")).status).toBe(204);

    await expectProblem(await useKey(first.key), 401, "UNAUTHENTICATED");
    await expectProblem(await useKey(second.key), 401, "UNAUTHENTICATED");
    expect((await useKey(ownersKey.key)).status).toBe(200);
    expect((await keyRow(first.id))?.revoked_at).toBeTypeOf("number");
    expect((await keyRow(ownersKey.id))?.revoked_at).toBeNull();
    const expected = [first.id, second.id].sort().map((id) => ({
      actor_id: owner.userId,
      target_id: id,
      details: { reason: "creator_role_changed", creator: manager.userId },
    }));
    const audited = (await revocations(tenantId)).filter((row) => row.target_id !== alreadyRevoked.id);
    expect(audited).toEqual(expected);
    // The key revoked by hand earlier is not revoked (or recorded) a second time.
    expect((await revocations(tenantId)).filter((row) => row.target_id === alreadyRevoked.id)).toHaveLength(
      1,
    );
  });

  it("keeps the keys of an owner demoted to manager, whose role still allows every scope", async () => {
    const { tenantId, owner } = await createTenant();
    const secondOwner = await createMember(tenantId, "owner");
    const key = await createKey(secondOwner, ["members:read", "audit:read"]);
    expect((await changeRole(owner, secondOwner.userId, "manager")).status).toBe(204);
    expect((await useKey(key.key)).status).toBe(200);
    expect(await revocations(tenantId)).toEqual([]);
  });

  it("revokes nothing when the change is refused (the last owner)", async () => {
    const { tenantId, owner } = await createTenant();
    const key = await createKey(owner, ["members:read"]);
    await expectProblem(await changeRole(owner, owner.userId, "agent"), 409, "CONFLICT");
    await expectProblem(await removeMember(owner, owner.userId), 409, "CONFLICT");
    expect((await useKey(key.key)).status).toBe(200);
    expect(await revocations(tenantId)).toEqual([]);
  });
});

describe("API keys of a removed member", () => {
  it("are revoked with the removal, audited, and stop working at once", async () => {
    const { tenantId, owner, manager } = await createTenant();
    const key = await createKey(manager, ["audit:read", "members:read"]);
    expect((await useKey(key.key)).status).toBe(200);
    expect((await removeMember(owner, manager.userId)).status).toBe(204);
    await expectProblem(await useKey(key.key), 401, "UNAUTHENTICATED");
    expect(await revocations(tenantId)).toEqual([
      {
        actor_id: owner.userId,
        target_id: key.id,
        details: { reason: "creator_removed", creator: manager.userId },
      },
    ]);
  });

  it("leaves the keys of another tenant's member with the same role alone", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const theirKey = await createKey(theirs.manager, ["members:read"]);
    expect((await removeMember(mine.owner, mine.manager.userId)).status).toBe(204);
    expect((await useKey(theirKey.key)).status).toBe(200);
    expect(await revocations(theirs.tenantId)).toEqual([]);
  });
});
