import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { lte, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { otpCodes, passwordResets, refreshFamilies, refreshTokens } from "../../src/auth/auth.schema";
import { dbFor } from "../../src/db/client";
import worker from "../../src/index";
import { idempotencyKeys } from "../../src/platform/idempotency.schema";
import { createTenant } from "../../test/fixtures";
import { countRows } from "../../test/helpers";

const DAY = 24 * 60 * 60 * 1000;

async function runCron(now: number) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
  spy.mockRestore();
  return JSON.parse(lines.find((line) => line.includes('"msg":"job"')) ?? "{}");
}

describe("scheduled: purge expired records", () => {
  it("deletes expired Idempotency-Key records in batches and keeps live ones", async () => {
    const now = Date.now();
    const insert = env.DB.prepare(
      "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at, expires_at) VALUES ('POST /x', ?, 'h', 'completed', ?, ?)",
    );
    await env.DB.batch([
      ...Array.from({ length: 1203 }, (_, i) => insert.bind(`expired-${i}`, now - 2 * DAY, now - 1000)),
      insert.bind("live", now - 1000, now + DAY),
    ]);
    const log = await runCron(now);
    expect(log).toMatchObject({ job: "purge_expired", idempotencyKeys: 1203 });
    const { results } = await env.DB.prepare("SELECT key FROM idempotency_keys").all<{ key: string }>();
    expect(results.map((r) => r.key)).toEqual(["live"]);
  });

  it("deletes expired WhatsApp codes, reset links, refresh tokens and ended sessions, and nothing live", async () => {
    const { owner, agent } = await createTenant();
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO otp_codes (id, phone, code_hash, expires_at, created_at) VALUES ('otp_old', '+966500000001', 'h', ?, ?), ('otp_new', '+966500000001', 'h', ?, ?)",
      ).bind(now - 1, now - DAY, now + 60_000, now),
      env.DB.prepare(
        "INSERT INTO password_resets (id, user_id, token_hash, expires_at, created_at) VALUES ('pwr_old', ?, 'old', ?, ?), ('pwr_new', ?, 'new', ?, ?)",
      ).bind(owner.userId, now - 1, now - DAY, owner.userId, now + 60_000, now),
      // The agent's session ended: its family and token both expired.
      env.DB.prepare("UPDATE refresh_families SET expires_at = ? WHERE id = ?").bind(now - 1, agent.familyId),
      env.DB.prepare("UPDATE refresh_tokens SET expires_at = ? WHERE family_id = ?").bind(
        now - 1,
        agent.familyId,
      ),
    ]);
    const sessionsBefore = await countRows("refresh_families");
    const log = await runCron(now);
    expect(log).toMatchObject({ otpCodes: 1, passwordResets: 1, refreshTokens: 1, refreshFamilies: 1 });
    expect(await env.DB.prepare("SELECT id FROM otp_codes").all()).toMatchObject({
      results: [{ id: "otp_new" }],
    });
    expect(await env.DB.prepare("SELECT id FROM password_resets").all()).toMatchObject({
      results: [{ id: "pwr_new" }],
    });
    expect(await countRows("refresh_families")).toBe(sessionsBefore - 1);
    const ownerFamily = await env.DB.prepare("SELECT id FROM refresh_families WHERE id = ?")
      .bind(owner.familyId)
      .first();
    expect(ownerFamily).not.toBeNull();
  });
});

describe("purge indexes", () => {
  const expiring = [
    ["idempotency_keys", idempotencyKeys, idempotencyKeys.expiresAt],
    ["otp_codes", otpCodes, otpCodes.expiresAt],
    ["password_resets", passwordResets, passwordResets.expiresAt],
    ["refresh_tokens", refreshTokens, refreshTokens.expiresAt],
    ["refresh_families", refreshFamilies, refreshFamilies.expiresAt],
  ] as const;

  it.each(expiring)(
    "finds expired %s rows through the expires_at index, not a table scan",
    async (name, table, column) => {
      const query = dbFor(env.DB)
        .select({ rowid: sql<number>`rowid` })
        .from(table)
        .where(lte(column, Date.now()))
        .limit(500)
        .toSQL();
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
        .bind(...query.params)
        .all<{ detail: string }>();
      const plan = results.map((row) => row.detail).join("; ");
      expect(plan).toMatch(new RegExp(`USING (COVERING )?INDEX ${name}_expires_at`));
    },
  );
});
