import { listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../env";
import { sha256Hex } from "./crypto";
import { ApiError } from "./problem";
import {
  clientIp,
  enforceRateLimit,
  RATE_LIMITS,
  type RateLimitDecision,
  type RateLimitRule,
  resetRateLimit,
} from "./rate-limit";

const twoPerMinute: RateLimitRule = {
  name: "test-identity",
  limit: 2,
  windowSeconds: 60,
  keyedBy: "identity",
};
const onePerMinuteByIp: RateLimitRule = { name: "test-ip", limit: 1, windowSeconds: 60, keyedBy: "ip" };

afterEach(() => {
  vi.restoreAllMocks();
});

// Alarms escape per-file storage isolation (workers-sdk#5388), so each test that counted a hit fires
// every scheduled alarm before it ends.
async function fireAllAlarms() {
  for (const id of await listDurableObjectIds(env.RATE_LIMITER)) {
    await runDurableObjectAlarm(env.RATE_LIMITER.get(id));
  }
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

/** A namespace that records the object names asked for and forwards to the real one. */
function recordingNamespace() {
  const names: string[] = [];
  const namespace = {
    getByName: (name: string) => {
      names.push(name);
      return env.RATE_LIMITER.getByName(name);
    },
  } as unknown as Bindings["RATE_LIMITER"];
  return { names, env: { RATE_LIMITER: namespace } };
}

/** A namespace whose stubs answer `hit` with the given outcomes, one per call. */
function scriptedNamespace(...outcomes: Array<RateLimitDecision | Error>) {
  const hit = vi.fn(async () => {
    const outcome = outcomes.shift();
    if (!outcome || outcome instanceof Error) throw outcome ?? new Error("no scripted outcome");
    return outcome;
  });
  const getByName = vi.fn(() => ({ hit, reset: hit }));
  return { hit, getByName, env: { RATE_LIMITER: { getByName } as unknown as Bindings["RATE_LIMITER"] } };
}

const durableObjectError = (message: string, flags: { retryable?: boolean; overloaded?: boolean }) =>
  Object.assign(new Error(message), flags);

describe("enforceRateLimit", () => {
  it("lets `limit` attempts through, then throws RATE_LIMITED (429) with Retry-After", async () => {
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    const error = await caught(enforceRateLimit(env, twoPerMinute, "sara@example.sa"));
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.status).toBe(429);
    const retryAfter = Number(error.headers["Retry-After"]);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await enforceRateLimit(env, twoPerMinute, "someone-else@example.sa");
    await fireAllAlarms();
  });

  it("names the bucket `<rule>:<sha256 of subject>`, so no email or phone appears in object names", async () => {
    const recording = recordingNamespace();
    await enforceRateLimit(recording.env, twoPerMinute, "+966501112233");
    expect(recording.names).toEqual([`test-identity:${await sha256Hex("+966501112233")}`]);
    expect(recording.names[0]).not.toContain("966501112233");
    await fireAllAlarms();
  });

  it("gives case variants of an email one shared budget", async () => {
    await enforceRateLimit(env, twoPerMinute, "Sara@Example.sa");
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    expect((await caught(enforceRateLimit(env, twoPerMinute, "SARA@EXAMPLE.SA"))).code).toBe("RATE_LIMITED");
    await fireAllAlarms();
  });

  it("counts IPv6 clients per /64, since one subscriber holds the whole network", async () => {
    await enforceRateLimit(env, onePerMinuteByIp, "2001:db8:aa:bb::1");
    const sameNetwork = await caught(
      enforceRateLimit(env, onePerMinuteByIp, "2001:0DB8:00aa:00bb:1234:5678:9abc:def0"),
    );
    expect(sameNetwork.code).toBe("RATE_LIMITED");
    await enforceRateLimit(env, onePerMinuteByIp, "2001:db8:aa:bc::1");
    await enforceRateLimit(env, onePerMinuteByIp, "203.0.113.7");
    await enforceRateLimit(env, onePerMinuteByIp, "203.0.113.8");
    await fireAllAlarms();
  });

  it("fails closed with UNAVAILABLE (503) when the limiter cannot answer, and logs it", async () => {
    const errorLog = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = scriptedNamespace(new Error("Durable Object storage is unavailable"));
    const error = await caught(enforceRateLimit(broken.env, RATE_LIMITS.loginPerAccount, "sara@example.sa"));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.status).toBe(503);
    expect(errorLog).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(errorLog.mock.calls[0]?.[0]));
    expect(line).toMatchObject({
      level: "error",
      msg: "rate limiter unavailable",
      rule: "login-account",
      error: "Durable Object storage is unavailable",
    });
    expect(JSON.stringify(line)).not.toContain("sara");
  });

  it("retries once, on a fresh stub, when the failure is marked retryable", async () => {
    const flaky = scriptedNamespace(durableObjectError("object reset", { retryable: true }), {
      allowed: true,
      remaining: 4,
      retryAfterSeconds: 0,
    });
    await enforceRateLimit(flaky.env, twoPerMinute, "sara@example.sa");
    expect(flaky.getByName).toHaveBeenCalledTimes(2);
  });

  it("does not retry an overloaded object, and fails closed", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const overloaded = scriptedNamespace(
      durableObjectError("overloaded", { retryable: true, overloaded: true }),
      { allowed: true, remaining: 4, retryAfterSeconds: 0 },
    );
    expect((await caught(enforceRateLimit(overloaded.env, twoPerMinute, "sara@example.sa"))).code).toBe(
      "UNAVAILABLE",
    );
    expect(overloaded.hit).toHaveBeenCalledTimes(1);
  });
});

describe("resetRateLimit", () => {
  it("gives the subject its full budget back", async () => {
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    await resetRateLimit(env, twoPerMinute, "SARA@example.sa");
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    await enforceRateLimit(env, twoPerMinute, "sara@example.sa");
    expect((await caught(enforceRateLimit(env, twoPerMinute, "sara@example.sa"))).code).toBe("RATE_LIMITED");
    await fireAllAlarms();
  });

  it("logs a failed reset instead of failing the request that asked for it", async () => {
    const warnLog = vi.spyOn(console, "warn").mockImplementation(() => {});
    const broken = scriptedNamespace(new Error("Durable Object storage is unavailable"));
    await expect(resetRateLimit(broken.env, twoPerMinute, "sara@example.sa")).resolves.toBeUndefined();
    expect(JSON.parse(String(warnLog.mock.calls[0]?.[0]))).toMatchObject({
      msg: "rate limit reset failed",
      rule: "test-identity",
    });
  });
});

describe("RATE_LIMITS", () => {
  it("gives every rule its own bucket family and a positive whole limit and window", () => {
    const rules: RateLimitRule[] = Object.values(RATE_LIMITS);
    expect(new Set(rules.map((rule) => rule.name)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(Number.isInteger(rule.limit) && rule.limit > 0, rule.name).toBe(true);
      expect(Number.isInteger(rule.windowSeconds) && rule.windowSeconds > 0, rule.name).toBe(true);
    }
  });
});

describe("clientIp", () => {
  it("uses the address Cloudflare saw, never the client-supplied X-Forwarded-For", () => {
    const req = new Request("https://dealix.test/", {
      headers: { "CF-Connecting-IP": "203.0.113.7", "X-Forwarded-For": "198.51.100.1" },
    });
    expect(clientIp(req)).toBe("203.0.113.7");
  });

  it("falls back to `unknown` without the header", () => {
    const req = new Request("https://dealix.test/", { headers: { "X-Forwarded-For": "198.51.100.1" } });
    expect(clientIp(req)).toBe("unknown");
  });
});
