import { env } from "cloudflare:workers";
import type { Bindings } from "../src/env";
import { callWithEnv } from "./helpers";

/**
 * Concurrent requests in one isolate only overlap by luck: whichever reaches D1 first may finish its
 * claim before the others have even read the row, and then a broken claim still lets one through.
 * A race wraps the D1 binding so that every statement writing to `table` waits until `racers`
 * requests have got that far (or `maxWaitMs` has passed), then lets them all go at once. So every
 * racer has read the row before anyone claims it, on every run, and only the claim itself (an
 * UPDATE … WHERE <not yet used>, alone or in a batch) can let exactly one of them through.
 */
export function race(table: string, racers: number, maxWaitMs = 5_000) {
  const writesTable = new RegExp(`^\\s*(update|delete from|insert into)\\s+"?${table}"?\\s`, "i");
  let arrived = 0;
  let allHeldTogether = false;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(release, maxWaitMs);
  const arrive = () => {
    arrived += 1;
    if (arrived === racers) {
      allHeldTogether = true;
      clearTimeout(timer);
      release();
    }
    return released;
  };

  const isWrite = (statement: D1PreparedStatement) =>
    writesTable.test((statement as unknown as { statement: string }).statement);
  // Statements stay real D1PreparedStatements (batch needs them); only their run methods wait.
  const held = (statement: D1PreparedStatement): D1PreparedStatement => {
    if (!isWrite(statement)) return statement;
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => held(bind(...values));
    for (const method of ["run", "all", "first", "raw"] as const) {
      const original = (statement[method] as (...args: unknown[]) => Promise<unknown>).bind(statement);
      (statement as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        await arrive();
        return original(...args);
      };
    }
    return statement;
  };

  const db: D1Database = Object.create(env.DB);
  db.prepare = (sql: string) => held(env.DB.prepare(sql));
  db.batch = async <T>(statements: D1PreparedStatement[]) => {
    if (statements.some(isWrite)) await arrive();
    return env.DB.batch<T>(statements);
  };
  const bindings: Partial<Bindings> = { DB: db };

  return {
    /** The held D1 binding, for racing service functions called directly. */
    db,
    /** Sends a request through the app with the held D1 binding. */
    call: (path: string, init?: RequestInit) => callWithEnv(bindings, path, init),
    postJson: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      callWithEnv(bindings, path, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      }),
    /** True once every racer was held before its write at the same time (not released by timeout). */
    raced: () => allHeldTogether,
  };
}
