import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { lte, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { otpCodes, passwordResets, refreshFamilies, refreshTokens } from "../../src/auth/auth.schema";
import { dbFor } from "../../src/db/client";
import {
  importsDueForPurge,
  NOT_STARTED_REASON,
  unstartedImportsBefore,
} from "../../src/imports/imports-purge";
import worker from "../../src/index";
import { idempotencyKeys } from "../../src/platform/idempotency.schema";
import { createOperator, createTenant } from "../../test/fixtures";
import { call, countRows } from "../../test/helpers";

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

  it("deletes operator codes and sessions past their end, and keeps live ones", async () => {
    const [old, live] = [await createOperator(), await createOperator()];
    const now = Date.now();
    await env.DB.prepare("UPDATE operator_sessions SET expires_at = ? WHERE id = ?")
      .bind(now - 1, old.sessionId)
      .run();
    await env.DB.prepare(
      "INSERT INTO operator_challenges (id, user_id, token_hash, code_hash, channel, expires_at, created_at) VALUES ('opc_old', ?, 'old', 'h', 'whatsapp', ?, ?), ('opc_new', ?, 'new', 'h', 'whatsapp', ?, ?)",
    )
      .bind(old.userId, now - 1, now - DAY, live.userId, now + 60_000, now)
      .run();
    const log = await runCron(now);
    expect(log).toMatchObject({ operatorChallenges: 1, operatorSessions: 1 });
    const sessions = await env.DB.prepare("SELECT id FROM operator_sessions WHERE id IN (?, ?)")
      .bind(old.sessionId, live.sessionId)
      .all<{ id: string }>();
    expect(sessions.results.map((row) => row.id)).toEqual([live.sessionId]);
    expect(await env.DB.prepare("SELECT id FROM operator_challenges").all()).toMatchObject({
      results: [{ id: "opc_new" }],
    });
  });
});

describe("scheduled: purge the raw rows of finished imports", () => {
  /** An import written straight to D1 with `rows` rows, every 10th one in error. */
  async function storedImport(
    tenantId: string,
    id: string,
    status: string,
    finishedAt: number | null,
    rows: number,
  ) {
    await env.DB.prepare(
      "INSERT INTO imports (id, tenant_id, status, encoding, headers, total_rows, created_by, created_by_type, created_at, updated_at, finished_at) VALUES (?, ?, ?, 'utf-8', '[\"name\",\"phone\"]', ?, 'usr_x', 'user', 0, 0, ?)",
    )
      .bind(id, tenantId, status, rows, finishedAt)
      .run();
    const insert = env.DB.prepare(
      "INSERT INTO import_rows (tenant_id, import_id, row_number, raw, status, error) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const statements = Array.from({ length: rows }, (_, index) => {
      const failed = (index + 1) % 10 === 0;
      return insert.bind(
        tenantId,
        id,
        index + 1,
        JSON.stringify([`Person ${index + 1}`, "0551234567"]),
        failed ? "failed" : "created",
        failed
          ? JSON.stringify([{ field: "phone", code: "invalid_phone", message: "Not a mobile number." }])
          : null,
      );
    });
    for (let start = 0; start < statements.length; start += 500) {
      await env.DB.batch(statements.slice(start, start + 500));
    }
  }

  const rowsOf = async (importId: string) =>
    (
      await env.DB.prepare(
        "SELECT row_number, raw, status, error FROM import_rows WHERE import_id = ? ORDER BY row_number",
      )
        .bind(importId)
        .all<{ row_number: number; raw: string; status: string; error: string | null }>()
    ).results;

  it("deletes the values of imports finished over 7 days ago, keeps their errors, and leaves the rest alone", async () => {
    const { tenantId, owner } = await createTenant("Import purge");
    const now = Date.now();
    await storedImport(tenantId, "imp_old00000000000000000", "done", now - 8 * DAY, 1203);
    await storedImport(tenantId, "imp_failed00000000000000", "failed", now - 7 * DAY - 1, 20);
    await storedImport(tenantId, "imp_recent00000000000000", "done", now - 6 * DAY, 20);
    await storedImport(tenantId, "imp_running0000000000000", "processing", null, 20);

    const log = await runCron(now);
    expect(log).toMatchObject({ importsPurged: 2, importRows: 1203 + 20 });

    const old = await rowsOf("imp_old00000000000000000");
    expect(old).toHaveLength(120);
    expect(old.every((row) => row.status === "failed" && row.raw === "[]")).toBe(true);
    expect(old[0]).toMatchObject({ row_number: 10 });
    expect(JSON.parse(old[0]?.error ?? "[]")).toEqual([
      { field: "phone", code: "invalid_phone", message: "Not a mobile number." },
    ]);
    expect(await rowsOf("imp_failed00000000000000")).toHaveLength(2);
    expect(await rowsOf("imp_recent00000000000000")).toHaveLength(20);
    expect(await rowsOf("imp_running0000000000000")).toHaveLength(20);
    const { results } = await env.DB.prepare(
      "SELECT id, rows_purged_at, total_rows FROM imports WHERE tenant_id = ? ORDER BY id",
    )
      .bind(tenantId)
      .all<{ id: string; rows_purged_at: number | null; total_rows: number }>();
    expect(Object.fromEntries(results.map((row) => [row.id, row.rows_purged_at]))).toEqual({
      imp_failed00000000000000: now,
      imp_old00000000000000000: now,
      imp_recent00000000000000: null,
      imp_running0000000000000: null,
    });

    // The API keeps the errors, without the file's values, and says when they went.
    const errors = await call("/api/v1/imports/imp_old00000000000000000/errors?limit=2", {
      headers: owner.auth,
    });
    expect(await errors.json()).toMatchObject({
      data: [
        { rowNumber: 10, values: [], errors: [{ code: "invalid_phone" }] },
        { rowNumber: 20, values: [] },
      ],
    });
    const summary = await call("/api/v1/imports/imp_old00000000000000000", { headers: owner.auth });
    expect(await summary.json()).toMatchObject({
      totalRows: 1203,
      rowsPurgedAt: new Date(now).toISOString(),
    });

    // A second run finds nothing more to do.
    expect(await runCron(now + 1000)).toMatchObject({ importsPurged: 0, importRows: 0 });
  });

  it("expires imports never started within 7 days and deletes their values; a newer one stays startable", async () => {
    const { tenantId } = await createTenant("Unstarted imports");
    const now = Date.now();
    const unstarted = async (id: string, status: string, createdAt: number) => {
      await env.DB.prepare(
        "INSERT INTO imports (id, tenant_id, status, encoding, headers, total_rows, created_by, created_by_type, created_at, updated_at) VALUES (?, ?, ?, 'utf-8', '[\"name\"]', 30, 'usr_x', 'user', ?, ?)",
      )
        .bind(id, tenantId, status, createdAt, createdAt)
        .run();
      const insert = env.DB.prepare(
        "INSERT INTO import_rows (tenant_id, import_id, row_number, raw) VALUES (?, ?, ?, ?)",
      );
      await env.DB.batch(
        Array.from({ length: 30 }, (_, n) => insert.bind(tenantId, id, n + 1, JSON.stringify([`P ${n}`]))),
      );
    };
    await unstarted("imp_abandoned0000000000", "mapped", now - 8 * DAY);
    await unstarted("imp_uploadedold00000000", "uploaded", now - 7 * DAY - 1);
    await unstarted("imp_fresh00000000000000", "mapped", now - 6 * DAY);

    const log = await runCron(now);
    expect(log).toMatchObject({ importsExpired: 2, importsPurged: 2, importRows: 60 });
    const imports = (
      await env.DB.prepare(
        "SELECT id, status, failure_reason, rows_purged_at FROM imports WHERE tenant_id = ? ORDER BY id",
      )
        .bind(tenantId)
        .all<{ id: string; status: string; failure_reason: string | null; rows_purged_at: number | null }>()
    ).results;
    expect(imports).toEqual([
      {
        id: "imp_abandoned0000000000",
        status: "failed",
        failure_reason: NOT_STARTED_REASON,
        rows_purged_at: now,
      },
      { id: "imp_fresh00000000000000", status: "mapped", failure_reason: null, rows_purged_at: null },
      {
        id: "imp_uploadedold00000000",
        status: "failed",
        failure_reason: NOT_STARTED_REASON,
        rows_purged_at: now,
      },
    ]);
    expect(await rowsOf("imp_abandoned0000000000")).toEqual([]);
    expect(await rowsOf("imp_uploadedold00000000")).toEqual([]);
    expect(await rowsOf("imp_fresh00000000000000")).toHaveLength(30);
    expect((await runCron(now)).importsExpired).toBe(0);
  });

  it("finds never-started imports through their partial index", async () => {
    const query = unstartedImportsBefore(dbFor(env.DB), Date.now()).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    expect(results.map((row) => row.detail).join("; ")).toMatch(
      /USING INDEX imports_unstarted \(created_at<\?\)/,
    );
  });

  it("finds the imports to purge through the partial index, not by walking every import", async () => {
    const query = importsDueForPurge(dbFor(env.DB), Date.now()).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    expect(results.map((row) => row.detail).join("; ")).toMatch(
      /USING INDEX imports_rows_to_purge \(finished_at<\?\)/,
    );
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
