import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { countRows, expectProblem, postJson } from "../../test/helpers";
import { dbFor } from "../db/client";
import { sha256Hex } from "./crypto";
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS } from "./idempotency";
import { claimKey, completeKey, findKey, releaseKey } from "./idempotency.repo";

const CLIENT = "203.0.113.50";
const client = (ip = CLIENT) => ({ "CF-Connecting-IP": ip });
/** The scope an anonymous client's keys live in on the early-access route. */
const anonymousScope = async (ip = CLIENT) => `anonymous:${await sha256Hex(ip)} POST /api/v1/early-access`;

let phoneCounter = 0;
/** An early-access body with a phone no other test uses (each phone has its own rate limit). */
const newBody = () => ({
  name: "Ahmed",
  company: "Jeddah Clinics",
  phone: `+96654${(Date.now() % 1000).toString().padStart(3, "0")}${(phoneCounter++ % 10_000).toString().padStart(4, "0")}`,
  businessType: "clinic",
  consent: true,
});
const send = (payload: unknown, key?: string, ip = CLIENT) =>
  postJson("/api/v1/early-access", payload, {
    ...client(ip),
    ...(key === undefined ? {} : { "Idempotency-Key": key }),
  });
const keyRows = (key: string) =>
  env.DB.prepare("SELECT * FROM idempotency_keys WHERE key = ? ORDER BY scope")
    .bind(key)
    .all<Record<string, unknown>>()
    .then((r) => r.results);
const keyRow = async (key: string) => (await keyRows(key))[0] ?? null;

async function insertKey(
  key: string,
  payload: unknown,
  state: "in_progress" | "completed",
  createdAt: number,
) {
  await env.DB.prepare(
    "INSERT INTO idempotency_keys (scope, key, request_hash, state, response_status, response_body, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(
      await anonymousScope(),
      key,
      await sha256Hex(JSON.stringify(payload)),
      state,
      state === "completed" ? 202 : null,
      state === "completed" ? "{}" : null,
      createdAt,
      createdAt + IDEMPOTENCY_TTL_MS,
    )
    .run();
}

describe("Idempotency-Key", () => {
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM early_access_requests; DELETE FROM idempotency_keys;");
  });

  it("replays the first response for the same key and body, without running the handler again", async () => {
    const body = newBody();
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
    expect(row).toMatchObject({ state: "completed", response_status: 202, scope: await anonymousScope() });
    expect(String(row?.scope)).not.toContain(CLIENT);
    expect(Number(row?.expires_at) - Number(row?.created_at)).toBe(IDEMPOTENCY_TTL_MS);
  });

  it("answers 409 when the same key comes with a different body", async () => {
    const body = newBody();
    await send(body, "key-2");
    const conflict = await send({ ...body, name: "Someone else" }, "key-2");
    await expectProblem(conflict, 409, "IDEMPOTENCY_KEY_REUSED");
    expect(await countRows("early_access_requests")).toBe(1);
  });

  it("does not keep a validation failure, so the corrected request can reuse the key", async () => {
    const body = newBody();
    await expectProblem(await send({ ...body, phone: "nope" }, "key-3"), 422, "VALIDATION_FAILED");
    expect(await keyRow("key-3")).toBeNull();
    const fixed = await send(body, "key-3");
    expect(fixed.status).toBe(202);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("does not keep a 429, so the request is run again once the limit allows it", async () => {
    const body = newBody();
    for (let i = 0; i < 3; i++) expect((await send(body)).status).toBe(202);
    const limited = await send(body, "key-429");
    await expectProblem(limited, 429, "RATE_LIMITED");
    expect(await keyRow("key-429")).toBeNull();
    const again = await send(body, "key-429");
    await expectProblem(again, 429, "RATE_LIMITED");
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await keyRow("key-429")).toBeNull();
  });

  it("answers 409 with Retry-After while the first request is still running", async () => {
    const body = newBody();
    await insertKey("key-4", body, "in_progress", Date.now() - IDEMPOTENCY_LEASE_MS + 5_000);
    const res = await send(body, "key-4");
    await expectProblem(res, 409, "IDEMPOTENCY_IN_PROGRESS");
    expect(res.headers.get("Retry-After")).toBe("1");
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("lets a retry take over a key left in progress past its lease (the first request crashed)", async () => {
    const body = newBody();
    await insertKey("key-lease", body, "in_progress", Date.now() - IDEMPOTENCY_LEASE_MS - 1_000);
    const res = await send(body, "key-lease");
    expect(res.status).toBe(202);
    expect(res.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await countRows("early_access_requests")).toBe(1);
    const row = await keyRow("key-lease");
    expect(row).toMatchObject({ state: "completed", response_status: 202 });
    expect(Number(row?.created_at)).toBeGreaterThan(Date.now() - 10_000);
  });

  it("treats an expired key as new", async () => {
    const body = newBody();
    await insertKey("key-5", body, "completed", Date.now() - IDEMPOTENCY_TTL_MS - 1000);
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
    await expectProblem(await send(newBody(), key), 400, "INVALID_HEADER");
    expect(await countRows("early_access_requests")).toBe(0);
    expect(await countRows("idempotency_keys")).toBe(0);
  });

  it("scopes keys by path, so one key on two endpoints does not collide", async () => {
    const body = newBody();
    await send(body, "shared-key");
    const other = await postJson("/api/v1/other-endpoint", body, {
      ...client(),
      "Idempotency-Key": "shared-key",
    });
    expect(other.status).toBe(404);
    expect(await keyRows("shared-key")).toEqual([expect.objectContaining({ scope: await anonymousScope() })]);
  });
});

describe("Idempotency-Key for anonymous callers", () => {
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM early_access_requests; DELETE FROM idempotency_keys;");
  });

  it("scopes keys per client: another client's request with the same key and body runs, not replayed", async () => {
    const body = newBody();
    expect((await send(body, "same-key", "203.0.113.61")).status).toBe(202);
    const other = await send(body, "same-key", "198.51.100.62");
    expect(other.status).toBe(202);
    expect(other.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await keyRows("same-key")).map((row) => row.scope).sort()).toEqual(
      [await anonymousScope("203.0.113.61"), await anonymousScope("198.51.100.62")].sort(),
    );
  });

  it("treats one IPv6 /64 as one client", async () => {
    const body = newBody();
    expect((await send(body, "v6-key", "2001:db8:aa:bb::1")).status).toBe(202);
    const sameNetwork = await send(body, "v6-key", "2001:db8:aa:bb:1234:5678:9abc:def0");
    expect(sameNetwork.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await keyRows("v6-key")).toHaveLength(1);
  });

  it("does not honour a key without a known client address, rather than share one scope", async () => {
    const body = newBody();
    const headers = { "Idempotency-Key": "no-client" };
    expect((await postJson("/api/v1/early-access", body, headers)).status).toBe(202);
    const second = await postJson("/api/v1/early-access", body, headers);
    expect(second.status).toBe(202);
    expect(second.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await countRows("idempotency_keys")).toBe(0);
  });
});

describe("idempotency records", () => {
  it("are not completed or released by a request whose lease was taken over", async () => {
    const db = dbFor(env.DB);
    const scope = "test-scope POST /things";
    const first = Date.now() - IDEMPOTENCY_LEASE_MS - 1_000;
    const claim = (now: number) =>
      claimKey(db, {
        scope,
        key: "k",
        requestHash: "h",
        now,
        expiresAt: now + IDEMPOTENCY_TTL_MS,
        leaseExpiredBefore: now - IDEMPOTENCY_LEASE_MS,
      });
    expect(await claim(first)).toBe(true);
    const second = Date.now();
    expect(await claim(second)).toBe(true);
    expect(await claim(second + 1)).toBe(false);

    // The crashed-but-alive first request finishes late: the record stays the second one's.
    await completeKey(
      db,
      { scope, key: "k", claimedAt: first },
      { status: 201, contentType: null, body: "" },
    );
    await releaseKey(db, { scope, key: "k", claimedAt: first });
    expect(await findKey(db, scope, "k")).toMatchObject({ state: "in_progress", createdAt: second });

    await completeKey(
      db,
      { scope, key: "k", claimedAt: second },
      { status: 201, contentType: null, body: "ok" },
    );
    expect(await findKey(db, scope, "k")).toMatchObject({ state: "completed", responseBody: "ok" });
  });
});
