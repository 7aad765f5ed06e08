import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, countRows, expectProblem, postJson } from "../../test/helpers";
import { contacts } from "../contacts/contacts.schema";
import { dbFor } from "../db/client";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { nameKey, normaliseText } from "../platform/text-normalise";
import { customFieldCondition, customFilterConditions } from "./custom-field-filter";
import { MAX_ACTIVE_FIELDS_PER_OBJECT } from "./custom-fields.model";

type Auth = { Authorization: string };

interface Field {
  id: string;
  objectType: string;
  key: string;
  labelAr: string;
  labelEn: string;
  type: string;
  options: { value: string; labelAr: string; labelEn: string }[] | null;
  required: boolean;
  position: number;
  archivedAt: string | null;
}

const DISTRICT = {
  objectType: "contact",
  key: "district",
  labelAr: "الحي",
  labelEn: "District",
  type: "select",
  options: [
    { value: "olaya", labelAr: "العليا", labelEn: "Olaya" },
    { value: "malqa", labelAr: "الملقا", labelEn: "Al Malqa" },
  ],
};

const create = (auth: Auth, body: unknown, headers: Record<string, string> = {}) =>
  postJson("/api/v1/custom-fields", body, { ...auth, ...headers });
const list = (auth: Auth, query = "") => call(`/api/v1/custom-fields${query}`, { headers: auth });
const patch = (auth: Auth, id: string, body: unknown) =>
  call(`/api/v1/custom-fields/${id}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
const action = (auth: Auth, id: string, verb: "archive" | "restore") =>
  call(`/api/v1/custom-fields/${id}/${verb}`, { method: "POST", headers: auth });

async function newField(auth: Auth, body: Record<string, unknown>) {
  const res = await create(auth, body);
  expect(res.status).toBe(201);
  return (await res.json()) as Field;
}

const fieldRows = (tenantId: string) =>
  env.DB.prepare("SELECT * FROM custom_field_definitions WHERE tenant_id = ? ORDER BY position")
    .bind(tenantId)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

const auditActions = (tenantId: string) =>
  env.DB.prepare(
    "SELECT action, target_id FROM audit_events WHERE tenant_id = ? AND action LIKE 'custom_field.%' ORDER BY created_at, rowid",
  )
    .bind(tenantId)
    .all<{ action: string; target_id: string }>()
    .then((r) => r.results);

describe("POST /api/v1/custom-fields", () => {
  it("creates a field at the end of its object's list, audited in the same write", async () => {
    const { tenantId, manager } = await createTenant();
    const first = await newField(manager.auth, DISTRICT);
    expect(first).toMatchObject({
      id: expect.stringMatching(/^cfd_/),
      key: "district",
      type: "select",
      options: DISTRICT.options,
      required: false,
      position: 0,
      archivedAt: null,
    });
    const second = await newField(manager.auth, {
      objectType: "contact",
      key: "budget",
      labelAr: " الميزانية ",
      labelEn: "Budget",
      type: "money",
      required: true,
    });
    expect(second).toMatchObject({ position: 1, labelAr: "الميزانية", options: null, required: true });
    const rows = await fieldRows(tenantId);
    expect(rows.map((r) => [r.key, r.position, r.required])).toEqual([
      ["district", 0, 0],
      ["budget", 1, 1],
    ]);
    expect(JSON.parse(String(rows[0]?.options))).toEqual(DISTRICT.options);
    expect(await auditActions(tenantId)).toEqual([
      { action: "custom_field.created", target_id: first.id },
      { action: "custom_field.created", target_id: second.id },
    ]);
  });

  it("lets the same key exist on another object and in another tenant, but 409s a duplicate", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await newField(a.manager.auth, DISTRICT);
    await newField(a.manager.auth, { ...DISTRICT, objectType: "deal" });
    await newField(b.manager.auth, DISTRICT);
    const [fields, audit] = [await countRows("custom_field_definitions"), await countRows("audit_events")];
    await expectProblem(await create(a.owner.auth, { ...DISTRICT, labelEn: "Other" }), 409, "CONFLICT");
    expect(await countRows("custom_field_definitions")).toBe(fields);
    expect(await countRows("audit_events")).toBe(audit);
  });

  it("replays a create with the same Idempotency-Key", async () => {
    const { tenantId, manager } = await createTenant();
    const headers = { "Idempotency-Key": "cf-create-1" };
    const first = await create(manager.auth, DISTRICT, headers);
    const again = await create(manager.auth, DISTRICT, headers);
    expect(again.status).toBe(201);
    expect(((await again.json()) as Field).id).toBe(((await first.json()) as Field).id);
    expect(await fieldRows(tenantId)).toHaveLength(1);
  });

  it("refuses an agent (manager minimum) and writes nothing", async () => {
    const { tenantId, agent } = await createTenant();
    await expectProblem(await create(agent.auth, DISTRICT), 403, "FORBIDDEN");
    expect(await fieldRows(tenantId)).toHaveLength(0);
  });

  it.each([
    ["a key with capitals", { ...DISTRICT, key: "District" }, "key"],
    ["a key with spaces", { ...DISTRICT, key: "my field" }, "key"],
    ["a key starting with a digit", { ...DISTRICT, key: "1st" }, "key"],
    ["an Arabic key", { ...DISTRICT, key: "الحي" }, "key"],
    ["an unknown type", { ...DISTRICT, type: "checkbox" }, "type"],
    ["an unknown object", { ...DISTRICT, objectType: "invoice" }, "objectType"],
    ["an empty label", { ...DISTRICT, labelAr: "  " }, "labelAr"],
    ["a missing English label", { ...DISTRICT, labelEn: undefined }, "labelEn"],
    ["a select without options", { ...DISTRICT, options: undefined }, "options"],
    ["a select with no options", { ...DISTRICT, options: [] }, "options"],
    ["a text field with options", { ...DISTRICT, type: "text" }, "options"],
    [
      "duplicate option values",
      { ...DISTRICT, options: [DISTRICT.options[0], { ...DISTRICT.options[1], value: "olaya" }] },
      "options.1.value",
    ],
    ["an option without labels", { ...DISTRICT, options: [{ value: "x" }] }, "options.0.labelAr"],
    [
      "an option value with spaces",
      { ...DISTRICT, options: [{ ...DISTRICT.options[0], value: "a b" }] },
      "options.0.value",
    ],
    ["required that is not a boolean", { ...DISTRICT, required: "yes" }, "required"],
    ["an unknown field", { ...DISTRICT, tenantId: "ten_00000000000000000000" }, "body"],
  ])("rejects %s with 422 and writes nothing", async (_label, body, path) => {
    const { tenantId, manager } = await createTenant();
    const audit = await countRows("audit_events");
    const problem = await expectProblem(await create(manager.auth, body), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await fieldRows(tenantId)).toHaveLength(0);
    expect(await countRows("audit_events")).toBe(audit);
  });

  it(`stops at ${MAX_ACTIVE_FIELDS_PER_OBJECT} active fields per object; archived ones do not count`, async () => {
    const { tenantId, manager } = await createTenant();
    const now = Date.now();
    const inserts = Array.from({ length: MAX_ACTIVE_FIELDS_PER_OBJECT }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO custom_field_definitions (id, tenant_id, object_type, key, label_ar, label_en, type, required, position, created_at, updated_at) VALUES (?, ?, 'contact', ?, 'ح', 'F', 'text', 0, ?, ?, ?)",
      ).bind(newId(idPrefixes.customField), tenantId, `field_${i}`, i, now, now),
    );
    await env.DB.batch(inserts);
    const audit = await countRows("audit_events");
    await expectProblem(await create(manager.auth, DISTRICT), 409, "CONFLICT");
    expect(await countRows("audit_events")).toBe(audit);
    expect(await fieldRows(tenantId)).toHaveLength(MAX_ACTIVE_FIELDS_PER_OBJECT);
    // Another object is not affected.
    await newField(manager.auth, { ...DISTRICT, objectType: "deal" });

    const rows = await fieldRows(tenantId);
    const oneId = String(rows[0]?.id);
    expect((await action(manager.auth, oneId, "archive")).status).toBe(200);
    const added = await newField(manager.auth, DISTRICT);
    expect(added.position).toBe(MAX_ACTIVE_FIELDS_PER_OBJECT);
    // Full again: the archived one cannot come back.
    await expectProblem(await action(manager.auth, oneId, "restore"), 409, "CONFLICT");
    expect((await fieldRows(tenantId)).find((r) => r.id === oneId)?.archived_at).not.toBeNull();
  });
});

describe("concurrent creates", () => {
  it("never pass the limit together: one of five succeeds at 49 active fields", async () => {
    const { tenantId, manager } = await createTenant();
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: MAX_ACTIVE_FIELDS_PER_OBJECT - 1 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO custom_field_definitions (id, tenant_id, object_type, key, label_ar, label_en, type, required, position, created_at, updated_at) VALUES (?, ?, 'deal', ?, 'ح', 'F', 'text', 0, ?, ?, ?)",
        ).bind(newId(idPrefixes.customField), tenantId, `field_${i}`, i, now, now),
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        create(manager.auth, { ...DISTRICT, objectType: "deal", key: `race_${i}` }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await fieldRows(tenantId)).toHaveLength(MAX_ACTIVE_FIELDS_PER_OBJECT);
    expect(new Set((await fieldRows(tenantId)).map((r) => r.position)).size).toBe(
      MAX_ACTIVE_FIELDS_PER_OBJECT,
    );
    expect(await auditActions(tenantId)).toHaveLength(1);
  });
});

describe("GET /api/v1/custom-fields", () => {
  it("lists the tenant's fields per object, archived ones included, to agents too", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const district = await newField(a.manager.auth, DISTRICT);
    const size = await newField(a.manager.auth, {
      objectType: "deal",
      key: "unit_size",
      labelAr: "المساحة",
      labelEn: "Size",
      type: "number",
    });
    await newField(b.manager.auth, { ...DISTRICT, key: "other_tenant" });
    await action(a.manager.auth, size.id, "archive");

    const all = await list(a.agent.auth);
    expect(all.status).toBe(200);
    const { data } = (await all.json()) as { data: Field[] };
    expect(data.map((f) => [f.objectType, f.key, f.archivedAt !== null])).toEqual([
      ["contact", "district", false],
      ["deal", "unit_size", true],
    ]);
    const contactsOnly = (await (await list(a.agent.auth, "?objectType=contact")).json()) as {
      data: Field[];
    };
    expect(contactsOnly.data.map((f) => f.id)).toEqual([district.id]);
    await expectProblem(await list(a.agent.auth, "?objectType=invoice"), 422, "VALIDATION_FAILED");
  });
});

describe("PATCH /api/v1/custom-fields/{fieldId}", () => {
  it("changes labels, options, required and position; key and type stay; audited", async () => {
    const { tenantId, manager } = await createTenant();
    const field = await newField(manager.auth, DISTRICT);
    const options = [{ value: "hittin", labelAr: "حطين", labelEn: "Hittin" }];
    const res = await patch(manager.auth, field.id, {
      labelEn: "Neighbourhood",
      options,
      required: true,
      position: 7,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      key: "district",
      type: "select",
      labelAr: "الحي",
      labelEn: "Neighbourhood",
      options,
      required: true,
      position: 7,
    });
    const [row] = await fieldRows(tenantId);
    expect(row).toMatchObject({ label_en: "Neighbourhood", required: 1, position: 7, key: "district" });
    expect((await auditActions(tenantId)).map((a) => a.action)).toEqual([
      "custom_field.created",
      "custom_field.updated",
    ]);
  });

  it.each([
    ["a key change", { key: "other" }],
    ["a type change", { type: "text" }],
    ["an empty body", {}],
    ["an empty label", { labelAr: "" }],
    ["a negative position", { position: -1 }],
    ["duplicate options", { options: [DISTRICT.options[0], DISTRICT.options[0]] }],
  ])("rejects %s with 422 and changes nothing", async (_label, body) => {
    const { tenantId, manager } = await createTenant();
    const field = await newField(manager.auth, DISTRICT);
    const [before, audit] = [await fieldRows(tenantId), await countRows("audit_events")];
    await expectProblem(await patch(manager.auth, field.id, body), 422, "VALIDATION_FAILED");
    expect(await fieldRows(tenantId)).toEqual(before);
    expect(await countRows("audit_events")).toBe(audit);
  });

  it("refuses options on a field that is not a select", async () => {
    const { tenantId, manager } = await createTenant();
    const field = await newField(manager.auth, { ...DISTRICT, type: "text", options: undefined });
    const before = await fieldRows(tenantId);
    const problem = await expectProblem(
      await patch(manager.auth, field.id, { options: DISTRICT.options }),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors).toEqual([expect.objectContaining({ path: "options" })]);
    expect(await fieldRows(tenantId)).toEqual(before);
  });

  it("refuses agents, and answers 404 for another tenant's field", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const field = await newField(a.manager.auth, DISTRICT);
    await expectProblem(await patch(a.agent.auth, field.id, { labelEn: "X" }), 403, "FORBIDDEN");
    await expectProblem(await patch(b.owner.auth, field.id, { labelEn: "X" }), 404, "NOT_FOUND");
    await expectProblem(await action(b.owner.auth, field.id, "archive"), 404, "NOT_FOUND");
    expect((await fieldRows(a.tenantId))[0]).toMatchObject({ label_en: "District", archived_at: null });
  });
});

describe("archive and restore", () => {
  it("archives and restores (both idempotent), auditing only real changes", async () => {
    const { tenantId, manager } = await createTenant();
    const field = await newField(manager.auth, DISTRICT);
    const archived = await action(manager.auth, field.id, "archive");
    expect(archived.status).toBe(200);
    expect(((await archived.json()) as Field).archivedAt).not.toBeNull();
    expect((await action(manager.auth, field.id, "archive")).status).toBe(200);
    const restored = await action(manager.auth, field.id, "restore");
    expect(((await restored.json()) as Field).archivedAt).toBeNull();
    expect((await action(manager.auth, field.id, "restore")).status).toBe(200);
    expect((await auditActions(tenantId)).map((a) => a.action)).toEqual([
      "custom_field.created",
      "custom_field.archived",
      "custom_field.restored",
    ]);
  });
});

describe("customFieldCondition (list filters over contacts.custom)", () => {
  let tenantId: string;
  const db = () => dbFor(env.DB);

  async function insertContact(name: string, custom: Record<string, unknown>, tenant = tenantId) {
    const now = Date.now();
    const id = newId(idPrefixes.contact);
    await db()
      .insert(contacts)
      .values({
        id,
        tenantId: tenant,
        name,
        nameNorm: normaliseText(name),
        nameKey: nameKey(name),
        source: "walk_in",
        custom: custom as never,
        createdAt: now,
        updatedAt: now,
      });
    return name;
  }

  beforeAll(async () => {
    tenantId = (await createTenant()).tenantId;
    const other = (await createTenant()).tenantId;
    await insertContact("نورة", {
      district: "olaya",
      services: ["viewing", "valuation"],
      bedrooms: 3,
      budget: 150_000_000,
      move_in: "2026-12-05",
      campaign: "Ramadan 2026",
      office_phone: "+966112345678",
    });
    await insertContact("Fahad", {
      district: "malqa",
      services: ["valuation"],
      bedrooms: 5,
      budget: 90_000_000,
      move_in: "2027-01-10",
      campaign: "ramadan 2026",
    });
    await insertContact("Sara", { services: [] });
    await insertContact("Other tenant", { district: "olaya", bedrooms: 3 }, other);
  });

  const names = async (field: { key: string; type: string }, value: string) => {
    const rows = await db()
      .select({ name: contacts.name })
      .from(contacts)
      .where(
        and(eq(contacts.tenantId, tenantId), customFieldCondition(contacts.custom, field as never, value)),
      );
    return rows.map((r) => r.name).sort();
  };

  it.each([
    [{ key: "district", type: "select" }, "olaya", ["نورة"]],
    [{ key: "district", type: "select" }, "olaya,malqa", ["Fahad", "نورة"]],
    [{ key: "district", type: "select" }, "hittin", []],
    [{ key: "services", type: "multi_select" }, "viewing", ["نورة"]],
    [{ key: "services", type: "multi_select" }, "valuation", ["Fahad", "نورة"]],
    [{ key: "services", type: "multi_select" }, "viewing,other", ["نورة"]],
    [{ key: "bedrooms", type: "number" }, "3", ["نورة"]],
    [{ key: "bedrooms", type: "number" }, "٥", ["Fahad"]],
    [{ key: "bedrooms", type: "number" }, "4..", ["Fahad"]],
    [{ key: "bedrooms", type: "number" }, "..4", ["نورة"]],
    [{ key: "bedrooms", type: "number" }, "2..6", ["Fahad", "نورة"]],
    [{ key: "budget", type: "money" }, "100000000..", ["نورة"]],
    [{ key: "move_in", type: "date" }, "2026-12-01..2026-12-31", ["نورة"]],
    [{ key: "move_in", type: "date" }, "2027-01-10", ["Fahad"]],
    [{ key: "campaign", type: "text" }, "RAMADAN 2026", ["Fahad", "نورة"]],
    [{ key: "office_phone", type: "phone" }, "011 234 5678", ["نورة"]],
  ])("%j = %s", async (field, value, expected) => {
    expect(await names(field, value)).toEqual(expected);
  });

  it.each([
    [{ key: "bedrooms", type: "number" }, "three"],
    [{ key: "bedrooms", type: "number" }, ".."],
    [{ key: "bedrooms", type: "number" }, "1..2..3"],
    [{ key: "move_in", type: "date" }, "2026-02-30"],
    [{ key: "office_phone", type: "phone" }, "12"],
    [{ key: "district", type: "select" }, "  "],
  ])("%j = %j is a 422 naming custom.<key>", (field, value) => {
    try {
      customFieldCondition(contacts.custom, field as never, value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).errors).toEqual([expect.objectContaining({ path: `custom.${field.key}` })]);
    }
  });

  it("ANDs every custom.* query parameter and refuses unknown keys", async () => {
    const definitions = [
      { key: "district", type: "select" as const },
      { key: "bedrooms", type: "number" as const },
    ];
    const condition = customFilterConditions(contacts.custom, definitions, {
      "custom.district": "olaya,malqa",
      "custom.bedrooms": "4..",
      status: "new",
    });
    const rows = await db()
      .select({ name: contacts.name })
      .from(contacts)
      .where(and(eq(contacts.tenantId, tenantId), condition));
    expect(rows.map((r) => r.name)).toEqual(["Fahad"]);
    expect(customFilterConditions(contacts.custom, definitions, { status: "new" })).toBeUndefined();
    expect(() => customFilterConditions(contacts.custom, definitions, { "custom.nope": "x" })).toThrow(
      ApiError,
    );
  });
});
