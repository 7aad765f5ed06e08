import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, countRows, expectProblem, postJson } from "../../test/helpers";
import { sha256Hex } from "../platform/crypto";

type Auth = { Authorization: string } | Record<string, never>;

const createKey = (auth: Auth, body: unknown, headers: Record<string, string> = {}) =>
  postJson("/api/v1/api-keys", body, { ...auth, ...headers });
const listKeys = (auth: Auth) => call("/api/v1/api-keys", { headers: auth });
const revokeKey = (auth: Auth, keyId: string, headers: Record<string, string> = {}) =>
  call(`/api/v1/api-keys/${keyId}`, { method: "DELETE", headers: { ...auth, ...headers } });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
type CreatedKey = ApiKey & { key: string };

async function newKey(auth: Auth, scopes: string[], name = "Website lead form") {
  const res = await createKey(auth, { name, scopes });
  expect(res.status).toBe(201);
  return (await res.json()) as CreatedKey;
}

const keyRow = (id: string) =>
  env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first<Record<string, unknown>>();

const auditRows = async (tenantId: string, action: string) =>
  (
    await env.DB.prepare(
      "SELECT actor_type, actor_id, target_type, target_id, request_id, details FROM audit_events WHERE tenant_id = ? AND action = ? ORDER BY created_at",
    )
      .bind(tenantId, action)
      .all<Record<string, string | null>>()
  ).results.map((row) => ({
    ...row,
    details: row.details === null ? null : JSON.parse(row.details ?? "null"),
  }));

const keysOfTenant = async (tenantId: string) =>
  (await env.DB.prepare("SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY id").bind(tenantId).all())
    .results;

const UNKNOWN_KEY = "key_00000000000000000000";

describe("POST /api/v1/api-keys", () => {
  it("creates a key, shows it once and stores only its SHA-256", async () => {
    const { tenantId, manager } = await createTenant();
    const requestId = `req-key-create-${Date.now()}`;
    const res = await createKey(
      manager.auth,
      { name: "  Website lead form  ", scopes: ["members:read", "audit:read", "members:read"] },
      { "X-Request-Id": requestId },
    );
    expect(res.status).toBe(201);
    const created = (await res.json()) as CreatedKey;
    expect(created).toEqual({
      id: expect.stringMatching(/^key_[0-9a-z]{20}$/),
      name: "Website lead form",
      prefix: created.key.slice(0, 13),
      scopes: ["members:read", "audit:read"],
      createdBy: manager.userId,
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      key: expect.stringMatching(/^dlx_test_[0-9a-z]{40}$/),
    });
    expect(created.prefix).toMatch(/^dlx_test_.{4}$/);

    const row = await keyRow(created.id);
    expect(row).toMatchObject({
      tenant_id: tenantId,
      name: "Website lead form",
      prefix: created.prefix,
      key_hash: await sha256Hex(created.key),
      created_by: manager.userId,
      last_used_at: null,
      revoked_at: null,
    });
    expect(JSON.parse(String(row?.scopes))).toEqual(["members:read", "audit:read"]);
    // The raw key is nowhere in the row, nor in the audit log.
    expect(JSON.stringify(row)).not.toContain(created.key);
    const audit = await env.DB.prepare("SELECT * FROM audit_events WHERE tenant_id = ?").bind(tenantId).all();
    expect(JSON.stringify(audit.results)).not.toContain(created.key);

    expect(await auditRows(tenantId, "api_key.created")).toEqual([
      {
        actor_type: "user",
        actor_id: manager.userId,
        target_type: "api_key",
        target_id: created.id,
        request_id: requestId,
        details: { scopes: "members:read audit:read" },
      },
    ]);
  });

  it("makes a different key every time", async () => {
    const { owner } = await createTenant();
    const first = await newKey(owner.auth, ["members:read"], "same name");
    const second = await newKey(owner.auth, ["members:read"], "same name");
    expect(first.key).not.toBe(second.key);
    expect(first.id).not.toBe(second.id);
  });

  it.each([
    ["an unknown scope", { name: "k", scopes: ["deals:write"] }, "scopes.0"],
    ["no scopes", { name: "k", scopes: [] }, "scopes"],
    ["scopes that are not a list", { name: "k", scopes: "members:read" }, "scopes"],
    ["an empty name", { name: "   ", scopes: ["members:read"] }, "name"],
    ["a name too long", { name: "x".repeat(81), scopes: ["members:read"] }, "name"],
    ["a missing name", { scopes: ["members:read"] }, "name"],
    [
      "an unknown field",
      { name: "k", scopes: ["members:read"], tenantId: "ten_00000000000000000000" },
      "body",
    ],
    ["a key chosen by the caller", { name: "k", scopes: ["members:read"], key: "dlx_test_mine" }, "body"],
  ])("rejects %s with 422 and writes nothing", async (_label, body, path) => {
    const { owner } = await createTenant();
    const [keys, audit] = [await countRows("api_keys"), await countRows("audit_events")];
    const problem = await expectProblem(await createKey(owner.auth, body), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await countRows("api_keys")).toBe(keys);
    expect(await countRows("audit_events")).toBe(audit);
  });
});

describe("GET /api/v1/api-keys", () => {
  it("lists the tenant's keys, newest first, never the keys or their hashes", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const first = await newKey(a.owner.auth, ["members:read"], "first");
    const second = await newKey(a.manager.auth, ["audit:read"], "second");
    await env.DB.prepare("UPDATE api_keys SET created_at = created_at - 1000 WHERE id = ?")
      .bind(first.id)
      .run();
    const other = await newKey(b.owner.auth, ["members:read"], "other tenant");

    const res = await listKeys(a.manager.auth);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: ApiKey[] };
    expect(data.map((k) => k.id)).toEqual([second.id, first.id]);
    expect(data[0]).toEqual({
      id: second.id,
      name: "second",
      prefix: second.prefix,
      scopes: ["audit:read"],
      createdBy: a.manager.userId,
      createdAt: second.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    });
    const text = JSON.stringify(data);
    for (const secret of [first.key, second.key, await sha256Hex(first.key)])
      expect(text).not.toContain(secret);
    expect(text).not.toContain(other.id);
  });
});

describe("DELETE /api/v1/api-keys/{keyId}", () => {
  it("revokes the key: it stops working at once, and the revocation is recorded", async () => {
    const { tenantId, owner, manager } = await createTenant();
    const key = await newKey(owner.auth, ["members:read"]);
    expect((await call("/api/v1/members", { headers: bearer(key.key) })).status).toBe(200);

    const requestId = `req-key-revoke-${Date.now()}`;
    expect((await revokeKey(manager.auth, key.id, { "X-Request-Id": requestId })).status).toBe(204);
    expect((await keyRow(key.id))?.revoked_at).toEqual(expect.any(Number));
    await expectProblem(await call("/api/v1/members", { headers: bearer(key.key) }), 401, "UNAUTHENTICATED");

    const listed = (await (await listKeys(owner.auth)).json()) as { data: ApiKey[] };
    expect(listed.data.find((k) => k.id === key.id)?.revokedAt).toEqual(expect.any(String));
    expect(await auditRows(tenantId, "api_key.revoked")).toEqual([
      {
        actor_type: "user",
        actor_id: manager.userId,
        target_type: "api_key",
        target_id: key.id,
        request_id: requestId,
        details: null,
      },
    ]);

    // Revoking again is harmless and records nothing more.
    const revokedAt = (await keyRow(key.id))?.revoked_at;
    expect((await revokeKey(owner.auth, key.id)).status).toBe(204);
    expect((await keyRow(key.id))?.revoked_at).toBe(revokedAt);
    expect(await auditRows(tenantId, "api_key.revoked")).toHaveLength(1);
  });

  it("rejects a malformed keyId with 422 and answers 404 for an unknown one", async () => {
    const { owner } = await createTenant();
    const problem = await expectProblem(await revokeKey(owner.auth, "key_123"), 422, "VALIDATION_FAILED");
    expect(problem.errors?.[0]?.path).toBe("keyId");
    await expectProblem(await revokeKey(owner.auth, "usr_00000000000000000000"), 422, "VALIDATION_FAILED");
    await expectProblem(await revokeKey(owner.auth, UNKNOWN_KEY), 404, "NOT_FOUND");
  });

  it("answers 404 for another tenant's key, which keeps working", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const key = await newKey(b.owner.auth, ["members:read"]);
    const before = await keysOfTenant(b.tenantId);
    await expectProblem(await revokeKey(a.owner.auth, key.id), 404, "NOT_FOUND");
    expect(await keysOfTenant(b.tenantId)).toEqual(before);
    expect(await auditRows(a.tenantId, "api_key.revoked")).toEqual([]);
    expect(await auditRows(b.tenantId, "api_key.revoked")).toEqual([]);
    const res = await call("/api/v1/members", { headers: bearer(key.key) });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { userId: string }[] };
    expect(data.map((m) => m.userId)).toContain(b.owner.userId);
  });
});

describe("using an API key", () => {
  it("authenticates as the tenant, limited to the key's scopes", async () => {
    const a = await createTenant();
    const membersOnly = await newKey(a.owner.auth, ["members:read"]);
    const auditOnly = await newKey(a.owner.auth, ["audit:read"]);

    const members = await call("/api/v1/members", { headers: bearer(membersOnly.key) });
    expect(members.status).toBe(200);
    expect(((await members.json()) as { data: unknown[] }).data).toHaveLength(3);
    await expectProblem(
      await call("/api/v1/audit-events", { headers: bearer(membersOnly.key) }),
      403,
      "FORBIDDEN",
    );

    expect((await call("/api/v1/audit-events", { headers: bearer(auditOnly.key) })).status).toBe(200);
    await expectProblem(await call("/api/v1/members", { headers: bearer(auditOnly.key) }), 403, "FORBIDDEN");
    // A key is not a user session.
    await expectProblem(await call("/api/v1/auth/me", { headers: bearer(auditOnly.key) }), 403, "FORBIDDEN");
  });

  it("records when it was last used", async () => {
    const { owner } = await createTenant();
    const key = await newKey(owner.auth, ["members:read"]);
    const before = Date.now();
    expect((await call("/api/v1/members", { headers: bearer(key.key) })).status).toBe(200);
    await vi.waitFor(async () => {
      expect((await keyRow(key.id))?.last_used_at).toEqual(expect.any(Number));
    });
    expect(Number((await keyRow(key.id))?.last_used_at)).toBeGreaterThanOrEqual(before);
    const listed = (await (await listKeys(owner.auth)).json()) as { data: ApiKey[] };
    expect(listed.data.find((k) => k.id === key.id)?.lastUsedAt).toEqual(expect.any(String));
  });

  it("writes last use at most once a minute", async () => {
    const { owner } = await createTenant();
    const key = await newKey(owner.auth, ["members:read"]);
    const recent = Date.now() - 5_000;
    await env.DB.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(recent, key.id).run();
    expect((await call("/api/v1/members", { headers: bearer(key.key) })).status).toBe(200);
    expect((await keyRow(key.id))?.last_used_at).toBe(recent);
    const stale = Date.now() - 120_000;
    await env.DB.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(stale, key.id).run();
    expect((await call("/api/v1/members", { headers: bearer(key.key) })).status).toBe(200);
    await vi.waitFor(async () => {
      expect(Number((await keyRow(key.id))?.last_used_at)).toBeGreaterThan(stale);
    });
  });

  it("is refused when unknown, altered or revoked (401)", async () => {
    const { owner } = await createTenant();
    const key = await newKey(owner.auth, ["members:read"]);
    const altered = `${key.key.slice(0, -1)}${key.key.endsWith("a") ? "b" : "a"}`;
    for (const value of [altered, "dlx_test_doesnotexist", "dlx_live_doesnotexist", key.key.toUpperCase()]) {
      const res = await call("/api/v1/members", { headers: bearer(value) });
      await expectProblem(res, 401, "UNAUTHENTICATED");
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
    expect((await keyRow(key.id))?.last_used_at).toBeNull();
  });

  it("stops working when its tenant is suspended, like a user's session", async () => {
    const { tenantId, owner } = await createTenant();
    const key = await newKey(owner.auth, ["members:read"]);
    expect((await call("/api/v1/members", { headers: bearer(key.key) })).status).toBe(200);
    await env.DB.prepare("UPDATE tenants SET status = 'suspended' WHERE id = ?").bind(tenantId).run();
    await expectProblem(await call("/api/v1/members", { headers: owner.auth }), 401, "UNAUTHENTICATED");
    await expectProblem(await call("/api/v1/members", { headers: bearer(key.key) }), 401, "UNAUTHENTICATED");
  });
});
