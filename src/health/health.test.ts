import { describe, expect, it } from "vitest";
import { call, callWithEnv } from "../../test/helpers";
import type { Bindings } from "../env";

describe("GET /health", () => {
  it("answers without I/O, with the release", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ status: "ok", release: expect.stringMatching(/^dealix@/) });
  });
});

describe("GET /health/deep", () => {
  it("checks D1 with a real query, KV with a write and read, the assets binding and the rate limiter", async () => {
    const res = await call("/health/deep");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { status: string; latencyMs: number; detail?: string }>;
    };
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(["assets", "d1", "kv", "rateLimiter"]);
    for (const check of Object.values(body.checks)) {
      expect(check.status).toBe("up");
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(body.checks.d1?.detail).toMatch(/^migration \d{4}_/);
  });

  it("stays green when several checks run at once (each KV probe has its own key)", async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => call("/health/deep")));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
  });

  it("answers 503 and names the failing check when a binding is down", async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: database unavailable");
      },
    } as unknown as D1Database;
    const res = await callWithEnv({ DB: brokenDb }, "/health/deep");
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { status: string; detail?: string }>;
    };
    expect(body.status).toBe("down");
    expect(body.checks.d1).toMatchObject({ status: "down", detail: "D1_ERROR: database unavailable" });
    expect(body.checks.kv?.status).toBe("up");
  });

  it("reports KV down when a read does not return the value just written", async () => {
    const forgetfulKv = { put: async () => {}, get: async () => null } as unknown as KVNamespace;
    const res = await callWithEnv({ FLAGS: forgetfulKv }, "/health/deep");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: { kv: { status: string } } }).checks.kv.status).toBe("down");
  });

  it("reports the rate limiter down when its Durable Object cannot be reached", async () => {
    const unreachable = {
      getByName: () => ({
        ping: async () => {
          throw new Error("Durable Object reset because its code was updated.");
        },
      }),
    } as unknown as Bindings["RATE_LIMITER"];
    const res = await callWithEnv({ RATE_LIMITER: unreachable }, "/health/deep");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, { status: string; detail?: string }> };
    expect(body.checks.rateLimiter).toMatchObject({
      status: "down",
      detail: "Durable Object reset because its code was updated.",
    });
    expect(body.checks.d1?.status).toBe("up");
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
