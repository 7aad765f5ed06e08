import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type Actor, createTenant } from "../../test/fixtures";
import { call, expectProblem } from "../../test/helpers";
import { suggestMapping } from "./csv";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type ImportBody = {
  id: string;
  status: string;
  createdCount: number;
  updatedCount: number;
  skippedCount: number;
  errorCount: number;
  createdAt: string;
  rowsPurgedAt: string | null;
};
type RowErrors = {
  rowNumber: number;
  values: string[];
  errors: { field: string; code: string; message: string }[];
};

const rowsOf = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all()
  ).results as Record<string, unknown>[];

const send = (actor: Actor, method: string, path: string, body?: unknown) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...actor.auth, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function uploaded(actor: Actor, csv: string, fileName = "leads.csv") {
  const res = await call(`/api/v1/imports?fileName=${fileName}`, {
    method: "POST",
    headers: { ...actor.auth, "Content-Type": "text/csv" },
    body: csv,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { import: ImportBody; suggestedMapping: Record<string, string> };
}

async function finished(actor: Actor, id: string) {
  return vi.waitFor(
    async () => {
      const body = (await (await send(actor, "GET", `/imports/${id}`)).json()) as ImportBody;
      if (body.status !== "done" && body.status !== "failed") throw new Error(`still ${body.status}`);
      return body;
    },
    { timeout: 30_000, interval: 50 },
  );
}

async function importThrough(
  actor: Actor,
  csv: string,
  duplicateAction: "skip" | "update" | "create" = "skip",
  mapping?: Record<string, string>,
) {
  const up = await uploaded(actor, csv);
  const mapped = await send(actor, "PUT", `/imports/${up.import.id}/mapping`, {
    mapping: mapping ?? up.suggestedMapping,
    duplicateAction,
  });
  expect(mapped.status, await mapped.clone().text()).toBe(200);
  expect((await send(actor, "POST", `/imports/${up.import.id}/start`)).status).toBe(202);
  return finished(actor, up.import.id);
}

async function allErrors(actor: Actor, id: string) {
  const res = await send(actor, "GET", `/imports/${id}/errors?limit=100`);
  return ((await res.json()) as { data: RowErrors[] }).data;
}

async function addField(actor: Actor, field: Record<string, unknown>) {
  const res = await send(actor, "POST", "/custom-fields", { objectType: "contact", ...field });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
}

const customOf = async (tenantId: string, name: string) => {
  const [row] = await rowsOf("SELECT custom FROM contacts WHERE tenant_id = ? AND name = ?", tenantId, name);
  return JSON.parse(String(row?.custom ?? "null")) as Record<string, unknown> | null;
};

let tenant: Tenant;
let other: Tenant;

beforeAll(async () => {
  [tenant, other] = await Promise.all([createTenant("Custom imports"), createTenant("Other custom")]);
  await addField(tenant.owner, { key: "budget", labelAr: "الميزانية", labelEn: "Budget", type: "money" });
  await addField(tenant.owner, {
    key: "district",
    labelAr: "الحي",
    labelEn: "District",
    type: "select",
    options: [
      { value: "olaya", labelAr: "العليا", labelEn: "Olaya" },
      { value: "malqa", labelAr: "الملقا", labelEn: "Malqa" },
    ],
  });
  await addField(tenant.owner, {
    key: "bedrooms",
    labelAr: "غرف النوم",
    labelEn: "Bedrooms",
    type: "number",
  });
  const archived = await addField(tenant.owner, {
    key: "old_code",
    labelAr: "رمز قديم",
    labelEn: "Old code",
    type: "text",
  });
  expect((await send(tenant.owner, "POST", `/custom-fields/${archived.id}/archive`)).status).toBeLessThan(
    300,
  );
  await addField(other.owner, { key: "secret", labelAr: "سر", labelEn: "Secret", type: "text" });
});

describe("mapping columns to custom fields", () => {
  it("suggests custom fields from their Arabic or English label, never an archived one", () => {
    const fields = [
      { key: "budget", labelAr: "الميزانية", labelEn: "Budget", archivedAt: null },
      { key: "old_code", labelAr: "رمز قديم", labelEn: "Old code", archivedAt: 1 },
    ];
    expect(suggestMapping(["الاسم", "الميزانيه", "Old code"], fields)).toEqual({
      "0": "name",
      "1": "custom.budget",
    });
    expect(suggestMapping(["Name", "BUDGET"], fields)).toEqual({ "0": "name", "1": "custom.budget" });
  });

  it("answers the upload with custom fields in the suggested mapping", async () => {
    const up = await uploaded(tenant.owner, "الاسم,الميزانية,District,غرف النوم\nنورة,1500,Olaya,3\n");
    expect(up.suggestedMapping).toEqual({
      "0": "name",
      "1": "custom.budget",
      "2": "custom.district",
      "3": "custom.bedrooms",
    });
  });

  it("refuses unknown, archived, another tenant's and malformed custom targets, and writes nothing", async () => {
    const up = await uploaded(tenant.owner, "name,x\nA,1\n");
    for (const target of [
      "custom.nope",
      "custom.old_code",
      "custom.secret",
      "custom.",
      "custom.Budget",
      "budget",
    ]) {
      await expectProblem(
        await send(tenant.owner, "PUT", `/imports/${up.import.id}/mapping`, {
          mapping: { "0": "name", "1": target },
          duplicateAction: "skip",
        }),
        422,
        "VALIDATION_FAILED",
      );
    }
    await expectProblem(
      await send(tenant.owner, "PUT", `/imports/${up.import.id}/mapping`, {
        mapping: { "0": "name", "1": "custom.budget", "2": "custom.budget" },
        duplicateAction: "skip",
      }),
      422,
      "VALIDATION_FAILED",
    );
    const [row] = await rowsOf("SELECT status, mapping FROM imports WHERE id = ?", up.import.id);
    // Still the mapping suggested at upload.
    expect(row).toMatchObject({ status: "uploaded", mapping: '{"0":"name"}' });
  });

  it("hides another tenant's import from a custom mapping (404)", async () => {
    const up = await uploaded(other.owner, "name\nA\n");
    await expectProblem(
      await send(tenant.owner, "PUT", `/imports/${up.import.id}/mapping`, {
        mapping: { "0": "name" },
        duplicateAction: "skip",
      }),
      404,
      "NOT_FOUND",
    );
  });

  it("imports custom values in 200-row chunks, reports bad values by column, and writes good rows once", async () => {
    const lines = ["الاسم,الجوال,الميزانية,الحي,غرف النوم"];
    const bad = new Map<number, string>();
    for (let n = 1; n <= 450; n++) {
      const phone = `05${String(60_000_000 + n).padStart(8, "0")}`;
      if (n % 100 === 0) {
        bad.set(n, "custom.budget");
        lines.push(`عميل ${n},${phone},كثير,العليا,2`);
      } else if (n % 75 === 0) {
        bad.set(n, "custom.district");
        lines.push(`عميل ${n},${phone},1000,Nowhere,2`);
      } else {
        lines.push(`عميل ${n},${phone},"١٬٥٠٠٫٥٠",${n % 2 ? "العليا" : "malqa"},${n % 5}`);
      }
    }
    const csv = `${lines.join("\r\n")}\r\n`;
    const first = await importThrough(tenant.owner, csv);
    expect(first).toMatchObject({ status: "done", createdCount: 450 - bad.size, errorCount: bad.size });
    expect(await customOf(tenant.tenantId, "عميل 1")).toEqual({
      budget: 150050,
      district: "olaya",
      bedrooms: 1,
    });
    expect(await customOf(tenant.tenantId, "عميل 2")).toEqual({
      budget: 150050,
      district: "malqa",
      bedrooms: 2,
    });
    // An empty cell stores nothing (bedrooms 0 is a value; n % 5 === 0 writes "0").
    expect(await customOf(tenant.tenantId, "عميل 5")).toMatchObject({ bedrooms: 0 });
    expect(
      await rowsOf("SELECT 1 FROM contacts WHERE tenant_id = ? AND name = 'عميل 100'", tenant.tenantId),
    ).toEqual([]);

    const errors = await allErrors(tenant.owner, first.id);
    expect(errors.map((row) => row.rowNumber)).toEqual([...bad.keys()].sort((a, b) => a - b));
    const budgetError = errors.find((row) => row.rowNumber === 100)?.errors[0];
    expect(budgetError).toMatchObject({ field: "custom.budget", code: "invalid_money" });
    expect(budgetError?.message).toContain('Column "الميزانية"');
    expect(errors.find((row) => row.rowNumber === 75)?.errors[0]).toMatchObject({
      field: "custom.district",
      code: "invalid_option",
    });

    // The same file again: every good row is a duplicate now, nothing is written twice.
    const second = await importThrough(tenant.owner, csv);
    expect(second).toMatchObject({ createdCount: 0, skippedCount: 450 - bad.size, errorCount: bad.size });
    const [{ n }] = (await rowsOf(
      "SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ? AND name LIKE 'عميل %'",
      tenant.tenantId,
    )) as [{ n: number }];
    expect(n).toBe(450 - bad.size);
  }, 60_000);

  it("merges custom values into the stored contact on update; an empty cell keeps the stored value", async () => {
    await importThrough(tenant.owner, "name,phone,budget,district\nمها,0557770001,2000,malqa\n");
    const updated = await importThrough(
      tenant.owner,
      "name,phone,bedrooms,district\nمها,0557770001,4,\n",
      "update",
      { "0": "name", "1": "phone", "2": "custom.bedrooms", "3": "custom.district" },
    );
    expect(updated).toMatchObject({ updatedCount: 1, createdCount: 0 });
    expect(await customOf(tenant.tenantId, "مها")).toEqual({
      budget: 200000,
      district: "malqa",
      bedrooms: 4,
    });
  });

  it("requires a required custom field to be mapped (unless updating), and fails new rows that leave it empty", async () => {
    const { tenantId, owner } = await createTenant("Required custom");
    await addField(owner, {
      key: "service",
      labelAr: "الخدمة",
      labelEn: "Service",
      type: "text",
      required: true,
    });
    const up = await uploaded(owner, "name,phone\nA,0558880001\n");
    const refused = await expectProblem(
      await send(owner, "PUT", `/imports/${up.import.id}/mapping`, {
        mapping: { "0": "name", "1": "phone" },
        duplicateAction: "skip",
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(JSON.stringify(refused)).toContain("Service");

    const result = await importThrough(owner, "name,service\nWith,Cleaning\nWithout,\n");
    expect(result).toMatchObject({ createdCount: 1, errorCount: 1 });
    expect(await customOf(tenantId, "With")).toEqual({ service: "Cleaning" });
    const [failure] = await allErrors(owner, result.id);
    expect(failure).toMatchObject({ rowNumber: 2, errors: [{ field: "custom.service", code: "required" }] });
  });
});

describe("exporting custom fields", () => {
  it("adds one column per active custom field, headed by its label, formula-safe, in the reader's language", async () => {
    const { owner } = await createTenant("Export custom");
    await addField(owner, { key: "budget", labelAr: "الميزانية", labelEn: "Budget", type: "money" });
    await addField(owner, {
      key: "district",
      labelAr: "الحي",
      labelEn: "District",
      type: "select",
      options: [{ value: "olaya", labelAr: "العليا", labelEn: "Olaya" }],
    });
    await addField(owner, { key: "memo", labelAr: "مذكرة", labelEn: "Memo", type: "text" });
    const archived = await addField(owner, { key: "gone", labelAr: "قديم", labelEn: "Gone", type: "text" });
    const created = await send(owner, "POST", "/contacts", {
      name: "نورة",
      source: "walk_in",
      custom: { budget: 150050, district: "olaya", memo: "=1+2", gone: "hidden" },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    await send(owner, "POST", `/custom-fields/${archived.id}/archive`);

    const ar = await (await call("/api/v1/exports/contacts.csv?lang=ar", { headers: owner.auth })).text();
    const [arHeader, arRow] = ar.replace("\uFEFF", "").split("\r\n");
    expect(arHeader?.endsWith(",الميزانية,الحي,مذكرة")).toBe(true);
    expect(arRow?.endsWith(`,1500.50,العليا,"'=1+2"`)).toBe(true);
    expect(ar).not.toContain("hidden");

    const en = await (await call("/api/v1/exports/contacts.csv?lang=en", { headers: owner.auth })).text();
    const [enHeader, enRow] = en.replace("\uFEFF", "").split("\r\n");
    expect(enHeader?.endsWith(",Budget,District,Memo")).toBe(true);
    expect(enRow?.endsWith(`,1500.50,Olaya,"'=1+2"`)).toBe(true);
  });
});

describe("past imports", () => {
  it("lists imports newest first with a cursor; agents see only their own; never another tenant's", async () => {
    const { owner, agent } = await createTenant("History");
    const ids: string[] = [];
    for (const [actor, name] of [
      [owner, "a.csv"],
      [agent, "b.csv"],
      [owner, "c.csv"],
    ] as const) {
      ids.push((await uploaded(actor, "name\nX\n", name)).import.id);
    }
    await uploaded(other.owner, "name\nForeign\n", "foreign.csv");
    // Distinct creation times, in upload order.
    for (const [index, id] of ids.entries()) {
      await env.DB.prepare("UPDATE imports SET created_at = ? WHERE id = ?")
        .bind(1_700_000_000_000 + index, id)
        .run();
    }

    const first = await send(owner, "GET", "/imports?limit=2");
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { data: ImportBody[]; nextCursor: string | null };
    expect(page1.data.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await (
      await send(owner, "GET", `/imports?limit=2&cursor=${page1.nextCursor}`)
    ).json()) as { data: ImportBody[]; nextCursor: string | null };
    expect(page2).toEqual({
      data: [expect.objectContaining({ id: ids[0], status: "uploaded" })],
      nextCursor: null,
    });

    const agents = (await (await send(agent, "GET", "/imports")).json()) as { data: ImportBody[] };
    expect(agents.data.map((item) => item.id)).toEqual([ids[1]]);

    await expectProblem(await send(owner, "GET", "/imports?cursor=nonsense"), 422, "VALIDATION_FAILED");
    await expectProblem(await send(owner, "GET", "/imports?limit=0"), 422, "VALIDATION_FAILED");
    await expectProblem(await call("/api/v1/imports"), 401, "UNAUTHENTICATED");
  });
});
