import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { race } from "../../test/race";
import { dbFor } from "../db/client";
import { ApiError } from "../platform/problem";
import { claimOldestWaiting, listByQueue, totalsByQueue, waitingByQueue } from "./dead-letters.repo";
import {
  countByQueue,
  type DeadLetterProducers,
  type DeadLetterQueue,
  listDeadLetters,
  MAX_RETRY_PER_CALL,
  purgeDeadLetters,
  retryDeadLetters,
  storeDeadLetters,
} from "./dead-letters.service";

const db = dbFor(env.DB);

interface OutboundMessage {
  messageId: string;
  tenantId: string;
  to: string;
  text: string;
}

/** A producer like the WhatsApp one will be: the phone and text are re-read from D1 by id. */
const outbound: DeadLetterQueue<OutboundMessage> = {
  queue: "outbound",
  attempts: 6,
  minimise: ({ messageId, tenantId }) => ({ messageId, tenantId }),
};

const webhooks: DeadLetterQueue<{ eventId: string }> = {
  queue: "webhooks",
  attempts: 4,
  minimise: ({ eventId }) => ({ eventId }),
};

const message = (n: number) => ({
  id: `q-${n}`,
  body: { messageId: `msg_${n}`, tenantId: "ten_a", to: "+966551234567", text: `مرحبا ${n}` },
});

/** A producer that records what it is sent, or refuses when told to. */
function recordingQueue() {
  const sent: unknown[] = [];
  const state = { refuse: false };
  const queue = {
    sendBatch: async (messages: { body: unknown }[]) => {
      if (state.refuse) throw new Error("Queue send failed: 503");
      sent.push(...messages.map((m) => m.body));
    },
  } as unknown as Queue<unknown>;
  return { queue, sent, state };
}

const rows = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all<Record<string, unknown>>()
  ).results;

beforeEach(async () => {
  await env.DB.prepare("DELETE FROM dead_letters").run();
});

describe("storeDeadLetters", () => {
  it("stores each message minimised, with the queue's attempts and what is known of the error", async () => {
    expect(await storeDeadLetters(db, outbound, [message(1)], 1_000)).toBe(1);
    const [row] = await rows("SELECT * FROM dead_letters");
    expect(row).toEqual({
      id: expect.stringMatching(/^dlt_[0-9a-z]{20}$/),
      queue: "outbound",
      message_id: "q-1",
      body: JSON.stringify({ messageId: "msg_1", tenantId: "ten_a" }),
      attempts: 6,
      last_error: "exhausted retries (the error is in the source consumer's log and Sentry)",
      dead_at: 1_000,
      retried_at: null,
    });
    expect(JSON.stringify(row)).not.toContain("+966");
    expect(JSON.stringify(row)).not.toContain("مرحبا");
  });

  it("stores a redelivered message once, also within one batch, in chunks that fit D1's parameter limit", async () => {
    const batch = Array.from({ length: 30 }, (_, i) => message(i));
    expect(await storeDeadLetters(db, outbound, [...batch, message(0)])).toBe(30);
    expect(await storeDeadLetters(db, outbound, batch.slice(0, 5))).toBe(0);
    expect(await rows("SELECT COUNT(*) AS n FROM dead_letters")).toEqual([{ n: 30 }]);
    // The same message id on another queue is another letter.
    expect(await storeDeadLetters(db, webhooks, [{ id: "q-1", body: { eventId: "evt_1" } }])).toBe(1);
  });
});

describe("countByQueue and listDeadLetters", () => {
  it("counts letters and those still waiting per queue", async () => {
    await storeDeadLetters(db, outbound, [message(1), message(2), message(3)]);
    await storeDeadLetters(db, webhooks, [{ id: "w-1", body: { eventId: "evt_1" } }]);
    const { queue } = recordingQueue();
    await retryDeadLetters(db, { outbound: queue }, "outbound", "all");
    await storeDeadLetters(db, outbound, [message(4)]);
    expect(await countByQueue(db)).toEqual([
      { queue: "outbound", total: 4, waiting: 1 },
      { queue: "webhooks", total: 1, waiting: 1 },
    ]);
  });

  it("pages through one queue's letters, newest first, and refuses a forged cursor", async () => {
    for (let i = 0; i < 5; i++) await storeDeadLetters(db, outbound, [message(i)], 1_000 + i);
    await storeDeadLetters(db, webhooks, [{ id: "w-1", body: { eventId: "evt_1" } }], 5_000);
    const first = await listDeadLetters(db, "outbound", undefined, 2);
    expect(first.data.map((letter) => letter.messageId)).toEqual(["q-4", "q-3"]);
    expect(first.data[0]?.body).toEqual({ messageId: "msg_4", tenantId: "ten_a" });
    const second = await listDeadLetters(db, "outbound", first.nextCursor ?? undefined, 2);
    expect(second.data.map((letter) => letter.messageId)).toEqual(["q-2", "q-1"]);
    const last = await listDeadLetters(db, "outbound", second.nextCursor ?? undefined, 2);
    expect(last).toMatchObject({ data: [{ messageId: "q-0" }], nextCursor: null });
    await expect(listDeadLetters(db, "outbound", "bm90LWEtY3Vyc29y", 2)).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });
});

describe("retryDeadLetters", () => {
  it("re-enqueues the minimised bodies to the source queue once and marks them retried", async () => {
    await storeDeadLetters(db, outbound, [message(1), message(2)]);
    await storeDeadLetters(db, webhooks, [{ id: "w-1", body: { eventId: "evt_1" } }]);
    const { queue, sent } = recordingQueue();
    const producers: DeadLetterProducers = { outbound: queue };
    expect(await retryDeadLetters(db, producers, "outbound", "all", 7_000)).toEqual({
      retried: 2,
      failed: 0,
      skipped: 0,
      waiting: 0,
    });
    expect(sent).toEqual([
      { messageId: "msg_1", tenantId: "ten_a" },
      { messageId: "msg_2", tenantId: "ten_a" },
    ]);
    expect(await rows("SELECT queue, retried_at FROM dead_letters ORDER BY queue")).toEqual([
      { queue: "outbound", retried_at: 7_000 },
      { queue: "outbound", retried_at: 7_000 },
      { queue: "webhooks", retried_at: null },
    ]);
    expect(await retryDeadLetters(db, producers, "outbound", "all")).toMatchObject({ retried: 0 });
    expect(sent).toHaveLength(2);
  });

  it("retries only the selected ids, skipping those already retried or of another queue", async () => {
    await storeDeadLetters(db, outbound, [message(1), message(2), message(3)]);
    await storeDeadLetters(db, webhooks, [{ id: "w-1", body: { eventId: "evt_1" } }]);
    const ids = Object.fromEntries(
      (await rows("SELECT message_id, id FROM dead_letters")).map((row) => [row.message_id, String(row.id)]),
    );
    const { queue, sent } = recordingQueue();
    const producers = { outbound: queue };
    const first = await retryDeadLetters(db, producers, "outbound", [ids["q-1"] ?? "", ids["q-1"] ?? ""]);
    expect(first).toEqual({ retried: 1, failed: 0, skipped: 0, waiting: 2 });
    const second = await retryDeadLetters(db, producers, "outbound", [
      ids["q-1"] ?? "",
      ids["q-2"] ?? "",
      ids["w-1"] ?? "",
      "dlt_unknown0000000000000",
    ]);
    expect(second).toEqual({ retried: 1, failed: 0, skipped: 3, waiting: 1 });
    expect(sent).toEqual([
      { messageId: "msg_1", tenantId: "ten_a" },
      { messageId: "msg_2", tenantId: "ten_a" },
    ]);
    expect(await rows("SELECT retried_at FROM dead_letters WHERE queue = 'webhooks'")).toEqual([
      { retried_at: null },
    ]);
  });

  it("sends each letter once when two retries of the whole queue race", async () => {
    await storeDeadLetters(
      db,
      outbound,
      Array.from({ length: 150 }, (_, i) => message(i)),
    );
    const { queue, sent } = recordingQueue();
    const held = race("dead_letters", 2);
    const racedDb = dbFor(held.db);
    const results = await Promise.all([
      retryDeadLetters(racedDb, { outbound: queue }, "outbound", "all"),
      retryDeadLetters(racedDb, { outbound: queue }, "outbound", "all"),
    ]);
    expect(held.raced()).toBe(true);
    expect(results.reduce((total, result) => total + result.retried, 0)).toBe(150);
    expect(sent).toHaveLength(150);
    expect(new Set(sent.map((body) => (body as { messageId: string }).messageId)).size).toBe(150);
    expect(await rows("SELECT COUNT(*) AS n FROM dead_letters WHERE retried_at IS NULL")).toEqual([{ n: 0 }]);
  });

  it("re-enqueues at most MAX_RETRY_PER_CALL per call and reports what still waits", async () => {
    const letters = Array.from({ length: MAX_RETRY_PER_CALL + 5 }, (_, i) => message(i));
    await storeDeadLetters(db, outbound, letters);
    const { queue, sent } = recordingQueue();
    expect(await retryDeadLetters(db, { outbound: queue }, "outbound", "all")).toEqual({
      retried: MAX_RETRY_PER_CALL,
      failed: 0,
      skipped: 0,
      waiting: 5,
    });
    expect(await retryDeadLetters(db, { outbound: queue }, "outbound", "all")).toMatchObject({
      retried: 5,
      waiting: 0,
    });
    expect(sent).toHaveLength(MAX_RETRY_PER_CALL + 5);
  });

  it("releases the claim when the queue refuses, so a later retry sends the letters", async () => {
    await storeDeadLetters(db, outbound, [message(1), message(2)]);
    const { queue, sent, state } = recordingQueue();
    state.refuse = true;
    expect(await retryDeadLetters(db, { outbound: queue }, "outbound", "all")).toEqual({
      retried: 0,
      failed: 2,
      skipped: 0,
      waiting: 2,
    });
    expect(await rows("SELECT retried_at FROM dead_letters")).toEqual([
      { retried_at: null },
      { retried_at: null },
    ]);
    state.refuse = false;
    expect(await retryDeadLetters(db, { outbound: queue }, "outbound", "all")).toMatchObject({ retried: 2 });
    expect(sent).toHaveLength(2);
  });

  it("refuses a queue it has no producer for, and changes nothing", async () => {
    await storeDeadLetters(db, outbound, [message(1)]);
    const error = await retryDeadLetters(db, {}, "outbound", "all").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "NOT_FOUND" });
    expect(await rows("SELECT retried_at FROM dead_letters")).toEqual([{ retried_at: null }]);
  });
});

describe("purgeDeadLetters", () => {
  it("deletes the selected letters of the queue only", async () => {
    await storeDeadLetters(db, outbound, [message(1), message(2)]);
    await storeDeadLetters(db, webhooks, [{ id: "w-1", body: { eventId: "evt_1" } }]);
    const [first] = await rows("SELECT id FROM dead_letters WHERE message_id = 'q-1'");
    const [other] = await rows("SELECT id FROM dead_letters WHERE queue = 'webhooks'");
    expect(await purgeDeadLetters(db, "outbound", [String(first?.id), String(other?.id)])).toBe(1);
    expect(await rows("SELECT message_id FROM dead_letters ORDER BY message_id")).toEqual([
      { message_id: "q-2" },
      { message_id: "w-1" },
    ]);
  });

  it("deletes all of a queue's letters in bounded chunks, leaving other queues' letters", async () => {
    await storeDeadLetters(
      db,
      outbound,
      Array.from({ length: 1_200 }, (_, i) => message(i)),
    );
    await storeDeadLetters(db, webhooks, [{ id: "w-1", body: { eventId: "evt_1" } }]);
    expect(await purgeDeadLetters(db, "outbound", "all")).toBe(1_200);
    expect(await countByQueue(db)).toEqual([{ queue: "webhooks", total: 1, waiting: 1 }]);
  });
});

describe("query plans", () => {
  async function planOf(query: { toSQL(): { sql: string; params: unknown[] } }) {
    const { sql, params } = query.toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    return plan.results.map((row) => row.detail).join("\n");
  }

  it("lists, counts and claims through the indexes, never by walking the table", async () => {
    expect(await planOf(listByQueue(db, "outbound", { sort: 1, id: "dlt_x" }, 20))).toContain(
      "USING INDEX dead_letters_queue_time (queue=?",
    );
    expect(await planOf(totalsByQueue(db))).toContain("USING COVERING INDEX dead_letters_queue_time");
    expect(await planOf(waitingByQueue(db))).toContain("dead_letters_waiting");
    expect(await planOf(waitingByQueue(db, "outbound"))).toContain("dead_letters_waiting (queue=?)");
    expect(await planOf(claimOldestWaiting(db, "outbound", 1, 100))).toContain(
      "dead_letters_waiting (queue=?)",
    );
  });
});
