import type { Bindings } from "../env";
import { breakerStatuses } from "../platform/circuit-breaker";

/** `degraded`: the check answered, but something it watches is impaired (an open circuit breaker). */
export type CheckStatus = "up" | "degraded" | "down";

export interface CheckResult {
  status: CheckStatus;
  latencyMs: number;
  detail?: string;
}

const CHECK_TIMEOUT_MS = 2_000;

async function timed(run: () => Promise<string | undefined>): Promise<CheckResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const detail = await Promise.race([run(), timeout]);
    return {
      status: "up",
      latencyMs: Math.round(performance.now() - started),
      ...(detail ? { detail } : {}),
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { status: "down", latencyMs: Math.round(performance.now() - started), detail };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** D1: a real query against the migrations table, which also proves migrations were applied. */
export const checkD1 = (db: D1Database) =>
  timed(async () => {
    const row = await db
      .prepare("SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1")
      .first<{ name: string }>();
    if (!row) throw new Error("no migrations applied");
    return `migration ${row.name}`;
  });

/**
 * KV, for operators: write a value and read it back (same location, so it must be visible at
 * once). Each check uses its own key: KV allows about one write per second per key, and
 * concurrent checks must not overwrite each other. The probe expires by itself after a minute.
 */
export const checkKvWrite = (kv: KVNamespace) =>
  timed(async () => {
    const nonce = crypto.randomUUID();
    const key = `health:probe:${nonce}`;
    await kv.put(key, nonce, { expirationTtl: 60 });
    const read = await kv.get(key);
    if (read !== nonce) throw new Error("read did not return the value just written");
    return undefined;
  });

/** KV, for anyone: a read, which costs no write quota however often the endpoint is called. */
export const checkKvRead = (kv: KVNamespace) =>
  timed(async () => {
    await kv.get("health:probe");
    return undefined;
  });

/** Static assets: the stylesheet every page needs. */
export const checkAssets = (assets: Fetcher) =>
  timed(async () => {
    const response = await assets.fetch("https://assets.local/assets/app.css");
    await response.body?.cancel();
    if (!response.ok) throw new Error(`stylesheet answered ${response.status}`);
    return undefined;
  });

/** Rate limiter: an RPC round trip to one fixed object; `ping` writes nothing, so no state piles up. */
export const checkRateLimiter = (rateLimiter: Bindings["RATE_LIMITER"]) =>
  timed(async () => {
    if ((await rateLimiter.getByName("health").ping()) !== true) throw new Error("ping did not answer true");
    return undefined;
  });

/**
 * Circuit breakers: each one's state. An open or half-open breaker means a provider is failing and
 * its calls wait in their queues: Dealix itself is up, so the check is `degraded` (naming the
 * breakers), not `down`. Only a breaker that cannot be read is `down`.
 */
export async function checkBreakers(breakers: Bindings["CIRCUIT_BREAKER"]): Promise<CheckResult> {
  let impaired: string[] = [];
  const result = await timed(async () => {
    impaired = (await breakerStatuses(breakers))
      .filter((breaker) => breaker.state !== "closed")
      .map((breaker) => `${breaker.name} ${breaker.state}`);
    return impaired.length > 0 ? impaired.join(", ") : undefined;
  });
  return result.status === "up" && impaired.length > 0 ? { ...result, status: "degraded" } : result;
}

/**
 * Every binding the Worker depends on, checked in parallel. `writes` adds the KV write probe,
 * which is for operators only: public calls must not spend KV write quota.
 */
export async function deepCheck(env: Bindings, { writes }: { writes: boolean }) {
  const [d1, kv, assets, rateLimiter, breakers] = await Promise.all([
    checkD1(env.DB),
    writes ? checkKvWrite(env.FLAGS) : checkKvRead(env.FLAGS),
    checkAssets(env.ASSETS),
    checkRateLimiter(env.RATE_LIMITER),
    checkBreakers(env.CIRCUIT_BREAKER),
  ]);
  const checks = { d1, kv, assets, rateLimiter, breakers };
  const statuses = Object.values(checks).map((check) => check.status);
  const status = statuses.includes("down") ? "down" : statuses.includes("degraded") ? "degraded" : "ok";
  return { status, checks } as const;
}
