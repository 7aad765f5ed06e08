import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callWithEnv, expectProblem } from "../../test/helpers";
import type { Bindings } from "../env";
import {
  BREAKER_POLICIES,
  type BreakerName,
  resetBreaker,
  throughBreaker,
} from "../platform/circuit-breaker";

describe("GET /health", () => {
  it("answers without I/O, with the release", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ status: "ok", release: expect.stringMatching(/^dealix@/) });
  });
});

const HEALTH_TOKEN = "operator-health-token-0123456789abcdefghijkl";
const asOperator = { headers: { Authorization: `Bearer ${HEALTH_TOKEN}` } };

/** /health/deep with the token configured; `init` decides whether the caller presents it. */
const deepHealth = (init?: RequestInit, overrides: Partial<Bindings> = {}) =>
  callWithEnv({ HEALTH_TOKEN, ...overrides }, "/health/deep", init);

type DeepHealth = {
  status: string;
  release: string;
  checks?: Record<string, { status: string; latencyMs: number; detail?: string }>;
};

/** Opens the named breaker for the length of `run` (a provider failing), then closes it again. */
async function withOpenBreaker(name: BreakerName, run: () => Promise<void>) {
  for (let i = 0; i < BREAKER_POLICIES[name].failureThreshold; i++) {
    await throughBreaker(env.CIRCUIT_BREAKER, name, async () => {
      throw new Error("HTTP 503");
    }).catch(() => {});
  }
  try {
    await run();
  } finally {
    await resetBreaker(env.CIRCUIT_BREAKER, name);
  }
}

/** The real KV namespace, counting writes and reads. */
function countingKv() {
  const counts = { put: 0, get: 0 };
  const kv = new Proxy(env.FLAGS, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name !== "put" && name !== "get") return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => {
        counts[name] += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kv, counts };
}

describe("GET /health/deep for operators (Bearer HEALTH_TOKEN)", () => {
  it("checks D1 with a real query, KV with a write and read, the assets binding and the rate limiter", async () => {
    const { kv, counts } = countingKv();
    const res = await deepHealth(asOperator, { FLAGS: kv });
    expect(res.status).toBe(200);
    const body = (await res.json()) as DeepHealth;
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks ?? {}).sort()).toEqual(["assets", "breakers", "d1", "kv", "rateLimiter"]);
    for (const check of Object.values(body.checks ?? {})) {
      expect(check.status).toBe("up");
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(body.checks?.d1?.detail).toMatch(/^migration \d{4}_/);
    expect(counts).toEqual({ put: 1, get: 1 });
  });

  it("stays green when several checks run at once (each KV probe has its own key)", async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => deepHealth(asOperator)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
  });

  it("answers 503 and names the failing check when a binding is down", async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: database unavailable");
      },
    } as unknown as D1Database;
    const res = await deepHealth(asOperator, { DB: brokenDb });
    expect(res.status).toBe(503);
    const body = (await res.json()) as DeepHealth;
    expect(body.status).toBe("down");
    expect(body.checks?.d1).toMatchObject({ status: "down", detail: "D1_ERROR: database unavailable" });
    expect(body.checks?.kv?.status).toBe("up");
  });

  it("reports KV down when a read does not return the value just written", async () => {
    const forgetfulKv = { put: async () => {}, get: async () => null } as unknown as KVNamespace;
    const res = await deepHealth(asOperator, { FLAGS: forgetfulKv });
    expect(res.status).toBe(503);
    expect(((await res.json()) as DeepHealth).checks?.kv?.status).toBe("down");
  });

  it("reports the rate limiter down when its Durable Object cannot be reached", async () => {
    const unreachable = {
      getByName: () => ({
        ping: async () => {
          throw new Error("Durable Object reset because its code was updated.");
        },
      }),
    } as unknown as Bindings["RATE_LIMITER"];
    const res = await deepHealth(asOperator, { RATE_LIMITER: unreachable });
    expect(res.status).toBe(503);
    const body = (await res.json()) as DeepHealth;
    expect(body.checks?.rateLimiter).toMatchObject({
      status: "down",
      detail: "Durable Object reset because its code was updated.",
    });
    expect(body.checks?.d1?.status).toBe("up");
  });

  it("answers 200 degraded, naming the open breaker, when a provider is failing", async () => {
    await withOpenBreaker("whatsapp", async () => {
      const res = await deepHealth(asOperator);
      expect(res.status).toBe(200);
      const body = (await res.json()) as DeepHealth;
      expect(body.status).toBe("degraded");
      expect(body.checks?.breakers).toMatchObject({ status: "degraded", detail: "whatsapp open" });
      for (const name of ["d1", "kv", "assets", "rateLimiter"])
        expect(body.checks?.[name]?.status).toBe("up");
    });
    const after = (await (await deepHealth(asOperator)).json()) as DeepHealth;
    expect(after.status).toBe("ok");
    expect(after.checks?.breakers).toEqual({ status: "up", latencyMs: expect.any(Number) });
  });

  it("answers 503 when the breakers cannot be read", async () => {
    const unreachable = {
      getByName: () => ({
        status: async () => {
          throw new Error("Durable Object is overloaded.");
        },
      }),
    } as unknown as Bindings["CIRCUIT_BREAKER"];
    const res = await deepHealth(asOperator, { CIRCUIT_BREAKER: unreachable });
    expect(res.status).toBe(503);
    expect(((await res.json()) as DeepHealth).checks?.breakers).toMatchObject({
      status: "down",
      detail: "Durable Object is overloaded.",
    });
  });

  it.each([
    ["a wrong token", `Bearer ${HEALTH_TOKEN.slice(0, -1)}x`, HEALTH_TOKEN],
    ["a token of another length", "Bearer short", HEALTH_TOKEN],
    ["a token that is not a bearer token", `Basic ${HEALTH_TOKEN}`, HEALTH_TOKEN],
    ["any token when none is configured", `Bearer ${HEALTH_TOKEN}`, ""],
  ])("refuses %s with 401 and runs no check", async (_, authorization, configured) => {
    const { kv, counts } = countingKv();
    const res = await callWithEnv({ HEALTH_TOKEN: configured, FLAGS: kv }, "/health/deep", {
      headers: { Authorization: authorization },
    });
    await expectProblem(res, 401, "UNAUTHENTICATED");
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="health"');
    expect(counts).toEqual({ put: 0, get: 0 });
  });
});

describe("GET /health/deep for anyone else", () => {
  it("answers the overall status and release only, and never writes KV", async () => {
    const { kv, counts } = countingKv();
    const responses = await Promise.all(Array.from({ length: 3 }, () => deepHealth({}, { FLAGS: kv })));
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(await res.json()).toEqual({ status: "ok", release: expect.stringMatching(/^dealix@/) });
    }
    expect(counts).toEqual({ put: 0, get: 3 });
  });

  it("answers 503 when a binding is down, without saying which or why", async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: database unavailable");
      },
    } as unknown as D1Database;
    const res = await deepHealth({}, { DB: brokenDb });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "down", release: expect.stringMatching(/^dealix@/) });
  });

  it("answers 200 degraded without naming the breaker when a provider is failing", async () => {
    await withOpenBreaker("email", async () => {
      const res = await deepHealth({});
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "degraded", release: expect.stringMatching(/^dealix@/) });
    });
  });

  it("reports KV down when it cannot be read", async () => {
    const unreadableKv = {
      get: async () => {
        throw new Error("KV GET failed: 500");
      },
    } as unknown as KVNamespace;
    const res = await deepHealth({}, { FLAGS: unreadableKv });
    expect(res.status).toBe(503);
  });
});

describe("GET /ready", () => {
  it("is ready when the database answers with migrations applied", async () => {
    const res = await call("/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", checks: { d1: { status: "up" } } });
  });

  it("is not ready without a database", async () => {
    const emptyDb = { prepare: () => ({ first: async () => null }) } as unknown as D1Database;
    const res = await callWithEnv({ DB: emptyDb }, "/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "not_ready",
      checks: { d1: { status: "down", detail: "no migrations applied" } },
    });
  });
});
