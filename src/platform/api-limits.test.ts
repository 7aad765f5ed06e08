import { createExecutionContext, listDurableObjectIds, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TestBrowser } from "../../test/browser";
import { expectConformsToContract } from "../../test/contract";
import { countD1RoundTrips } from "../../test/d1-round-trips";
import { type Actor, createMember, createTenant, freshIp, putOnPlan } from "../../test/fixtures";
import {
  callWithEnv,
  countRows,
  expectProblem,
  ORIGIN,
  PRODUCTION_BINDINGS,
  postJson,
} from "../../test/helpers";
import { createApp } from "../app";
import { ACCESS_TOKEN_TYPE } from "../auth/tokens";
import type { Bindings } from "../env";
import { ConfigError, loadConfig } from "../env";
import { apiLimitsFor, DEFAULT_API_LIMITS } from "./api-limits";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A request through an app whose API quotas are `limits` (`tenant=<n>,key=<n>` per minute). */
const limited = (limits: string | undefined, path: string, init?: RequestInit) =>
  callWithEnv({ API_RATE_LIMITS: limits }, path, init);

const quotaOf = (res: Response) => ({
  limit: res.headers.get("RateLimit-Limit"),
  remaining: res.headers.get("RateLimit-Remaining"),
  reset: res.headers.get("RateLimit-Reset"),
});

/** An API key of `owner`'s tenant, made by a request that counts against the tenant's `limits`. */
async function createKey(limits: string | undefined, owner: Actor, scopes: string[]) {
  const res = await limited(limits, "/api/v1/api-keys", {
    method: "POST",
    headers: { ...owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "quota", scopes }),
  });
  expect(res.status).toBe(201);
  return { Authorization: `Bearer ${((await res.json()) as { key: string }).key}` };
}

const newContact = (auth: Record<string, string>, name: string) => ({
  method: "POST",
  headers: { ...auth, "Content-Type": "application/json" },
  body: JSON.stringify({ name, source: "walk_in" }),
});

describe("API quotas", () => {
  it("allows the quota, then answers 429 with Retry-After and a problem, writing nothing", async () => {
    const { owner, tenantId } = await createTenant();
    const quotas = [];
    for (const name of ["Ali", "Badr", "Saad"]) {
      const res = await limited("tenant=3,key=100", "/api/v1/contacts", newContact(owner.auth, name));
      expect(res.status).toBe(201);
      quotas.push(quotaOf(res));
    }
    expect(quotas).toEqual([
      { limit: "3", remaining: "2", reset: "20" },
      { limit: "3", remaining: "1", reset: "40" },
      { limit: "3", remaining: "0", reset: "60" },
    ]);
    const [contacts, audits] = [await countRows("contacts"), await countRows("audit_events")];

    const warnings = vi.spyOn(console, "warn");
    const refused = await limited("tenant=3,key=100", "/api/v1/contacts", newContact(owner.auth, "Fahd"));
    const problem = await expectProblem(refused, 429, "RATE_LIMITED");
    expect(problem.detail).toMatch(/this account .* 3 requests a minute/);
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(19);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(quotaOf(refused)).toMatchObject({ limit: "3", remaining: "0" });
    expect(await countRows("contacts")).toBe(contacts);
    expect(await countRows("audit_events")).toBe(audits);
    const logged = warnings.mock.calls
      .map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
      .find((line) => line.msg === "api_quota_exceeded");
    expect(logged).toMatchObject({ tenantId, quota: "tenant", limit: 3, requestId: problem.requestId });
  });

  it("puts the headers on error responses of authenticated requests too (403, 404, 422)", async () => {
    const { agent, owner } = await createTenant();
    const forbidden = await limited("tenant=10,key=10", "/api/v1/api-keys", { headers: agent.auth });
    await expectProblem(forbidden, 403, "FORBIDDEN");
    expect(quotaOf(forbidden)).toEqual({ limit: "10", remaining: "9", reset: "6" });
    const missing = await limited("tenant=10,key=10", "/api/v1/contacts/con_00000000000000000000", {
      headers: owner.auth,
    });
    await expectProblem(missing, 404, "NOT_FOUND");
    expect(quotaOf(missing)).toMatchObject({ limit: "10", remaining: "8" });
    const invalid = await limited("tenant=10,key=10", "/api/v1/members?limit=1000", { headers: owner.auth });
    await expectProblem(invalid, 422, "VALIDATION_FAILED");
    expect(quotaOf(invalid)).toMatchObject({ limit: "10", remaining: "7" });
  });

  it("puts them on responses a handler builds itself: a CSV export, an idempotent replay", async () => {
    const { owner } = await createTenant();
    const csv = await limited("tenant=10,key=10", "/api/v1/exports/contacts.csv", { headers: owner.auth });
    expect(csv.status).toBe(200);
    expect(quotaOf(csv)).toMatchObject({ limit: "10", remaining: "9" });
    const once = newContact({ ...owner.auth, "Idempotency-Key": "quota-replay-1" }, "Huda");
    expect((await limited("tenant=10,key=10", "/api/v1/contacts", once)).status).toBe(201);
    const replay = await limited("tenant=10,key=10", "/api/v1/contacts", once);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(quotaOf(replay)).toMatchObject({ limit: "10", remaining: "7" });
  });

  it("counts each API key on its own and every key and user of a tenant together; other tenants are apart", async () => {
    const home = await createTenant();
    const other = await createTenant();
    const quotas = "tenant=8,key=3";
    const [first, second] = [
      await createKey(quotas, home.owner, ["members:read"]),
      await createKey(quotas, home.owner, ["members:read"]),
    ];
    const get = (auth: Record<string, string>) => limited(quotas, "/api/v1/members", { headers: auth });

    const firstKey = [await get(first), await get(first), await get(first)];
    expect(firstKey.map((res) => res.status)).toEqual([200, 200, 200]);
    // The key's quota (3) is the tighter one, so the headers show it.
    expect(firstKey.map((res) => quotaOf(res).remaining)).toEqual(["2", "1", "0"]);
    expect(quotaOf(firstKey[0] as Response).limit).toBe("3");
    const keySpent = await get(first);
    expect((await expectProblem(keySpent, 429, "RATE_LIMITED")).detail).toMatch(/this API key/);
    expect(quotaOf(keySpent).limit).toBe("3");

    // The tenant spent 5 of its 8 (2 keys made, 3 reads): the refused request was given back.
    const secondKey = await get(second);
    expect(secondKey.status).toBe(200);
    // Both have 2 left: the tenant's takes longer to refill, so its quota is the one shown.
    expect(quotaOf(secondKey)).toMatchObject({ limit: "8", remaining: "2" });
    expect((await get(home.owner.auth)).status).toBe(200);
    expect(quotaOf(await get(second))).toMatchObject({ limit: "8", remaining: "0" });
    const tenantSpent = await get(second);
    expect((await expectProblem(tenantSpent, 429, "RATE_LIMITED")).detail).toMatch(/this account/);
    expect(quotaOf(tenantSpent)).toMatchObject({ limit: "8", remaining: "0" });
    await expectProblem(await get(home.owner.auth), 429, "RATE_LIMITED");

    const elsewhere = await get(other.owner.auth);
    expect(elsewhere.status).toBe(200);
    expect(quotaOf(elsewhere)).toMatchObject({ limit: "8", remaining: "7" });
  });

  it("answers a bad credential 401 without touching a limiter", async () => {
    const { owner } = await createTenant();
    const key = await createKey("tenant=3,key=3", owner, ["members:read"]);
    const tampered = {
      Authorization: `${key.Authorization.slice(0, -1)}${key.Authorization.endsWith("A") ? "B" : "A"}`,
    };
    const buckets = (await listDurableObjectIds(env.RATE_LIMITER)).length;
    for (const auth of [{}, { Authorization: "Bearer not-a-token" }, tampered]) {
      const res = await limited("tenant=3,key=3", "/api/v1/members", { headers: auth });
      await expectProblem(res, 401, "UNAUTHENTICATED");
      expect(res.headers.get("RateLimit-Limit")).toBeNull();
    }
    expect((await listDurableObjectIds(env.RATE_LIMITER)).length).toBe(buckets);
    // One request was counted before (making the key); the 401s counted none.
    const first = await limited("tenant=3,key=3", "/api/v1/members", { headers: key });
    expect(quotaOf(first)).toMatchObject({ limit: "3", remaining: "1" });
  });

  it("lets exactly 20 of 50 concurrent requests through a quota of 20", async () => {
    const { owner } = await createTenant();
    // The clock (the limiter's too: it runs in this isolate) stands still, so no request is
    // refilled while the 50 are in flight.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const app = createApp();
    const bindings = { ...env, API_RATE_LIMITS: "tenant=20,key=20" } as Bindings;
    const responses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const ctx = createExecutionContext();
        const request = new Request(`${ORIGIN}/api/v1/members`, { headers: owner.auth });
        const res = await app.fetch(request, bindings, ctx);
        await waitOnExecutionContext(ctx);
        await expectConformsToContract("GET", "/api/v1/members", res);
        return res;
      }),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    const remaining = responses
      .filter((res) => res.status === 200)
      .map((res) => Number(res.headers.get("RateLimit-Remaining")))
      .sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("answers without quota headers when the limiter is down, rather than refusing the API", async () => {
    const { owner } = await createTenant();
    const down = {
      getByName: () => ({
        take: () => Promise.reject(new Error("object unavailable")),
      }),
    } as unknown as Bindings["RATE_LIMITER"];
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await callWithEnv({ RATE_LIMITER: down }, "/api/v1/members", { headers: owner.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Limit")).toBeNull();
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("api quota unavailable"));
  });

  it("does not count signed-in browser pages (API only)", async () => {
    const { owner } = await createTenant();
    const browser = new TestBrowser({
      "__Host-dlx_at": owner.accessToken,
      "__Host-dlx_rt": owner.refreshToken,
    });
    const page = await browser.get("/contacts");
    expect(page.status).toBe(200);
    expect(page.headers.get("RateLimit-Limit")).toBeNull();
  });

  it("exposes the headers to browsers on other allowed origins (CORS)", async () => {
    const { owner } = await createTenant();
    const res = await callWithEnv({ CORS_ORIGINS: "https://app.example.sa" }, "/api/v1/members", {
      headers: { ...owner.auth, Origin: "https://app.example.sa" },
    });
    const exposed = res.headers.get("Access-Control-Expose-Headers")?.split(/\s*,\s*/) ?? [];
    expect(exposed).toEqual(
      expect.arrayContaining(["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"]),
    );
  });
});

describe("the plans' quotas", () => {
  it("default to 1,200 requests a minute per tenant and 300 per API key; a plan's replace them, the override wins", () => {
    expect(DEFAULT_API_LIMITS).toEqual({ perTenantPerMinute: 1200, perApiKeyPerMinute: 300 });
    const starter = { perTenantPerMinute: 600, perApiKeyPerMinute: 150 };
    expect(apiLimitsFor(undefined, { API_RATE_LIMITS: undefined })).toBe(DEFAULT_API_LIMITS);
    expect(apiLimitsFor(starter, { API_RATE_LIMITS: undefined })).toBe(starter);
    const override = { perTenantPerMinute: 5, perApiKeyPerMinute: 2 };
    expect(apiLimitsFor(starter, { API_RATE_LIMITS: override })).toBe(override);
  });

  it("gives each plan the quotas the README lists, a trial Growth's", async () => {
    const [trial, starter, enterprise] = [await createTenant(), await createTenant(), await createTenant()];
    await putOnPlan(starter.tenantId, "starter");
    await putOnPlan(enterprise.tenantId, "enterprise");
    // At 1,200 a minute a request comes back every 50 ms: the clock stands still to count exactly.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const quotas = [];
    for (const tenant of [trial, starter, enterprise]) {
      // A member made after the plan change signs in with it, as a sign-in or refresh would.
      const owner = await createMember(tenant.tenantId, "owner");
      const key = await createKey(undefined, owner, ["members:read"]);
      const asUser = await limited(undefined, "/api/v1/members", { headers: owner.auth });
      const asKey = await limited(undefined, "/api/v1/members", { headers: key });
      quotas.push({ user: quotaOf(asUser), key: quotaOf(asKey) });
    }
    expect(quotas).toEqual([
      {
        user: { limit: "1200", remaining: "1198", reset: "1" },
        key: { limit: "300", remaining: "299", reset: "1" },
      },
      {
        user: { limit: "600", remaining: "598", reset: "1" },
        key: { limit: "150", remaining: "149", reset: "1" },
      },
      {
        user: { limit: "3000", remaining: "2998", reset: "1" },
        key: { limit: "750", remaining: "749", reset: "1" },
      },
    ]);
  });

  it("refuses a Starter tenant's key after its 150 requests while a Growth tenant's key goes on", async () => {
    const starter = await createTenant();
    const growth = await createTenant();
    await putOnPlan(starter.tenantId, "starter");
    await putOnPlan(growth.tenantId, "growth");
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const keys = {
      starter: await createKey(undefined, starter.owner, ["members:read"]),
      growth: await createKey(undefined, growth.owner, ["members:read"]),
    };
    // One app for the 300 requests: building one per request would take most of the time.
    const app = createApp();
    const bindings = { ...env, API_RATE_LIMITS: undefined } as Bindings;
    const get = async (auth: Record<string, string>) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`${ORIGIN}/api/v1/members?limit=1`, { headers: auth }),
        bindings,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    // One request each first, which records the key's use, then the other 149 at once.
    const firsts = [await get(keys.starter), await get(keys.growth)];
    const rest = await Promise.all(
      [keys.starter, keys.growth].flatMap((key) => Array.from({ length: 149 }, () => get(key))),
    );
    expect([...firsts, ...rest].filter((res) => res.status === 200)).toHaveLength(300);
    const refused = await get(keys.starter);
    expect((await expectProblem(refused, 429, "RATE_LIMITED")).detail).toMatch(
      /this API key, 150 requests a minute/,
    );
    expect(quotaOf(refused)).toMatchObject({ limit: "150", remaining: "0" });
    const allowed = await get(keys.growth);
    expect(allowed.status).toBe(200);
    expect(quotaOf(allowed)).toMatchObject({ limit: "300", remaining: "149" });
  }, 30_000);

  it("follows a plan change: a key's at its next request, a person's at the next refresh", async () => {
    const { owner, tenantId } = await createTenant();
    const key = await createKey(undefined, owner, ["members:read"]);
    await putOnPlan(tenantId, "starter");
    const members = (auth: Record<string, string>) =>
      limited(undefined, "/api/v1/members", { headers: auth });
    expect(quotaOf(await members(key)).limit).toBe("150");
    // The access token was signed on the trial (Growth): it keeps that quota for its ten minutes.
    expect(quotaOf(await members(owner.auth)).limit).toBe("1200");

    const refreshed = await postJson("/api/v1/auth/refresh", { refreshToken: owner.refreshToken }, freshIp());
    expect(refreshed.status).toBe(200);
    const { accessToken } = (await refreshed.json()) as { accessToken: string };
    expect(decodeJwt(accessToken).pln).toBe("starter");
    expect(quotaOf(await members({ Authorization: `Bearer ${accessToken}` })).limit).toBe("600");
  });

  it("costs no D1 round trip of its own: the plan comes with the key's lookup and in the token", async () => {
    const { owner, tenantId } = await createTenant();
    await putOnPlan(tenantId, "starter");
    const key = await createKey(undefined, owner, ["members:read"]);
    const person = await createMember(tenantId, "manager");
    const counted = async (auth: Record<string, string>) => {
      const d1 = countD1RoundTrips(env.DB);
      const res = await callWithEnv({ DB: d1.db, API_RATE_LIMITS: undefined }, "/api/v1/members", {
        headers: auth,
      });
      expect(res.status).toBe(200);
      return { limit: quotaOf(res).limit, d1RoundTrips: d1.roundTrips() };
    };
    // Its first use is recorded (once a minute), a write this count leaves out.
    expect((await limited(undefined, "/api/v1/members", { headers: key })).status).toBe(200);
    // A person: the list and the session check in one batch. A key: its lookup, then the list.
    expect(await counted(person.auth)).toEqual({ limit: "600", d1RoundTrips: 1 });
    expect(await counted(key)).toEqual({ limit: "150", d1RoundTrips: 2 });
  });

  it("cannot be raised by a forged plan claim; a plan it does not know gets the default", async () => {
    const { tenantId } = await createTenant();
    await putOnPlan(tenantId, "starter");
    const manager = await createMember(tenantId, "manager");
    const [header, payload, signature] = manager.accessToken.split(".");
    const claims = decodeJwt(manager.accessToken);
    expect(claims.pln).toBe("starter");
    const forged = btoa(JSON.stringify({ ...claims, pln: "enterprise" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    expect(forged).not.toBe(payload);
    const refused = await limited(undefined, "/api/v1/members", {
      headers: { Authorization: `Bearer ${header}.${forged}.${signature}` },
    });
    await expectProblem(refused, 401, "UNAUTHENTICATED");
    expect(refused.headers.get("RateLimit-Limit")).toBeNull();

    // Signed by Dealix (a plan since retired, say), yet unknown: ignored, the default applies.
    const unknown = await new SignJWT({ ...claims, pln: "platinum" })
      .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
      .sign(new TextEncoder().encode(loadConfig(env).JWT_SECRET));
    const res = await limited(undefined, "/api/v1/members", {
      headers: { Authorization: `Bearer ${unknown}` },
    });
    expect(res.status).toBe(200);
    expect(quotaOf(res).limit).toBe(String(DEFAULT_API_LIMITS.perTenantPerMinute));
  });

  it("takes the override in development and tests only, and only in its one form", () => {
    const base = { ENVIRONMENT: "test", JWT_SECRET: "j".repeat(40), PASSWORD_PEPPER: "p".repeat(40) };
    const parsed = loadConfig({ ...base, API_RATE_LIMITS: "tenant=20,key=5" } as unknown as Bindings);
    expect(parsed.API_RATE_LIMITS).toEqual({ perTenantPerMinute: 20, perApiKeyPerMinute: 5 });
    expect(() => loadConfig({ ...base, API_RATE_LIMITS: "tenant=0,key=5" } as unknown as Bindings)).toThrow(
      ConfigError,
    );
    expect(() =>
      loadConfig({ ...PRODUCTION_BINDINGS, API_RATE_LIMITS: "tenant=20,key=5" } as unknown as Bindings),
    ).toThrow(/API_RATE_LIMITS is for development and tests/);
  });
});

describe("the contract", () => {
  const document = createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
  const operations = Object.values(document.paths ?? {}).flatMap((item) =>
    Object.values(item as Record<string, { responses?: Record<string, { headers?: object }> }>).filter(
      (op) => typeof op === "object" && op !== null && "responses" in op,
    ),
  );

  it("declares the 429 and the headers on every operation that needs a credential, and on no other", () => {
    const guarded = operations.filter((op) => "x-access" in op);
    expect(guarded.length).toBeGreaterThan(50);
    for (const op of guarded) {
      const responses = op.responses ?? {};
      expect(Object.keys(responses["429"]?.headers ?? {})).toEqual([
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "Retry-After",
      ]);
      for (const [status, response] of Object.entries(responses)) {
        if (status.startsWith("2")) expect(response.headers).toHaveProperty("RateLimit-Remaining");
      }
    }
    const health = document.paths?.["/health"]?.get?.responses ?? {};
    expect(health["429"]).toBeUndefined();
    expect(JSON.stringify(health)).not.toContain("RateLimit");
  });
});
