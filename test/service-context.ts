import { env } from "cloudflare:workers";
import { dbFor } from "../src/db/client";
import { loadConfig } from "../src/env";
import type { RequestContext } from "../src/platform/context";
import { freshIp } from "./fixtures";

/**
 * A request context for calling an anonymous-flow service directly, over the given D1 (a double
 * from below, or the real one). Work handed to waitUntil is collected in `afterResponse`.
 */
export function serviceContext(d1: D1Database = env.DB, path = "/") {
  const afterResponse: Promise<unknown>[] = [];
  const ctx: RequestContext = {
    db: dbFor(d1),
    config: loadConfig(env),
    env,
    origin: { requestId: null, ip: null },
    request: new Request(`https://dealix.test${path}`, { headers: freshIp() }),
    now: Date.now(),
    waitUntil: (task) => afterResponse.push(task),
  };
  return { ctx, afterResponse };
}

/** The real D1, recording the SQL of every statement prepared through it. */
export function recordingD1() {
  const statements: string[] = [];
  const d1 = new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          statements.push(query);
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { d1, statements };
}

/**
 * The real D1, except that `db.batch()` waits until `parties` batches have been sent. Requests
 * sharing it have all finished their reads before any of them writes: the interleaving of truly
 * concurrent requests, made certain rather than left to timing.
 */
export function batchBarrierD1(parties: number) {
  let waiting = 0;
  let release: () => void = () => {};
  const allArrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  return new Proxy(env.DB, {
    get(target, property) {
      if (property === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          waiting += 1;
          if (waiting >= parties) release();
          await allArrived;
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
