import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BreakerPolicy } from "../../src/platform/circuit-breaker";

const policy: BreakerPolicy = {
  failureThreshold: 3,
  windowSeconds: 60,
  coolDownSeconds: 30,
  trialLimit: 2,
  trialLeaseSeconds: 20,
};

const breaker = (name: string) => env.CIRCUIT_BREAKER.getByName(name);
type Breaker = ReturnType<typeof breaker>;

const failure = { ok: false, reason: "Error: HTTP 503" } as const;

async function fail(stub: Breaker, times: number) {
  for (let i = 0; i < times; i++) await stub.record(failure, policy, null);
}

interface StoredTimes {
  failures: number[];
  openedAt: number | null;
  trials: { id: string; admittedAt: number }[];
}

/** Moves every stored time `ms` into the past: the object then acts as if that much time went by. */
const age = (stub: Breaker, ms: number) =>
  runInDurableObject(stub, (_, state) => {
    const stored = state.storage.kv.get<StoredTimes>("breaker");
    if (!stored) return;
    state.storage.kv.put("breaker", {
      ...stored,
      failures: stored.failures.map((at) => at - ms),
      openedAt: stored.openedAt === null ? null : stored.openedAt - ms,
      trials: stored.trials.map((trial) => ({ ...trial, admittedAt: trial.admittedAt - ms })),
    });
  });

/** An open breaker whose cool-down is over: the next admit turns it half-open. */
async function cooledDown(name: string) {
  const stub = breaker(name);
  await fail(stub, 3);
  await age(stub, 30_000);
  return stub;
}

const stored = (stub: Breaker) =>
  runInDurableObject(stub, (_, state) => state.storage.kv.get<Record<string, unknown>>("breaker") ?? null);

describe("CircuitBreaker", () => {
  it("admits while closed and stores nothing until a failure", async () => {
    const stub = breaker("quiet");
    expect(await stub.admit(policy)).toEqual({
      allowed: true,
      state: "closed",
      retryAfterSeconds: 0,
      trialId: null,
    });
    expect(await stub.record({ ok: true }, policy, null)).toBe("closed");
    expect(await stored(stub)).toBeNull();
  });

  it("opens at the threshold within the window and then refuses with the cool-down's remaining time", async () => {
    const stub = breaker("threshold");
    await fail(stub, 2);
    expect((await stub.admit(policy)).allowed).toBe(true);
    expect(await stub.record(failure, policy, null)).toBe("open");
    const refused = await stub.admit(policy);
    expect(refused).toMatchObject({ allowed: false, state: "open", trialId: null });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
    const status = await stub.status(policy);
    expect(status).toMatchObject({ state: "open", failuresInWindow: 0, trialsInFlight: 0 });
    expect(status.nextTrialAt).toBe((status.openedAt ?? 0) + 30_000);
    expect(status.transitions).toEqual([
      {
        at: status.openedAt,
        from: "closed",
        to: "open",
        reason: "3 failures within 60 s; last: Error: HTTP 503",
      },
    ]);
  });

  it("does not count failures that left the window", async () => {
    const stub = breaker("window");
    await fail(stub, 2);
    await age(stub, 61_000);
    await fail(stub, 2);
    expect(await stub.status(policy)).toMatchObject({ state: "closed", failuresInWindow: 2 });
  });

  it("turns half-open after the cool-down and admits only `trialLimit` trials at once", async () => {
    const stub = await cooledDown("trials");
    const admissions = await Promise.all(Array.from({ length: 5 }, () => stub.admit(policy)));
    const trials = admissions.filter((a) => a.allowed);
    expect(trials).toHaveLength(2);
    expect(new Set(trials.map((t) => t.trialId)).size).toBe(2);
    for (const refused of admissions.filter((a) => !a.allowed)) {
      expect(refused).toMatchObject({ state: "half_open", trialId: null });
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(19);
    }
    const status = await stub.status(policy);
    expect(status).toMatchObject({ state: "half_open", trialsInFlight: 2, nextTrialAt: null });
    expect(status.transitions[0]).toMatchObject({
      from: "open",
      to: "half_open",
      reason: "cool-down of 30 s over",
    });
  });

  it("closes when a trial succeeds, forgetting earlier failures", async () => {
    const stub = await cooledDown("trial-success");
    const trial = await stub.admit(policy);
    expect(await stub.record({ ok: true }, policy, trial.trialId)).toBe("closed");
    expect(await stub.status(policy)).toMatchObject({
      state: "closed",
      failuresInWindow: 0,
      openedAt: null,
      trialsInFlight: 0,
    });
    expect((await stub.status(policy)).transitions.map((t) => t.to)).toEqual(["closed", "half_open", "open"]);
    await fail(stub, 2);
    expect((await stub.admit(policy)).allowed).toBe(true);
  });

  it("opens again for a whole cool-down when a trial fails", async () => {
    const stub = await cooledDown("trial-failure");
    const trial = await stub.admit(policy);
    expect(
      await stub.record({ ok: false, reason: "TimeoutError: timed out after 50 ms" }, policy, trial.trialId),
    ).toBe("open");
    const refused = await stub.admit(policy);
    expect(refused).toMatchObject({ allowed: false, state: "open" });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect((await stub.status(policy)).transitions[0]).toMatchObject({
      from: "half_open",
      to: "open",
      reason: "trial call failed: TimeoutError: timed out after 50 ms",
    });
  });

  it("ignores late reports of calls admitted before it opened", async () => {
    const stub = await cooledDown("late");
    await stub.admit(policy);
    expect(await stub.record({ ok: true }, policy, null)).toBe("half_open");
    expect(await stub.record(failure, policy, null)).toBe("half_open");
  });

  it("frees the slot of a trial that never reported once its lease runs out", async () => {
    const stub = await cooledDown("lost-trial");
    await stub.admit(policy);
    await stub.admit(policy);
    expect((await stub.admit(policy)).allowed).toBe(false);
    await age(stub, 20_000);
    expect(await stub.admit(policy)).toMatchObject({ allowed: true, state: "half_open" });
  });

  it("keeps its state when the object is evicted", async () => {
    const stub = breaker("evicted");
    await fail(stub, 3);
    await evictDurableObject(stub);
    const again = breaker("evicted");
    expect(await again.admit(policy)).toMatchObject({ allowed: false, state: "open" });
    expect((await again.status(policy)).transitions).toHaveLength(1);
  });

  it("reset() closes it at once and notes the reset in the history", async () => {
    const stub = breaker("reset");
    await fail(stub, 3);
    const snapshot = await stub.reset();
    expect(snapshot).toMatchObject({
      state: "closed",
      failuresInWindow: 0,
      openedAt: null,
      trialsInFlight: 0,
    });
    expect(snapshot.transitions[0]).toMatchObject({
      from: "open",
      to: "closed",
      reason: "reset by an operator",
    });
    expect(await stub.admit(policy)).toMatchObject({ allowed: true, state: "closed" });
    await fail(stub, 2);
    expect((await stub.status(policy)).state).toBe("closed");
  });

  it("keeps the last 20 transitions, newest first", async () => {
    const stub = breaker("history");
    for (let i = 0; i < 12; i++) {
      await fail(stub, 3);
      await stub.reset();
    }
    const { transitions } = await stub.status(policy);
    expect(transitions).toHaveLength(20);
    expect(transitions[0]?.to).toBe("closed");
    expect(transitions.every((t, i) => i === 0 || (transitions[i - 1]?.at ?? 0) >= t.at)).toBe(true);
  });
});
