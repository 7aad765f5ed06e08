import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createOperator, createTenant } from "../../test/fixtures";
import { call, countRows, expectProblem, ORIGIN } from "../../test/helpers";
import { outboundDeadLetters } from "../../workers/queues/outbound";
import { webhookDeadLetters } from "../../workers/queues/webhooks";
import { dbFor } from "../db/client";
import { storeDeadLetters } from "../dead-letters/dead-letters.service";
import { loadConfig } from "../env";
import { importDeadLetters } from "../imports/import-jobs";
import { BREAKER_NAMES, resetBreaker, throughBreaker } from "../platform/circuit-breaker";

const db = dbFor(env.DB);
type Operator = Awaited<ReturnType<typeof createOperator>>;

const post = (operator: Operator, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: "POST",
    headers: { ...operator.cookie, Origin: ORIGIN, "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

const rowsOf = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .all<Record<string, string | number | null>>()
    .then((r) => r.results);

const outboundLetter = (n: number) => ({
  id: `out-${n}`,
  body: {
    tenantId: "ten_00000000000000000000",
    messageId: `msg_0000000000000000${String(n).padStart(4, "0")}`,
  },
});

const auditOf = (operator: Operator, action: string) =>
  rowsOf(
    "SELECT target_type, target_id, details FROM operator_audit_events WHERE operator_id = ? AND action = ?",
    operator.userId,
    action,
  );

let operator: Operator;
beforeEach(async () => {
  await env.DB.prepare("DELETE FROM dead_letters").run();
  operator = await createOperator();
});

describe("GET /admin/dlq/queues and /admin/dlq/{queue}", () => {
  it("counts every queue (zeros included) and lists a queue's letters without personal data", async () => {
    await storeDeadLetters(db, outboundDeadLetters, [outboundLetter(1), outboundLetter(2)]);
    const phone = "966551234567";
    await storeDeadLetters(db, webhookDeadLetters(loadConfig(env)), [
      {
        id: "hook-1",
        body: {
          provider: "whatsapp",
          accountId: "wac_00000000000000000000",
          tenantId: "ten_00000000000000000000",
          phoneNumberId: "1234567890",
          receivedAt: 1_700_000_000_000,
          payload: { entry: [{ from: phone, text: { body: "أريد موعدا" } }] },
        },
      },
    ]);
    const counts = await call("/admin/dlq/queues", { headers: operator.cookie });
    expect(counts.status).toBe(200);
    expect(await counts.json()).toEqual({
      data: [
        { queue: "imports", total: 0, waiting: 0 },
        { queue: "outbound", total: 2, waiting: 2 },
        { queue: "webhooks", total: 1, waiting: 1 },
      ],
    });

    const first = await call("/admin/dlq/outbound?limit=1", { headers: operator.cookie });
    const page = (await first.json()) as { data: { messageId: string }[]; nextCursor: string };
    expect(page.data).toHaveLength(1);
    const second = await call(`/admin/dlq/outbound?limit=1&cursor=${page.nextCursor}`, {
      headers: operator.cookie,
    });
    const rest = (await second.json()) as { data: { messageId: string }[]; nextCursor: string | null };
    expect([...page.data, ...rest.data].map((l) => l.messageId).sort()).toEqual(["out-1", "out-2"]);
    expect(rest.nextCursor).toBeNull();

    const hooks = await call("/admin/dlq/webhooks", { headers: operator.cookie });
    const text = await hooks.text();
    expect(text).not.toContain(phone);
    expect(text).not.toContain("أريد");
    expect(text).not.toContain("v1.");
    expect(JSON.parse(text).data).toEqual([
      expect.objectContaining({
        queue: "webhooks",
        messageId: "hook-1",
        sealed: true,
        attempts: 6,
        retriedAt: null,
        reference: {
          provider: "whatsapp",
          accountId: "wac_00000000000000000000",
          tenantId: "ten_00000000000000000000",
          phoneNumberId: "1234567890",
          receivedAt: 1_700_000_000_000,
        },
      }),
    ]);
  });

  it("refuses an unknown queue (422)", async () => {
    await expectProblem(
      await call("/admin/dlq/emails", { headers: operator.cookie }),
      422,
      "VALIDATION_FAILED",
    );
  });
});

describe("POST /admin/dlq/{queue}/retry", () => {
  it("re-enqueues the selected letters once, counts what it skipped, and is audited", async () => {
    await storeDeadLetters(db, outboundDeadLetters, [outboundLetter(1), outboundLetter(2)]);
    const [one] = await rowsOf("SELECT id FROM dead_letters WHERE message_id = 'out-1'");
    const absent = "dlt_00000000000000000000";
    const res = await post(operator, "/admin/dlq/outbound/retry", { ids: [one?.id, absent] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ retried: 1, failed: 0, skipped: 1, waiting: 1 });
    // Again: the letter was retried already, so nothing is sent twice.
    expect(await (await post(operator, "/admin/dlq/outbound/retry", { ids: [one?.id] })).json()).toEqual({
      retried: 0,
      failed: 0,
      skipped: 1,
      waiting: 1,
    });
    const all = await post(operator, "/admin/dlq/outbound/retry", {});
    expect(await all.json()).toEqual({ retried: 1, failed: 0, skipped: 0, waiting: 0 });
    expect(await rowsOf("SELECT message_id FROM dead_letters WHERE retried_at IS NULL")).toEqual([]);

    const audit = await auditOf(operator, "operator.dead_letters_retried");
    expect(audit).toHaveLength(3);
    expect(audit.map((row) => JSON.parse(String(row.details)))).toContainEqual({
      retried: 1,
      failed: 0,
      skipped: 1,
      waiting: 1,
      selected: 2,
    });
    expect(audit[0]).toMatchObject({ target_type: "dead_letter_queue", target_id: "outbound" });
  });

  it("refuses bad input with nothing changed or audited", async () => {
    await storeDeadLetters(db, importDeadLetters, [
      { id: "imp-1", body: { kind: "prepare", tenantId: "ten_00000000000000000000", importId: "imp_x" } },
    ]);
    const before = await countRows("operator_audit_events");
    for (const body of [{ ids: ["not-an-id"] }, { ids: [] }, { ids: "all" }, { all: true }]) {
      await expectProblem(await post(operator, "/admin/dlq/imports/retry", body), 422, "VALIDATION_FAILED");
    }
    await expectProblem(await post(operator, "/admin/dlq/emails/retry", {}), 422, "VALIDATION_FAILED");
    await expectProblem(
      await post(operator, "/admin/dlq/imports/retry", {}, { "Content-Type": "text/plain" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expect(await rowsOf("SELECT retried_at FROM dead_letters")).toEqual([{ retried_at: null }]);
    expect(await countRows("operator_audit_events")).toBe(before);
  });
});

describe("POST /admin/dlq/{queue}/purge", () => {
  it("deletes the selected letters of that queue only, or all, and audits the count", async () => {
    await storeDeadLetters(db, outboundDeadLetters, [
      outboundLetter(1),
      outboundLetter(2),
      outboundLetter(3),
    ]);
    await storeDeadLetters(db, importDeadLetters, [
      { id: "imp-1", body: { kind: "prepare", tenantId: "ten_00000000000000000000", importId: "imp_x" } },
    ]);
    const [one] = await rowsOf("SELECT id FROM dead_letters WHERE message_id = 'out-1'");
    const [other] = await rowsOf("SELECT id FROM dead_letters WHERE queue = 'imports'");
    const res = await post(operator, "/admin/dlq/outbound/purge", { ids: [one?.id, other?.id] });
    expect(await res.json()).toEqual({ purged: 1 });
    expect(await (await post(operator, "/admin/dlq/outbound/purge", {})).json()).toEqual({ purged: 2 });
    expect(await rowsOf("SELECT queue FROM dead_letters")).toEqual([{ queue: "imports" }]);
    const audit = await auditOf(operator, "operator.dead_letters_purged");
    expect(audit.map((row) => JSON.parse(String(row.details))).sort((a, b) => a.purged - b.purged)).toEqual([
      { purged: 1, selected: 2 },
      { purged: 2, selected: null },
    ]);
  });
});

describe("circuit breakers", () => {
  it("lists every breaker with ISO times, and a reset closes an open one and is audited", async () => {
    await resetBreaker(env.CIRCUIT_BREAKER, "posthog");
    for (let i = 0; i < 5; i++) {
      await throughBreaker(env.CIRCUIT_BREAKER, "posthog", async () => {
        throw new Error("down");
      }).catch(() => undefined);
    }
    const res = await call("/admin/circuit-breakers", { headers: operator.cookie });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as {
      data: {
        name: string;
        failuresInWindow: number;
        state: string;
        openedAt: string | null;
        nextTrialAt: string | null;
        transitions: { at: string; to: string }[];
      }[];
    };
    expect(data.map((b) => b.name)).toEqual([...BREAKER_NAMES]);
    const posthog = data.find((b) => b.name === "posthog");
    expect(posthog?.state).toBe("open");
    expect(posthog?.openedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Date.parse(String(posthog?.nextTrialAt))).toBeGreaterThan(Date.parse(String(posthog?.openedAt)));
    expect(posthog?.transitions[0]).toMatchObject({ to: "open", at: expect.stringMatching(/Z$/) });

    const reset = await post(operator, "/admin/circuit-breakers/posthog/reset", undefined);
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({
      name: "posthog",
      state: "closed",
      failuresInWindow: 0,
      openedAt: null,
    });
    expect(await auditOf(operator, "operator.circuit_breaker_reset")).toEqual([
      {
        target_type: "circuit_breaker",
        target_id: "posthog",
        details: JSON.stringify({ from: "open", failuresInWindow: posthog?.failuresInWindow }),
      },
    ]);
  });

  it("refuses an unknown breaker (422) and tenant users (401)", async () => {
    const before = await countRows("operator_audit_events");
    await expectProblem(
      await post(operator, "/admin/circuit-breakers/stripe/reset", undefined),
      422,
      "VALIDATION_FAILED",
    );
    expect(await countRows("operator_audit_events")).toBe(before);
    const { owner } = await createTenant();
    await expectProblem(
      await call("/admin/circuit-breakers", { headers: owner.auth }),
      401,
      "UNAUTHENTICATED",
    );
    await expectProblem(await call("/admin/dlq/queues", { headers: owner.auth }), 401, "UNAUTHENTICATED");
  });
});
