import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { countRows, expectProblem, postJson } from "../../test/helpers";
import { sha256Hex } from "./crypto";
import { IDEMPOTENCY_TTL_MS } from "./idempotency";

const body = {
  name: "Ahmed",
  company: "Jeddah Clinics",
  phone: "0501112233",
  businessType: "clinic",
  consent: true,
};
const send = (payload: unknown, key?: string) =>
  postJson("/api/v1/early-access", payload, key === undefined ? {} : { "Idempotency-Key": key });
const keyRow = (key: string) =>
  env.DB.prepare("SELECT * FROM idempotency_keys WHERE key = ?").bind(key).first<Record<string, unknown>>();

describe("Idempotency-Key", () => {
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM early_access_requests; DELETE FROM idempotency_keys;");
  });

  it("replays the first response for the same key and body, without running the handler again", async () => {
    const first = await send(body, "key-1");
    expect(first.status).toBe(202);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    await env.DB.exec("DELETE FROM early_access_requests");

    const replay = await send(body, "key-1");
    expect(replay.status).toBe(202);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await replay.json()).toEqual({ status: "received" });
    expect(await countRows("early_access_requests")).toBe(0); // the handler did not run twice

    const row = await keyRow("key-1");
    expect(row).toMatchObject({
      state: "completed",
      response_status: 202,
      scope: "anonymous POST /api/v1/early-access",
    });
    expect(Number(row?.expires_at) - Number(row?.created_at)).toBe(IDEMPOTENCY_TTL_MS);
  });

  it("answers 409 when the same key comes with a different body", async () => {
    await send(body, "key-2");
    const conflict = await send({ ...body, name: "Someone else" }, "key-2");
    await expectProblem(conflict, 409, "IDEMPOTENCY_KEY_REUSED");
    expect(await countRows("early_access_requests")).toBe(1);
  });

  it("does not keep a validation failure, so the corrected request can reuse the key", async () => {
    await expectProblem(await send({ ...body, phone: "nope" }, "key-3"), 422, "VALIDATION_FAILED");
    expect(await keyRow("key-3")).toBeNull();
    const fixed = await send(body, "key-3");
    expect(fixed.status).toBe(202);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("answers 409 with Retry-After while the first request is still running", async () => {
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at, expires_at) VALUES (?, ?, ?, 'in_progress', ?, ?)",
    )
      .bind(
        "anonymous POST /api/v1/early-access",
        "key-4",
        await sha256Hex(JSON.stringify(body)),
        now,
        now + IDEMPOTENCY_TTL_MS,
      )
      .run();
    const res = await send(body, "key-4");
    await expectProblem(res, 409, "IDEMPOTENCY_IN_PROGRESS");
    expect(res.headers.get("Retry-After")).toBe("1");
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("treats an expired key as new", async () => {
    const past = Date.now() - IDEMPOTENCY_TTL_MS - 1000;
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (scope, key, request_hash, state, response_status, response_body, created_at, expires_at) VALUES (?, 'key-5', 'old', 'completed', 202, '{}', ?, ?)",
    )
      .bind("anonymous POST /api/v1/early-access", past, past + 1)
      .run();
    const res = await send(body, "key-5");
    expect(res.status).toBe(202);
    expect(res.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await countRows("early_access_requests")).toBe(1);
    expect(await keyRow("key-5")).toMatchObject({ state: "completed" });
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["space-containing", "two words"],
  ])("rejects a %s key with 400 and writes nothing", async (_label, key) => {
    const res = await postJson("/api/v1/early-access", body, { "Idempotency-Key": key });
    await expectProblem(res, 400, "INVALID_HEADER");
    expect(await countRows("early_access_requests")).toBe(0);
    expect(await countRows("idempotency_keys")).toBe(0);
  });

  it("scopes keys by path, so one key on two endpoints does not collide", async () => {
    await send(body, "shared-key");
    const other = await postJson("/api/v1/other-endpoint", body, { "Idempotency-Key": "shared-key" });
    expect(other.status).toBe(404);
    expect(await keyRow("shared-key")).toMatchObject({ scope: "anonymous POST /api/v1/early-access" });
  });
});
