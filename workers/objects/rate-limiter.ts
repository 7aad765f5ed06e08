import { DurableObject } from "cloudflare:workers";
import type { RateLimitDecision } from "../../src/platform/rate-limit";

const HITS_KEY = "hits";

/**
 * An exact counter for one bucket: callers address one object per bucket key
 * (`RATE_LIMITER.getByName("login-account:<sha256>")`). It keeps a sliding-window log, the time of
 * every allowed hit still inside the window (never more than `limit` of them), so no stretch of
 * `windowSeconds` ever holds more than `limit` allowed hits; a fixed window would let twice the
 * limit through around its boundary. Denied hits are not recorded, so a client that keeps hammering
 * gets a new attempt each time an old one leaves the window.
 *
 * Each method reads and writes storage synchronously, with no await in between, so concurrent calls
 * to the same object cannot interleave and the count is exact.
 */
export class RateLimiter extends DurableObject {
  async hit(limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(windowSeconds) || windowSeconds < 1) {
      throw new RangeError(`invalid rate limit ${limit} per ${windowSeconds} s`);
    }
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
