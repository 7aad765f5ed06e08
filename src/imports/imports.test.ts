import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type Actor, createTenant, putOnPlan } from "../../test/fixtures";
import { call, countRows, expectProblem } from "../../test/helpers";
import { PLANS } from "../billing/plans";
import type { Bindings } from "../env";
import worker from "../index";
import { decodeCsv, parseCsv, suggestMapping } from "./csv";
import type { ImportMessage } from "./import-jobs";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type ImportBody = {
  id: string;
  status: string;
  encoding: string;
  totalRows: number;
  processedRows: number;
  createdCount: number;
  updatedCount: number;
  skippedCount: number;
  errorCount: number;
};

const rowsOf = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all()
  ).results as Record<string, unknown>[];

const count = async (sql: string, ...binds: unknown[]) => Number((await rowsOf(sql, ...binds))[0]?.n);

const contactsOf = (tenantId: string) =>
  count("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?", tenantId);

function upload(actor: Actor, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return call("/api/v1/imports?fileName=leads.csv", {
    method: "POST",
    headers: { ...actor.auth, "Content-Type": "text/csv", ...headers },
    body,
  });
}

async function uploaded(actor: Actor, body: string | Uint8Array) {
  const res = await upload(actor, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as {
    import: ImportBody;
    preview: string[][];
    suggestedMapping: Record<string, string>;
  };
}

const send = (actor: Actor, method: string, path: string, body?: unknown) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...actor.auth, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function importThrough(
  actor: Actor,
  csv: string | Uint8Array,
  duplicateAction: "skip" | "update" | "create" = "skip",
  mapping?: Record<string, string>,
) {
  const up = await uploaded(actor, csv);
  const id = up.import.id;
  const mapped = await send(actor, "PUT", `/imports/${id}/mapping`, {
    mapping: mapping ?? up.suggestedMapping,
    duplicateAction,
  });
  expect(mapped.status, await mapped.clone().text()).toBe(200);
  const started = await send(actor, "POST", `/imports/${id}/start`);
  expect(started.status).toBe(202);
  return waitUntilFinished(actor, id);
}

async function waitUntilFinished(actor: Actor, id: string) {
  return vi.waitFor(
    async () => {
      const res = await send(actor, "GET", `/imports/${id}`);
      const body = (await res.json()) as ImportBody;
      if (body.status !== "done" && body.status !== "failed") throw new Error(`still ${body.status}`);
      return body;
    },
    { timeout: 30_000, interval: 50 },
  );
}

let tenant: Tenant;
let other: Tenant;

beforeAll(async () => {
  [tenant, other] = await Promise.all([createTenant("Imports"), createTenant("Other")]);
});

describe("reading CSV files", () => {
  it("reads UTF-8 with and without BOM, and Windows-1256 from Arabic Excel", () => {
    const text = "الاسم,الجوال\r\nمحمد,0551234567\r\n";
    const utf8 = new TextEncoder().encode(text);
    expect(decodeCsv(utf8)).toEqual({ text, encoding: "utf-8" });
    expect(decodeCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]))).toEqual({ text, encoding: "utf-8-bom" });
    // "الاسم,الجوال\r\nمحمد" in Windows-1256.
    const cp1256 = new Uint8Array([
      0xc7, 0xe1, 0xc7, 0xd3, 0xe3, 0x2c, 0xc7, 0xe1, 0xcc, 0xe6, 0xc7, 0xe1, 0x0d, 0x0a, 0xe3, 0xcd, 0xe3,
      0xcf,
    ]);
    expect(decodeCsv(cp1256)).toEqual({ text: "الاسم,الجوال\r\nمحمد", encoding: "windows-1256" });
  });

  it("parses quotes, embedded commas and line breaks, and semicolon files", () => {
    expect(parseCsv('name,notes\r\n"Ali, Jr.","line1\nline2"\r\n\r\n')).toEqual({
      headers: ["name", "notes"],
      rows: [["Ali, Jr.", "line1\nline2"]],
    });
    expect(parseCsv("name;phone\nSara;0551234567\n").rows).toEqual([["Sara", "0551234567"]]);
  });

  it("suggests a mapping from Arabic and English headers", () => {
    expect(
      suggestMapping(["الاسم", "رقم الجوال", "البريد الإلكتروني", "المصدر", "الحالة", "الوسوم", "ملاحظات"]),
    ).toEqual({
      "0": "name",
      "1": "phone",
      "2": "email",
      "3": "source",
      "4": "status",
      "5": "tags",
      "6": "notes",
    });
    expect(suggestMapping(["Full Name", "Mobile", "E-mail", "Unknown"])).toEqual({
      "0": "name",
      "1": "phone",
      "2": "email",
    });
  });
});

describe("uploading", () => {
  it("stores the header and rows, detects the encoding, and answers with a preview", async () => {
    const bom = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode("الاسم,الجوال\nنورة,0551234567\n"),
    ]);
    const up = await uploaded(tenant.agent, bom);
    expect(up.import).toMatchObject({ status: "uploaded", encoding: "utf-8-bom", totalRows: 1 });
    expect(up.preview).toEqual([["نورة", "0551234567"]]);
    expect(up.suggestedMapping).toEqual({ "0": "name", "1": "phone" });
    expect(await count("SELECT COUNT(*) AS n FROM import_rows WHERE import_id = ?", up.import.id)).toBe(1);
  });

  it("refuses what is not a CSV, an empty file, other media types and too-large files, storing nothing", async () => {
    const before = await countRows("imports");
    await expectProblem(
      await upload(tenant.agent, new Uint8Array([0x50, 0x4b, 0x03, 0x00])),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await upload(tenant.agent, ""), 422, "VALIDATION_FAILED");
    await expectProblem(await upload(tenant.agent, "name\n"), 422, "VALIDATION_FAILED");
    await expectProblem(
      await upload(tenant.agent, "x", { "Content-Type": "application/json" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    await expectProblem(await upload(tenant.agent, "a\n".repeat(3 * 1024 * 1024)), 413, "PAYLOAD_TOO_LARGE");
    await expectProblem(
      await upload(tenant.agent, `name\n${"x\n".repeat(20_001)}`),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expect(await countRows("imports")).toBe(before);
  });

  it("reads a Windows-1256 file from Arabic Excel through the API, with or without an Idempotency-Key", async () => {
    // "الاسم,الجوال\r\nمحمد,0551234567" in Windows-1256.
    const cp1256 = new Uint8Array([
      0xc7,
      0xe1,
      0xc7,
      0xd3,
      0xe3,
      0x2c,
      0xc7,
      0xe1,
      0xcc,
      0xe6,
      0xc7,
      0xe1,
      0x0d,
      0x0a,
      0xe3,
      0xcd,
      0xe3,
      0xcf,
      ...new TextEncoder().encode(",0551234567\r\n"),
    ]);
    for (const headers of [{}, { "Idempotency-Key": "cp1256-1" }] as Record<string, string>[]) {
      const res = await upload(tenant.agent, cp1256, headers);
      expect(res.status).toBe(201);
      const body = (await res.json()) as { import: ImportBody & { headers: string[] }; preview: string[][] };
      expect(body.import.encoding).toBe("windows-1256");
      expect(body.import.headers).toEqual(["الاسم", "الجوال"]);
      expect(body.preview).toEqual([["محمد", "0551234567"]]);
    }
  });

  it("tells two Windows-1256 files apart under one Idempotency-Key (409), though UTF-8 would not", async () => {
    const file = (letter: number) =>
      new Uint8Array([0xc7, 0xe1, 0xc7, 0xd3, 0xe3, 0x0d, 0x0a, letter, 0xcd, 0xe3]);
    expect((await upload(tenant.agent, file(0xe3), { "Idempotency-Key": "cp1256-2" })).status).toBe(201);
    await expectProblem(
      await upload(tenant.agent, file(0xe4), { "Idempotency-Key": "cp1256-2" }),
      409,
      "IDEMPOTENCY_KEY_REUSED",
    );
  });

  it("replays the same upload for the same Idempotency-Key", async () => {
    const first = await upload(tenant.agent, "name\nIdem\n", { "Idempotency-Key": "imp-1" });
    const second = await upload(tenant.agent, "name\nIdem\n", { "Idempotency-Key": "imp-1" });
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await second.json()) as { import: { id: string } }).import.id).toBe(
      ((await first.json()) as { import: { id: string } }).import.id,
    );
  });
});

describe("mapping and starting", () => {
  it("refuses a mapping without a name, a column out of range, or a field twice; writes nothing", async () => {
    const up = await uploaded(tenant.agent, "name,phone\nA,0551234567\n");
    const path = `/imports/${up.import.id}/mapping`;
    for (const mapping of [{ "1": "phone" }, { "0": "name", "5": "email" }, { "0": "name", "1": "name" }]) {
      await expectProblem(
        await send(tenant.agent, "PUT", path, { mapping, duplicateAction: "skip" }),
        422,
        "VALIDATION_FAILED",
      );
    }
    await expectProblem(
      await send(tenant.agent, "PUT", path, { mapping: { "0": "name" }, duplicateAction: "merge" }),
      422,
      "VALIDATION_FAILED",
    );
    const [row] = await rowsOf("SELECT status FROM imports WHERE id = ?", up.import.id);
    expect(row?.status).toBe("uploaded");
    await expectProblem(await send(tenant.agent, "POST", `/imports/${up.import.id}/start`), 409, "CONFLICT");
  });

  it("hides another tenant's and (for agents) another member's imports", async () => {
    const up = await uploaded(tenant.manager, "name\nHidden\n");
    await expectProblem(await send(other.owner, "GET", `/imports/${up.import.id}`), 404, "NOT_FOUND");
    await expectProblem(await send(tenant.agent, "GET", `/imports/${up.import.id}`), 404, "NOT_FOUND");
    await expectProblem(
      await send(tenant.agent, "PUT", `/imports/${up.import.id}/mapping`, {
        mapping: { "0": "name" },
        duplicateAction: "skip",
      }),
      404,
      "NOT_FOUND",
    );
    expect((await send(tenant.owner, "GET", `/imports/${up.import.id}`)).status).toBe(200);
  });
});

/** A file of `rows` data rows, every `badEvery`-th one invalid (no name, a landline, a bad email). */
function bigCsv(rows: number, badEvery: number, seed: string) {
  const lines = ["الاسم,الجوال,البريد,الوسوم,الحالة"];
  const bad: number[] = [];
  for (let n = 1; n <= rows; n++) {
    const phone = `05${String(50_000_000 + n).padStart(8, "0")}`;
    if (n % badEvery === 0) {
      bad.push(n);
      const kind = n % 3;
      lines.push(
        kind === 0
          ? `,${phone},,,`
          : kind === 1
            ? `عميل ${seed} ${n},0112345678,,,`
            : `عميل ${seed} ${n},${phone},not-an-email,,`,
      );
    } else {
      lines.push(`عميل ${seed} ${n},${phone},lead${n}.${seed}@example.sa,"vip, ${seed}",جديد`);
    }
  }
  return { csv: `${lines.join("\r\n")}\r\n`, bad };
}

describe("a 5,000-row import with bad rows", () => {
  it("reports each bad row, writes the good ones exactly once, and a second run of the file creates nothing", async () => {
    const { tenantId, owner } = await createTenant("Big import");
    const { csv, bad } = bigCsv(5000, 50, "big");
    const started = Date.now();
    const first = await importThrough(owner, csv, "skip");
    const ms = Date.now() - started;
    console.info(`IMPORT_5000_MS ${ms}`);
    expect(first).toMatchObject({
      status: "done",
      totalRows: 5000,
      processedRows: 5000,
      createdCount: 5000 - bad.length,
      errorCount: bad.length,
      skippedCount: 0,
    });
    expect(await contactsOf(tenantId)).toBe(5000 - bad.length);
    expect(await count("SELECT COUNT(*) AS n FROM contact_phones WHERE tenant_id = ?", tenantId)).toBe(
      5000 - bad.length,
    );
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ? AND source = 'import' AND status = 'new'",
        tenantId,
      ),
    ).toBe(5000 - bad.length);

    // Every bad row is listed, in order, across pages.
    const listed: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await send(
        owner,
        "GET",
        `/imports/${first.id}/errors?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      const page = (await res.json()) as {
        data: { rowNumber: number; errors: { field: string }[] }[];
        nextCursor: string | null;
      };
      listed.push(...page.data.map((row) => row.rowNumber));
      for (const row of page.data) expect(row.errors.length).toBeGreaterThan(0);
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual(bad);

    const audits = await count(
      "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'contacts.imported' AND target_id = ?",
      tenantId,
      first.id,
    );
    expect(audits).toBe(1);

    const second = await importThrough(owner, csv, "skip");
    expect(second).toMatchObject({
      status: "done",
      createdCount: 0,
      skippedCount: 5000 - bad.length,
      errorCount: bad.length,
    });
    expect(await contactsOf(tenantId)).toBe(5000 - bad.length);
  }, 120_000);

  it("stops at the plan's contact limit: the rows of a chunk past it fail with the reason, none is created", async () => {
    const { tenantId, owner } = await createTenant("Starter import");
    await putOnPlan(tenantId, "starter");
    // Ten places left under Starter's 5,000 contacts.
    await env.DB.prepare(
      `WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < ?)
       INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, created_at, updated_at)
       SELECT 'con_fill' || ? || '_' || i, ?, 'Lead ' || i, 'lead ' || i, 'lead' || i, 'import', 1, 1 FROM series`,
    )
      .bind(PLANS.starter.limits.contacts - 10, tenantId.slice(4), tenantId)
      .run();
    const { csv } = bigCsv(30, 1000, "limit");

    const finished = await importThrough(owner, csv, "skip");
    expect(finished).toMatchObject({ status: "done", totalRows: 30, createdCount: 0, errorCount: 30 });
    expect(await contactsOf(tenantId)).toBe(PLANS.starter.limits.contacts - 10);
    const errors = await send(owner, "GET", `/imports/${finished.id}/errors?limit=5`);
    const page = (await errors.json()) as { data: { errors: { code: string }[] }[] };
    expect(page.data[0]?.errors[0]?.code).toBe("plan_limit");
  });

  it("writes a chunk once when the same queue batch is delivered twice", async () => {
    const { tenantId, owner } = await createTenant("Redelivery");
    const { csv, bad } = bigCsv(450, 10, "again");
    const up = await uploaded(owner, csv);
    const id = up.import.id;
    await send(owner, "PUT", `/imports/${id}/mapping`, {
      mapping: up.suggestedMapping,
      duplicateAction: "skip",
    });
    // As the prepare step leaves it, without going through the queue.
    await env.DB.prepare("UPDATE imports SET status = 'processing' WHERE id = ?").bind(id).run();
    const messages = [1, 201, 401].map((fromRow, index) => ({
      id: `m${index}`,
      timestamp: new Date(),
      attempts: 1,
      body: { kind: "chunk", tenantId, importId: id, fromRow, toRow: fromRow + 199 } as ImportMessage,
    }));
    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch<ImportMessage>("imports", messages);
      const ctx = createExecutionContext();
      await worker.queue(batch, env as Bindings, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
      expect(result.retryMessages).toEqual([]);
    }
    const [row] = await rowsOf("SELECT * FROM imports WHERE id = ?", id);
    expect(row).toMatchObject({
      status: "done",
      processed_rows: 450,
      created_count: 450 - bad.length,
      error_count: bad.length,
    });
    expect(await contactsOf(tenantId)).toBe(450 - bad.length);
  });
});

describe("duplicates", () => {
  const header = "name,phone,email,tags,notes";

  it("skip, update and create, against stored contacts and within the file", async () => {
    const { tenantId, owner } = await createTenant("Dups");
    const existing = await send(owner, "POST", "/contacts", {
      name: "Sara Ahmed",
      phones: ["0551110001"],
      email: "sara@example.sa",
      source: "walk_in",
    });
    const saraId = ((await existing.json()) as { id: string }).id;
    const file = [
      header,
      "Sara A.,+966551110001,,,from the file", // phone matches Sara
      "Someone,,SARA@example.sa,,", // email matches Sara
      "محمد علي,0551110002,,,", // new
      "Mohammed Ali,,,,", // repeats row 3 by name key (transliteration)
    ].join("\n");

    const skipped = await importThrough(owner, file, "skip");
    expect(skipped).toMatchObject({ createdCount: 1, skippedCount: 3, updatedCount: 0 });
    expect(await contactsOf(tenantId)).toBe(2);

    const updated = await importThrough(owner, `${header}\nسارة,0551110001,,"VIP",updated notes\n`, "update");
    expect(updated).toMatchObject({ createdCount: 0, updatedCount: 1 });
    const [sara] = await rowsOf("SELECT name, notes, version FROM contacts WHERE id = ?", saraId);
    expect(sara).toMatchObject({ name: "سارة", notes: "updated notes", version: 2 });
    expect(await rowsOf("SELECT tag FROM contact_tags WHERE contact_id = ?", saraId)).toEqual([
      { tag: "vip" },
    ]);

    const created = await importThrough(owner, `${header}\nSara Ahmed,0551110001,,,\n`, "create");
    expect(created).toMatchObject({ createdCount: 1, skippedCount: 0 });
    expect(await contactsOf(tenantId)).toBe(3);
  });
});

describe("duplicates an agent may not edit", () => {
  it("skips a row whose stored duplicate belongs to another member, leaving it unchanged", async () => {
    const { tenantId, manager, agent } = await createTenant("Agent dups");
    const res = await send(manager, "POST", "/contacts", {
      name: "Manager Lead",
      phones: ["0551112233"],
      source: "walk_in",
      ownerId: manager.userId,
    });
    const id = ((await res.json()) as { id: string }).id;
    const result = await importThrough(agent, "name,phone,notes\nRenamed,0551112233,agent notes\n", "update");
    expect(result).toMatchObject({ createdCount: 0, updatedCount: 0, skippedCount: 1 });
    const [row] = await rowsOf("SELECT name, notes, version FROM contacts WHERE id = ?", id);
    expect(row).toMatchObject({ name: "Manager Lead", notes: null, version: 1 });
    expect(await contactsOf(tenantId)).toBe(1);
  });
});

describe("ownership", () => {
  it("agents own what they import; a manager's import follows round-robin", async () => {
    const { tenantId, owner, manager, agent } = await createTenant("Owners");
    await importThrough(agent, "name\nA1\nA2\n");
    expect(await rowsOf("SELECT DISTINCT owner_id FROM contacts WHERE tenant_id = ?", tenantId)).toEqual([
      { owner_id: agent.userId },
    ]);
    const settings = await send(owner, "PUT", "/crm/settings", {
      assignment: "round_robin",
      roundRobinAgentIds: [agent.userId, manager.userId],
    });
    expect(settings.status, await settings.clone().text()).toBe(200);
    await importThrough(manager, "name\nR1\nR2\nR3\nR4\n");
    const owners = await rowsOf(
      "SELECT owner_id, COUNT(*) AS n FROM contacts WHERE tenant_id = ? AND name LIKE 'R%' GROUP BY owner_id ORDER BY owner_id",
      tenantId,
    );
    expect(owners.map((o) => o.n)).toEqual([2, 2]);
  });
});

describe("a chunk that keeps failing", () => {
  it("reaches the dead-letter queue, whose consumer marks the import failed", async () => {
    const { tenantId, owner } = await createTenant("DLQ");
    const up = await uploaded(owner, "name\nX\n");
    const batch = createMessageBatch<ImportMessage>("imports-dlq", [
      {
        id: "dead",
        timestamp: new Date(),
        attempts: 1,
        body: { kind: "chunk", tenantId, importId: up.import.id, fromRow: 1, toRow: 200 },
      },
    ]);
    await env.DB.prepare("UPDATE imports SET status = 'processing' WHERE id = ?").bind(up.import.id).run();
    const ctx = createExecutionContext();
    await worker.queue(batch, env as Bindings, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dead"]);
    const [row] = await rowsOf("SELECT status, failure_reason FROM imports WHERE id = ?", up.import.id);
    expect(row).toMatchObject({ status: "failed" });
    expect(String(row?.failure_reason)).toContain("Rows 1-200");

    const stored = "SELECT queue, message_id, body, attempts, last_error, retried_at FROM dead_letters";
    expect(await rowsOf(stored)).toEqual([
      {
        queue: "imports",
        message_id: "dead",
        body: JSON.stringify({ kind: "chunk", tenantId, importId: up.import.id, fromRow: 1, toRow: 200 }),
        attempts: 4,
        last_error: "exhausted retries (the error is in the source consumer's log and Sentry)",
        retried_at: null,
      },
    ]);
    // The dead-letter queue delivers at least once: a redelivery is stored once.
    const again = createMessageBatch<ImportMessage>("imports-dlq", [
      {
        id: "dead",
        timestamp: new Date(),
        attempts: 2,
        body: { kind: "chunk", tenantId, importId: up.import.id, fromRow: 1, toRow: 200 },
      },
    ]);
    const ctx2 = createExecutionContext();
    await worker.queue(again, env as Bindings, ctx2);
    expect((await getQueueResult(again, ctx2)).explicitAcks).toEqual(["dead"]);
    expect(await rowsOf(stored)).toHaveLength(1);
  });
});

describe("exporting", () => {
  it("streams Arabic contacts with a BOM and CRLF, filtered, formula-safe, within visibility", async () => {
    const { owner, agent } = await createTenant("Export");
    await importThrough(
      owner,
      'name,phone,tags,status\nنورة,0551230001,vip,qualified\n"=HYPERLINK(""x"")",0551230002,,new\n',
    );
    await importThrough(agent, "name,phone\nوكيل,0551230003\n");
    const res = await call("/api/v1/exports/contacts.csv?lang=ar", { headers: owner.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain("الاسم,الجوال");
    expect(text).toContain(`نورة,"'+966551230001"`);
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(4);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);

    const filtered = await (
      await call("/api/v1/exports/contacts.csv?status=qualified", { headers: owner.auth })
    ).text();
    expect(filtered.split("\r\n").filter(Boolean)).toHaveLength(2);
    expect(filtered).toContain("Qualified");

    const agents = await (await call("/api/v1/exports/contacts.csv", { headers: agent.auth })).text();
    expect(agents.split("\r\n").filter(Boolean)).toHaveLength(2);
    expect(agents).toContain("وكيل");
    expect(agents).not.toContain("نورة");

    await expectProblem(
      await call("/api/v1/exports/contacts.csv?status=nope", { headers: owner.auth }),
      422,
      "VALIDATION_FAILED",
    );
  });
});
