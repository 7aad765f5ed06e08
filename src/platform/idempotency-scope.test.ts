import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { ORIGIN, postJson } from "../../test/helpers";
import { principalResolver } from "../auth/credentials";
import { loadConfig } from "../env";
import { requireAccess, tenantOf } from "./access";
import { toApiError } from "./errors";
import { idempotency } from "./idempotency";
import { problemResponse } from "./problem";
import { createRouter } from "./router";

// An Idempotency-Key is the caller's: two tenants (or two users, or a user and an API key) that
// happen to send the same key to the same path must each get their own response, never a replay
// of someone else's. No signed-in route honours the header yet (only the public early-access form
// does), so this mounts the middleware the way a capability will: behind requireAccess.

function appWithIdempotentCreate() {
  const app = createRouter();
  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("principalResolver", principalResolver);
    await next();
  });
  let runs = 0;
  app.post("/api/v1/things", requireAccess({ role: "agent", scope: "members:read" }), idempotency(), (c) => {
    runs += 1;
    const { principal } = tenantOf(c);
    const caller = principal.kind === "user" ? principal.userId : principal.apiKeyId;
    return c.json({ run: runs, tenantId: principal.tenantId, caller }, 201);
  });
  app.onError((error, c) => problemResponse(c, toApiError(error)));

  return async (auth: { Authorization: string }, key: string) => {
    const ctx = createExecutionContext();
    const res = await app.request(
      `${ORIGIN}/api/v1/things`,
      {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify({ name: "the same body from everyone" }),
      },
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return {
      status: res.status,
      replayed: res.headers.get("Idempotent-Replayed") === "true",
      body: (await res.json()) as { run: number; tenantId: string; caller: string },
    };
  };
}

const storedKeys = async (key: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ?")
      .bind(key)
      .first<{ n: number }>()
  )?.n;

describe("Idempotency-Key scope", () => {
  it("keeps two tenants' responses apart under the same key and path", async () => {
    const send = appWithIdempotentCreate();
    const a = await createTenant();
    const b = await createTenant();
    const key = `shared-${crypto.randomUUID()}`;

    const first = await send(a.owner.auth, key);
    expect(first).toEqual({
      status: 201,
      replayed: false,
      body: { run: 1, tenantId: a.tenantId, caller: a.owner.userId },
    });
    const other = await send(b.owner.auth, key);
    expect(other).toEqual({
      status: 201,
      replayed: false,
      body: { run: 2, tenantId: b.tenantId, caller: b.owner.userId },
    });
    expect(await storedKeys(key)).toBe(2);

    // Each caller's own retry replays its own first response.
    expect(await send(a.owner.auth, key)).toEqual({ ...first, replayed: true });
    expect(await send(b.owner.auth, key)).toEqual({ ...other, replayed: true });
  });

  it("keeps two users of one tenant apart under the same key", async () => {
    const send = appWithIdempotentCreate();
    const { tenantId, owner, agent } = await createTenant();
    const key = `shared-${crypto.randomUUID()}`;

    expect((await send(owner.auth, key)).body).toEqual({ run: 1, tenantId, caller: owner.userId });
    const agents = await send(agent.auth, key);
    expect(agents).toEqual({
      status: 201,
      replayed: false,
      body: { run: 2, tenantId, caller: agent.userId },
    });
    expect(await storedKeys(key)).toBe(2);
  });

  it("refuses an ended session before its key is claimed, and runs nothing", async () => {
    const send = appWithIdempotentCreate();
    const { agent } = await createTenant();
    await env.DB.prepare("UPDATE refresh_families SET revoked_at = ?, revoked_reason = 'logout' WHERE id = ?")
      .bind(Date.now(), agent.familyId)
      .run();
    const key = `ended-${crypto.randomUUID()}`;

    const refused = await send(agent.auth, key);
    expect(refused.status).toBe(401);
    expect(await storedKeys(key)).toBe(0);
  });

  it("keeps API keys apart from each other and from the user who made them", async () => {
    const send = appWithIdempotentCreate();
    const { tenantId, owner } = await createTenant();
    const createKey = async (name: string) => {
      const res = await postJson("/api/v1/api-keys", { name, scopes: ["members:read"] }, owner.auth);
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; key: string };
      return { id: created.id, auth: { Authorization: `Bearer ${created.key}` } };
    };
    const [website, crm] = [await createKey("Website form"), await createKey("Old CRM sync")];
    const key = `shared-${crypto.randomUUID()}`;

    expect((await send(owner.auth, key)).body).toEqual({ run: 1, tenantId, caller: owner.userId });
    expect(await send(website.auth, key)).toEqual({
      status: 201,
      replayed: false,
      body: { run: 2, tenantId, caller: website.id },
    });
    expect(await send(crm.auth, key)).toEqual({
      status: 201,
      replayed: false,
      body: { run: 3, tenantId, caller: crm.id },
    });
    expect(await storedKeys(key)).toBe(3);
  });
});
