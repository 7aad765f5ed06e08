import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { encodeCursor } from "../platform/pagination";

type Auth = { Authorization: string } | Record<string, never>;

interface AuditEvent {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string } | null;
  details: Record<string, unknown> | null;
  requestId: string | null;
  ip: string | null;
  createdAt: string;
}
interface Page {
  data: AuditEvent[];
  nextCursor: string | null;
}

const listEvents = (auth: Auth, query: Record<string, string | number> = {}) => {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const qs = params.size > 0 ? `?${params}` : "";
  return call(`/api/v1/audit-events${qs}`, { headers: auth });
};
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function page(auth: Auth, query: Record<string, string | number> = {}) {
  const res = await listEvents(auth, query);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

/** Follows nextCursor to the end, returning every event in the order served. */
async function allPages(auth: Auth, query: Record<string, string | number>) {
  const events: AuditEvent[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const current: Page = await page(auth, cursor ? { ...query, cursor } : query);
    events.push(...current.data);
    sizes.push(current.data.length);
    cursor = current.nextCursor;
    if (!cursor) break;
  }
  return { events, sizes };
}

let seq = 0;
/** Writes audit rows straight to D1, so a test controls their time (and can make ties). */
async function seedEvents(tenantId: string, times: number[], action = "test.seeded", actorId = "usr_seed") {
  const ids: string[] = [];
  const statements = times.map((createdAt) => {
    const id = `aud_seed${(seq++).toString().padStart(16, "0")}`;
    ids.push(id);
    return env.DB.prepare(
      "INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, action, created_at) VALUES (?, ?, 'user', ?, ?, ?)",
    ).bind(id, tenantId, actorId, action, createdAt);
  });
  await env.DB.batch(statements);
  return ids;
}

async function createKey(auth: Auth, scopes: string[]) {
  const res = await postJson("/api/v1/api-keys", { name: "audit reader", scopes }, auth);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

describe("GET /api/v1/audit-events", () => {
  it("shows what members did, newest first, with actor, target, details and request id", async () => {
    const { tenantId, owner, agent } = await createTenant();
    const requestId = `req-audit-${Date.now()}`;
    const changed = await call(`/api/v1/members/${agent.userId}`, {
      method: "PATCH",
      headers: {
        ...owner.auth,
        "Content-Type": "application/json",
        "X-Request-Id": requestId,
        "CF-Connecting-IP": "198.51.100.20",
      },
      body: JSON.stringify({ role: "manager" }),
    });
    expect(changed.status).toBe(204);
    const key = await createKey(owner.auth, ["members:read"]);

    const { data, nextCursor } = await page(owner.auth);
    expect(nextCursor).toBeNull();
    expect(data.map((e) => e.action)).toEqual(["api_key.created", "member.role_changed"]);
    expect(data[1]).toEqual({
      id: expect.stringMatching(/^aud_/),
      actor: { type: "user", id: owner.userId },
      action: "member.role_changed",
      target: { type: "user", id: agent.userId },
      details: { from: "agent", to: "manager" },
      requestId,
      ip: "198.51.100.20",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(data[0]).toMatchObject({ target: { type: "api_key", id: key.id } });
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ?")
      .bind(tenantId)
      .first<{ n: number }>();
    expect(stored?.n).toBe(2);
  });

  it("only ever returns the caller's tenant's events", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const now = Date.now();
    const aIds = await seedEvents(a.tenantId, [now - 3000, now - 2000]);
    const bIds = await seedEvents(b.tenantId, [now - 2500, now - 1500, now - 500]);
    await createKey(b.owner.auth, ["audit:read"]);
    // An event before any tenant is known (a failed sign-in) belongs to no tenant's log.
    await env.DB.prepare(
      "INSERT INTO audit_events (id, tenant_id, actor_type, action, created_at) VALUES ('aud_notenant000000000000', NULL, 'anonymous', 'auth.sign_in_failed', ?)",
    )
      .bind(now - 100)
      .run();

    const forA = await allPages(a.manager.auth, { limit: 100 });
    expect(forA.events.map((e) => e.id)).toEqual([...aIds].reverse());

    const aKey = await createKey(a.owner.auth, ["audit:read"]);
    const viaKey = await allPages(bearer(aKey.key), { limit: 100 });
    const aIdsNow = viaKey.events.map((e) => e.id);
    expect(aIdsNow).toEqual(expect.arrayContaining(aIds));
    expect(aIdsNow).toHaveLength(3); // the two seeded plus api_key.created
    for (const id of [...bIds, "aud_notenant000000000000"]) expect(aIdsNow).not.toContain(id);

    const forB = await allPages(b.owner.auth, { limit: 100 });
    expect(forB.events.map((e) => e.id)).toEqual(expect.arrayContaining(bIds));
    for (const id of aIds) expect(forB.events.map((e) => e.id)).not.toContain(id);

    // A cursor made from another tenant's event does not reveal anything of that tenant either.
    const cursor = encodeCursor({ sort: now, id: "aud_zzzzzzzzzzzzzzzzzzzz" });
    const crafted = await page(a.owner.auth, { cursor, limit: 100 });
    for (const event of crafted.data) expect(bIds).not.toContain(event.id);
  });

  it("filters by action and by actor", async () => {
    const { tenantId, owner, manager } = await createTenant();
    const now = Date.now();
    const byOwner = await seedEvents(tenantId, [now - 5000, now - 4000], "member.removed", owner.userId);
    const byManager = await seedEvents(tenantId, [now - 3000], "member.removed", manager.userId);
    const otherAction = await seedEvents(tenantId, [now - 2000], "invitation.created", owner.userId);

    const removed = await page(owner.auth, { action: "member.removed" });
    expect(removed.data.map((e) => e.id)).toEqual([byManager[0], byOwner[1], byOwner[0]]);

    const ownerEvents = await page(owner.auth, { actorId: owner.userId });
    expect(ownerEvents.data.map((e) => e.id)).toEqual([otherAction[0], byOwner[1], byOwner[0]]);

    const both = await page(owner.auth, { action: "member.removed", actorId: owner.userId });
    expect(both.data.map((e) => e.id)).toEqual([byOwner[1], byOwner[0]]);

    expect((await page(owner.auth, { action: "tenant.created" })).data).toEqual([]);
    expect((await page(owner.auth, { actorId: "usr_nobody" })).data).toEqual([]);
  });

  it("filters by time: since is inclusive, until exclusive", async () => {
    const { tenantId, owner } = await createTenant();
    const base = Date.parse("2026-01-10T00:00:00.000Z");
    const ids = await seedEvents(tenantId, [base - 1, base, base + 1000, base + 2000]);
    const window = await page(owner.auth, {
      since: new Date(base).toISOString(),
      until: new Date(base + 2000).toISOString(),
    });
    expect(window.data.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const sinceOnly = await page(owner.auth, { since: new Date(base + 1000).toISOString() });
    expect(sinceOnly.data.map((e) => e.id)).toEqual([ids[3], ids[2]]);
  });

  it("pages through more events than the limit without duplicates or gaps, ties included", async () => {
    const { tenantId, owner } = await createTenant();
    const base = Date.now() - 60_000;
    // Several events share a millisecond, so the id must break ties across page boundaries.
    const times = [0, 1, 1, 1, 1, 2, 3, 3, 4, 5, 5, 5, 5, 6].map((offset) => base + offset);
    const ids = await seedEvents(tenantId, times);

    const first = await page(owner.auth, { limit: 4 });
    expect(first.data).toHaveLength(4);
    expect(first.nextCursor).toEqual(expect.any(String));

    const { events, sizes } = await allPages(owner.auth, { limit: 4 });
    expect(sizes).toEqual([4, 4, 4, 2]);
    const served = events.map((e) => e.id);
    expect(new Set(served).size).toBe(served.length);
    expect([...served].sort()).toEqual([...ids].sort());
    const expected = ids
      .map((id, i) => ({ id, at: times[i] ?? 0 }))
      .sort((x, y) => y.at - x.at || (y.id < x.id ? -1 : 1))
      .map((e) => e.id);
    expect(served).toEqual(expected);

    // Exactly `limit` rows left: the last page says there is no next one.
    const exact = await allPages(owner.auth, { limit: 7 });
    expect(exact.sizes).toEqual([7, 7]);

    // Paging combines with a filter.
    const filtered = await allPages(owner.auth, {
      limit: 2,
      action: "test.seeded",
      since: new Date(base + 3).toISOString(),
    });
    expect(filtered.events.map((e) => e.id)).toEqual(expected.slice(0, 8));
  });

  it.each([
    ["a tampered cursor", { cursor: "not-a-real-cursor!!" }, "cursor"],
    ["a cursor of the wrong shape", { cursor: btoa(JSON.stringify({ sort: 1, id: "x" })) }, "cursor"],
    [
      "a cursor with a non-numeric position",
      { cursor: encodeCursor({ sort: "yesterday", id: "aud_x" }) },
      "cursor",
    ],
    ["a bad since", { since: "yesterday" }, "since"],
    ["a since without a time zone", { since: "2026-01-10T00:00:00" }, "since"],
    ["a bad until", { until: "2026-13-40T00:00:00Z" }, "until"],
    ["a limit above 100", { limit: 101 }, "limit"],
    ["a limit of 0", { limit: 0 }, "limit"],
    ["a non-numeric limit", { limit: "ten" }, "limit"],
    ["a malformed action", { action: "DROP TABLE" }, "action"],
    ["an over-long actorId", { actorId: "x".repeat(41) }, "actorId"],
  ])("rejects %s with 422", async (_label, query, path) => {
    const { owner } = await createTenant();
    const problem = await expectProblem(await listEvents(owner.auth, query), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it("is open to an API key with audit:read only", async () => {
    const { owner } = await createTenant();
    const reader = await createKey(owner.auth, ["audit:read"]);
    const membersOnly = await createKey(owner.auth, ["members:read"]);
    const res = await listEvents(bearer(reader.key));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Page).data.map((e) => e.target?.id)).toEqual(
      expect.arrayContaining([reader.id, membersOnly.id]),
    );
    await expectProblem(await listEvents(bearer(membersOnly.key)), 403, "FORBIDDEN");
  });
});
