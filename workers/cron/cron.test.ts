import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import worker from "../../src/index";

describe("scheduled: purge expired idempotency keys", () => {
  it("deletes expired records and keeps live ones", async () => {
    const now = Date.UTC(2026, 10, 22, 3, 17);
    const insert = env.DB.prepare(
      "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at, expires_at) VALUES ('POST /x', ?, 'h', 'completed', ?, ?)",
    );
    await env.DB.batch([
      ...Array.from({ length: 7 }, (_, i) => insert.bind(`expired-${i}`, now - 90_000_000, now - 1000)),
      insert.bind("live", now - 1000, now + 86_000_000),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }),
      env as Bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const { results } = await env.DB.prepare("SELECT key FROM idempotency_keys").all<{ key: string }>();
    expect(results.map((r) => r.key)).toEqual(["live"]);
  });
});
