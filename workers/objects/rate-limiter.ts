import { DurableObject } from "cloudflare:workers";
import type { QuotaDecision } from "../../src/platform/api-limits";
import type { RateLimitDecision } from "../../src/platform/rate-limit";

const HITS_KEY = "hits";
/** The bucket's theoretical arrival time (GCRA), in ms; see take(). */
const TAT_KEY = "tat";
// 1/7 of a minute has no exact binary form: without this slack the 7th of 7 requests could be
// refused over a rounding error.
const SLACK_MS = 1e-3;

function assertRule(limit: number, windowSeconds: number) {
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(windowSeconds) || windowSeconds < 1) {
    throw new RangeError(`invalid rate limit ${limit} per ${windowSeconds} s`);
  }
}

/**
 * An exact counter for one bucket: callers address one object per bucket key
 * (`RATE_LIMITER.getByName("login-account:<sha256>")`). hit(), for the sign-in and code limits,
 * keeps a sliding-window log, the time of every allowed hit still inside the window (never more
 * than `limit` of them), so no stretch of `windowSeconds` ever holds more than `limit` allowed hits;
 * a fixed window would let twice the limit through around its boundary. Denied hits are not
 * recorded, so a client that keeps hammering gets a new attempt each time an old one leaves the
 * window. take(), for the API quotas, is a token bucket in one number (see there).
 *
 * Each method reads and writes storage synchronously, with no await in between, so concurrent calls
 * to the same object cannot interleave and the count is exact.
 */
export class RateLimiter extends DurableObject {
  async hit(limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    assertRule(limit, windowSeconds);
    const now = Date.now();
    const windowMs = windowSeconds * 1000;
    const storage = this.ctx.storage;
    const inWindow = (storage.kv.get<number[]>(HITS_KEY) ?? []).filter((at) => at > now - windowMs);
    if (inWindow.length >= limit) {
      // The hit that has to leave the window before one more fits (several do if the limit was lowered).
      const blocking = inWindow[inWindow.length - limit] ?? now;
      return {
        allowed: false,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil((blocking + windowMs - now) / 1000)),
      };
    }
    inWindow.push(now);
    storage.kv.put(HITS_KEY, inWindow);
    // When the newest hit leaves the window, so have all the others: the alarm then drops the bucket.
    await storage.setAlarm(now + windowMs);
    return { allowed: true, remaining: limit - inWindow.length, retryAfterSeconds: 0 };
  }

  /**
   * One request against an API quota of `limit` per `windowSeconds`, in O(1) time and storage: the
   * generic cell rate algorithm (a token bucket kept as one timestamp). Each allowed request moves
   * the bucket's theoretical arrival time (TAT) one interval (`window / limit`) later; a request is
   * allowed while that leaves the TAT at most one window ahead of now, so a full bucket takes
   * `limit` requests at once and then one per interval. The sliding log of hit() would keep up to
   * `limit` timestamps (1,200 for a tenant) and rewrite them all on every request.
   *
   * No alarm cleans the bucket up: it is one number per tenant and per API key, so the stored state
   * is bounded by the accounts we have, and busy buckets would pay for an alarm on every request.
   *
   * `now` is for tests only: callers in the Worker never pass it, so every decision of a bucket
   * uses this object's one clock.
   */
  take(limit: number, windowSeconds: number, now = Date.now()): QuotaDecision {
    assertRule(limit, windowSeconds);
    const windowMs = windowSeconds * 1000;
    const intervalMs = windowMs / limit;
    const storage = this.ctx.storage;
    const tat = Math.max(storage.kv.get<number>(TAT_KEY) ?? now, now);
    const next = tat + intervalMs;
    if (next - now > windowMs + SLACK_MS) {
      return {
        allowed: false,
        limit,
        remaining: 0,
        resetSeconds: Math.ceil((tat - now) / 1000),
        retryAfterSeconds: Math.max(1, Math.ceil((next - windowMs - now) / 1000)),
      };
    }
    storage.kv.put(TAT_KEY, next);
    return {
      allowed: true,
      limit,
      remaining: Math.floor((windowMs - (next - now)) / intervalMs + SLACK_MS),
      resetSeconds: Math.ceil((next - now) / 1000),
      retryAfterSeconds: 0,
    };
  }

  /**
   * Returns the request take() last allowed, for a request another bucket refused: the two buckets
   * of an API request are asked in parallel, and a key spending its own quota in vain must not
   * drain its tenant's.
   */
  giveBack(limit: number, windowSeconds: number, now = Date.now()): void {
    assertRule(limit, windowSeconds);
    const storage = this.ctx.storage;
    const tat = storage.kv.get<number>(TAT_KEY);
    if (tat === undefined) return;
    const earlier = tat - (windowSeconds * 1000) / limit;
    if (earlier > now) storage.kv.put(TAT_KEY, earlier);
    else storage.kv.delete(TAT_KEY);
  }

  /** Forgets every hit, e.g. a per-account failure bucket after a successful sign-in. */
  async reset(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Answers without touching storage, so health checks create no state. */
  ping(): boolean {
    return true;
  }

  // Deleting everything, rather than keeping an empty log, leaves idle buckets with no stored data.
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
