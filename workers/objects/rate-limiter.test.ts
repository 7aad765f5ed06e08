import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bucket = (name: string) => env.RATE_LIMITER.getByName(name);
type Bucket = ReturnType<typeof bucket>;

// Alarms escape per-file storage isolation (workers-sdk#5388) and cannot be cleaned up in afterEach
// (workers-sdk#11690), so each test fires the alarms it scheduled before it ends.
async function fireAlarms(...stubs: Bucket[]) {
  for (const stub of stubs) await runDurableObjectAlarm(stub);
}

const storedHits = (stub: Bucket) =>
  runInDurableObject(stub, (_, state) => state.storage.kv.get<number[]>("hits") ?? null);

describe("RateLimiter", () => {
  it("allows exactly `limit` hits in the window, then denies with a retry delay", async () => {
    const stub = bucket("exact");
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await stub.hit(3, 60));
    expect(decisions.slice(0, 3)).toEqual([
      { allowed: true, remaining: 2, retryAfterSeconds: 0 },
      { allowed: true, remaining: 1, retryAfterSeconds: 0 },
      { allowed: true, remaining: 0, retryAfterSeconds: 0 },
    ]);
    expect(decisions[3]).toMatchObject({ allowed: false, remaining: 0 });
    expect(decisions[3]?.retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[3]?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await storedHits(stub)).toHaveLength(3); // the denied hit is not recorded
    await fireAlarms(stub);
  });

  it("keeps buckets independent", async () => {
    const first = bucket("independent-a");
    const second = bucket("independent-b");
    expect((await first.hit(1, 60)).allowed).toBe(true);
    expect((await first.hit(1, 60)).allowed).toBe(false);
    expect((await second.hit(1, 60)).allowed).toBe(true);
    await fireAlarms(first, second);
  });

  it("schedules an alarm at the window's end that drops all state, after which hits are allowed again", async () => {
    const stub = bucket("window-reset");
    const before = Date.now();
    await stub.hit(2, 900);
    await stub.hit(2, 900);
    expect((await stub.hit(2, 900)).allowed).toBe(false);
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(before + 900_000);
    expect(alarm).toBeLessThanOrEqual(Date.now() + 900_000);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await storedHits(stub)).toBeNull();

    expect(await stub.hit(2, 900)).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 0 });
    await fireAlarms(stub);
  });

  it("slides: a hit older than the window stops counting, and the delay is until the oldest one leaves", async () => {
    const stub = bucket("sliding");
    await runInDurableObject(stub, (_, state) => {
      const now = Date.now();
      state.storage.kv.put("hits", [now - 61_000, now - 30_000]);
    });
    expect(await stub.hit(2, 60)).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    const denied = await stub.hit(2, 60);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(denied.retryAfterSeconds).toBeLessThanOrEqual(31);
    await fireAlarms(stub);
  });

  it("reset() forgets every hit and the alarm", async () => {
    const stub = bucket("reset");
    await stub.hit(1, 60);
    expect((await stub.hit(1, 60)).allowed).toBe(false);
    await stub.reset();
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
    expect(await storedHits(stub)).toBeNull();
    expect(await stub.hit(1, 60)).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    await fireAlarms(stub);
  });

  it("counts exactly under concurrency: 20 parallel hits with limit 5 let exactly 5 through", async () => {
    const stub = bucket("concurrent");
    const decisions = await Promise.all(Array.from({ length: 20 }, () => stub.hit(5, 60)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(15);
    expect(await storedHits(stub)).toHaveLength(5);
    await fireAlarms(stub);
  });

  it("rejects a limit or window that is not a positive integer", async () => {
    const stub = bucket("invalid");
    // Called on the instance: an exception thrown across RPC is reported by the test pool as an
    // unhandled rejection even when the caller handles it.
    await runInDurableObject(stub, async (instance) => {
      await expect(instance.hit(0, 60)).rejects.toThrow(RangeError);
      await expect(instance.hit(5, 0.5)).rejects.toThrow(/invalid rate limit/);
    });
    expect(await storedHits(stub)).toBeNull();
  });

  it("ping() answers true and stores nothing", async () => {
    const stub = bucket("health");
    expect(await stub.ping()).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => [...state.storage.kv.list()])).toEqual([]);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});

describe("RateLimiter.take (the API quotas' token bucket)", () => {
  const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
  const storedState = (stub: Bucket) =>
    runInDurableObject(stub, (_, state) => [...state.storage.kv.list()].map(([key]) => key));

  it("takes `limit` at once, then one per window/limit, with exact remaining, reset and retry delays", async () => {
    const stub = bucket("quota-exact");
    expect(await stub.take(3, 60, T0)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 20,
      retryAfterSeconds: 0,
    });
    expect(await stub.take(3, 60, T0)).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 40 });
    expect(await stub.take(3, 60, T0)).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 60 });
    expect(await stub.take(3, 60, T0 + 1_000)).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 59,
      retryAfterSeconds: 19,
    });
    // One interval (20 s) after the burst, exactly one more request fits.
    expect(await stub.take(3, 60, T0 + 20_000)).toMatchObject({
      allowed: true,
      remaining: 0,
      resetSeconds: 60,
    });
    expect((await stub.take(3, 60, T0 + 20_000)).allowed).toBe(false);
    // A minute after the last request, the bucket is full again.
    expect(await stub.take(3, 60, T0 + 80_000)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("keeps one number per bucket and schedules no alarm, however many requests it counted", async () => {
    const stub = bucket("quota-o1");
    const allowed = await runInDurableObject(stub, (instance) => {
      let count = 0;
      for (let i = 0; i < 1300; i++) if (instance.take(1200, 60, T0).allowed) count++;
      return count;
    });
    expect(allowed).toBe(1200);
    expect(await storedState(stub)).toEqual(["tat"]);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
  });

  it("allows exactly `limit` when window/limit is not exact in binary (7 a minute)", async () => {
    const stub = bucket("quota-sevenths");
    const decisions = [];
    for (let i = 0; i < 8; i++) decisions.push(await stub.take(7, 60, T0));
    expect(decisions.map((d) => d.remaining)).toEqual([6, 5, 4, 3, 2, 1, 0, 0]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
  });

  it("counts exactly under concurrency: 50 parallel requests against 20 let exactly 20 through", async () => {
    const stub = bucket("quota-concurrent");
    const decisions = await Promise.all(Array.from({ length: 50 }, () => stub.take(20, 60, T0)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.remaining)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("giveBack() returns one request, and leaves nothing stored once the bucket is full", async () => {
    const stub = bucket("quota-give-back");
    await stub.take(2, 60, T0);
    await stub.take(2, 60, T0);
    expect((await stub.take(2, 60, T0)).allowed).toBe(false);
    await stub.giveBack(2, 60, T0);
    expect(await stub.take(2, 60, T0)).toMatchObject({ allowed: true, remaining: 0 });
    await stub.giveBack(2, 60, T0);
    await stub.giveBack(2, 60, T0);
    expect(await storedState(stub)).toEqual([]);
    await stub.giveBack(2, 60, T0);
    expect(await storedState(stub)).toEqual([]);
    expect(await stub.take(2, 60, T0)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("rejects a limit or window that is not a positive integer, storing nothing", async () => {
    const stub = bucket("quota-invalid");
    await runInDurableObject(stub, (instance) => {
      expect(() => instance.take(0, 60)).toThrow(RangeError);
      expect(() => instance.take(10, 1.5)).toThrow(/invalid rate limit/);
      expect(() => instance.giveBack(-1, 60)).toThrow(RangeError);
    });
    expect(await storedState(stub)).toEqual([]);
  });
});
