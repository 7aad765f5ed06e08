import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Bindings } from "../env";
import {
  BREAKER_NAMES,
  BREAKER_POLICIES,
  type BreakerName,
  breakerStatuses,
  CircuitOpenError,
  resetBreaker,
  throughBreaker,
} from "./circuit-breaker";

const breakers = env.CIRCUIT_BREAKER;

beforeEach(async () => {
  for (const name of BREAKER_NAMES) {
    await runInDurableObject(breakers.getByName(name), (_, state) => state.storage.deleteAll());
  }
});

const failing = (status: number) => async () => {
  throw new Error(`HTTP ${status}`);
};

/** Opens `name` with the failures its policy needs, each thrown by the call. */
async function openBreaker(name: BreakerName) {
  for (let i = 0; i < BREAKER_POLICIES[name].failureThreshold; i++) {
    await expect(throughBreaker(breakers, name, failing(503))).rejects.toThrow("HTTP 503");
  }
}

/** Moves the open breaker's opening time back past its cool-down. */
const coolDown = (name: BreakerName) =>
  runInDurableObject(breakers.getByName(name), (_, state) => {
    const stored = state.storage.kv.get<{ openedAt: number }>("breaker");
    if (!stored) throw new Error("nothing stored");
    state.storage.kv.put("breaker", {
      ...stored,
      openedAt: stored.openedAt - BREAKER_POLICIES[name].coolDownSeconds * 1000,
    });
  });

const statusOf = async (name: BreakerName) =>
  (await breakerStatuses(breakers)).find((status) => status.name === name);

/** The binding, counting the RPC calls made on each stub. */
function countingBreakers() {
  const calls: string[] = [];
  const counted = {
    getByName: (name: string) => {
      const stub = breakers.getByName(name);
      // Each method is called on the stub itself: an RPC method applied to another `this` throws.
      return new Proxy(stub, {
        get(target, method: "admit" | "record" | "status" | "reset") {
          return (...args: unknown[]) => {
            calls.push(method);
            return (target[method] as (...a: unknown[]) => unknown)(...args);
          };
        },
      });
    },
  } as unknown as Bindings["CIRCUIT_BREAKER"];
  return { counted, calls };
}

describe("throughBreaker", () => {
  it("returns the call's result with one Durable Object call, and stores nothing for a success", async () => {
    const { counted, calls } = countingBreakers();
    expect(await throughBreaker(counted, "whatsapp", async () => "sent")).toBe("sent");
    expect(calls).toEqual(["admit"]);
    expect(
      await runInDurableObject(breakers.getByName("whatsapp"), (_, s) => [...s.storage.kv.list()]),
    ).toEqual([]);
  });

  it("counts thrown errors, opens at the threshold, then fails fast without calling", async () => {
    await openBreaker("email");
    let called = false;
    const refused = await throughBreaker(breakers, "email", async () => {
      called = true;
    }).catch((error: unknown) => error);
    expect(called).toBe(false);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ breaker: "email", name: "CircuitOpenError" });
    expect((refused as CircuitOpenError).retryAfterSeconds).toBeGreaterThan(0);
    const status = await statusOf("email");
    expect(status?.state).toBe("open");
    expect(status?.transitions[0]?.reason).toBe("3 failures within 60 s; last: Error: HTTP 503");
    expect((await statusOf("whatsapp"))?.state).toBe("closed");
  });

  it("aborts a call that outlives its timeout, throws a TimeoutError and counts it as a failure", async () => {
    let signal: AbortSignal | undefined;
    const hanging = (given: AbortSignal) => {
      signal = given;
      return new Promise<never>(() => {});
    };
    const error = await throughBreaker(breakers, "llm", hanging, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimeoutError", message: "timed out after 20 ms" });
    expect(signal?.aborted).toBe(true);
    expect(await statusOf("llm")).toMatchObject({ state: "closed", failuresInWindow: 1 });

    for (let i = 1; i < BREAKER_POLICIES.llm.failureThreshold; i++) {
      await throughBreaker(breakers, "llm", hanging, { timeoutMs: 5 }).catch(() => {});
    }
    const status = await statusOf("llm");
    expect(status?.state).toBe("open");
    expect(status?.transitions[0]?.reason).toContain("TimeoutError: timed out after 5 ms");
  });

  it("masks numbers that could be phones in the stored failure reason", async () => {
    for (let i = 0; i < BREAKER_POLICIES.email.failureThreshold; i++) {
      await throughBreaker(breakers, "email", async () => {
        throw new Error("recipient +966 55 123 4567 rejected: HTTP 400");
      }).catch(() => {});
    }
    const reason = (await statusOf("email"))?.transitions[0]?.reason;
    expect(reason).toContain("recipient [number] rejected: HTTP 400");
    expect(reason).not.toContain("4567");
  });

  it("after the cool-down lets one trial through: its success closes the breaker", async () => {
    await openBreaker("moyasar");
    await coolDown("moyasar");
    const { counted, calls } = countingBreakers();
    expect(await throughBreaker(counted, "moyasar", async () => "paid")).toBe("paid");
    expect(calls).toEqual(["admit", "record"]);
    const status = await statusOf("moyasar");
    expect(status?.state).toBe("closed");
    expect(status?.transitions.map((t) => t.to)).toEqual(["closed", "half_open", "open"]);
  });

  it("refuses a second call while the only trial is in flight, and reopens when the trial fails", async () => {
    await openBreaker("moyasar");
    await coolDown("moyasar");
    let failTrial: (error: Error) => void = () => {};
    const trial = throughBreaker(
      breakers,
      "moyasar",
      () =>
        new Promise<never>((_, reject) => {
          failTrial = reject;
        }),
    );
    await expect.poll(async () => (await statusOf("moyasar"))?.trialsInFlight).toBe(1);
    await expect(throughBreaker(breakers, "moyasar", async () => "second")).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    failTrial(new Error("HTTP 502"));
    await expect(trial).rejects.toThrow("HTTP 502");
    const status = await statusOf("moyasar");
    expect(status?.state).toBe("open");
    expect(status?.transitions[0]).toMatchObject({
      from: "half_open",
      reason: "trial call failed: Error: HTTP 502",
    });
  });

  it("runs the call anyway when the breaker itself cannot be reached (fails open)", async () => {
    const unreachable = {
      getByName: () => ({
        admit: async () => {
          throw new Error("Durable Object reset because its code was updated.");
        },
      }),
    } as unknown as Bindings["CIRCUIT_BREAKER"];
    expect(await throughBreaker(unreachable, "posthog", async () => "captured")).toBe("captured");
  });
});

describe("breakerStatuses and resetBreaker", () => {
  it("lists every breaker with its policy, closed when nothing happened", async () => {
    const statuses = await breakerStatuses(breakers);
    expect(statuses.map((s) => s.name)).toEqual(["whatsapp", "email", "moyasar", "llm", "posthog"]);
    for (const status of statuses) {
      expect(status).toMatchObject({
        state: "closed",
        failuresInWindow: 0,
        openedAt: null,
        nextTrialAt: null,
        trialsInFlight: 0,
        transitions: [],
        policy: BREAKER_POLICIES[status.name],
      });
    }
  });

  it("reset closes an open breaker and lets calls through again", async () => {
    await openBreaker("whatsapp");
    const status = await resetBreaker(breakers, "whatsapp");
    expect(status).toMatchObject({ name: "whatsapp", state: "closed", policy: BREAKER_POLICIES.whatsapp });
    expect(status.transitions[0]).toMatchObject({
      from: "open",
      to: "closed",
      reason: "reset by an operator",
    });
    expect(await throughBreaker(breakers, "whatsapp", async () => "sent")).toBe("sent");
  });
});
