import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant } from "../../test/fixtures";
import { call, callCountingD1, expectProblem } from "../../test/helpers";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Auth = Record<string, string>;
type Deal = { id: string; title: string; custom: Record<string, unknown>; version: number };

const send = (auth: Auth, method: string, path: string, body?: unknown, headers = {}) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...auth, ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function newDeal(auth: Auth, body: Record<string, unknown> = {}) {
  const res = await send(auth, "POST", "/deals", { title: "فيلا الملقا", ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Deal;
}

async function defineField(auth: Auth, body: Record<string, unknown>) {
  const res = await send(auth, "POST", "/custom-fields", {
    objectType: "deal",
    labelAr: "حقل",
    labelEn: "Field",
    ...body,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

const DISTRICT = {
  key: "district",
  labelAr: "الحي",
  labelEn: "District",
  type: "select",
  options: [
    { value: "narjis", labelAr: "النرجس", labelEn: "Al Narjis" },
    { value: "malqa", labelAr: "الملقا", labelEn: "Al Malqa" },
  ],
};

/** The deal fields most tests use: a select, a money amount and a date. */
async function withDealFields(tenant: Tenant) {
  await defineField(tenant.manager.auth, DISTRICT);
  await defineField(tenant.manager.auth, { key: "budget", type: "money" });
  await defineField(tenant.manager.auth, { key: "handover", type: "date" });
}

/** What D1 holds for a tenant's deals: count, and each deal's custom JSON and version. */
async function storedDeals(tenantId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, custom, version FROM deals WHERE tenant_id = ? ORDER BY created_at, id",
  )
    .bind(tenantId)
    .all<{ id: string; custom: string; version: number }>();
  return results.map((row) => ({ id: row.id, custom: JSON.parse(row.custom), version: row.version }));
}

const auditCount = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action LIKE 'deal.%'",
    )
      .bind(tenantId)
      .first<{ n: number }>()
  )?.n ?? 0;

const patch = (auth: Auth, id: string, body: unknown, version: number) =>
  send(auth, "PATCH", `/deals/${id}`, body, { "If-Match": `"${version}"` });

const titles = async (auth: Auth, query: string) => {
  const res = await send(auth, "GET", `/deals${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { data: Deal[] }).data.map((d) => d.title).sort();
};

describe("custom fields on deals", () => {
  it("stores checked values on create, returns them, and refuses bad ones with per-field errors, writing nothing", async () => {
    const tenant = await createTenant();
    await withDealFields(tenant);
    const deal = await newDeal(tenant.manager.auth, {
      custom: { district: "narjis", budget: 150_000_00, handover: "2026-12-31" },
    });
    expect(deal.custom).toEqual({ district: "narjis", budget: 150_000_00, handover: "2026-12-31" });
    expect((await storedDeals(tenant.tenantId))[0]?.custom).toEqual(deal.custom);
    const read = await send(tenant.manager.auth, "GET", `/deals/${deal.id}`);
    expect(((await read.json()) as Deal).custom).toEqual(deal.custom);
    // Without custom values a deal stores an empty object.
    expect((await newDeal(tenant.manager.auth)).custom).toEqual({});

    const [deals, audits] = [await storedDeals(tenant.tenantId), await auditCount(tenant.tenantId)];
    const refused = await expectProblem(
      await send(tenant.manager.auth, "POST", "/deals", {
        title: "Bad",
        custom: { district: "olaya", budget: -5, handover: "2026-02-30", nothing: "x" },
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(refused.errors?.map((e) => [e.path, e.code]).sort()).toEqual([
      ["custom.budget", "invalid_money"],
      ["custom.district", "invalid_option"],
      ["custom.handover", "invalid_date"],
      ["custom.nothing", "unknown_field"],
    ]);
    // A bad reference and a bad value are reported together.
    const both = await expectProblem(
      await send(tenant.manager.auth, "POST", "/deals", {
        title: "Bad",
        ownerId: "usr_00000000000000000000",
        custom: { budget: "a lot" },
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(both.errors?.map((e) => e.path).sort()).toEqual(["custom.budget", "ownerId"]);
    // Not an object at all: refused by the schema.
    await expectProblem(
      await send(tenant.manager.auth, "POST", "/deals", { title: "Bad", custom: ["narjis"] }),
      422,
      "VALIDATION_FAILED",
    );
    expect(await storedDeals(tenant.tenantId)).toEqual(deals);
    expect(await auditCount(tenant.tenantId)).toBe(audits);
  });

  it("requires a required field on create and refuses clearing it on update", async () => {
    const tenant = await createTenant();
    await defineField(tenant.manager.auth, { key: "unit_no", type: "text", required: true });
    const missing = await expectProblem(
      await send(tenant.manager.auth, "POST", "/deals", { title: "No unit" }),
      422,
      "VALIDATION_FAILED",
    );
    expect(missing.errors?.map((e) => [e.path, e.code])).toEqual([["custom.unit_no", "required"]]);
    expect(await storedDeals(tenant.tenantId)).toEqual([]);
    const deal = await newDeal(tenant.manager.auth, { custom: { unit_no: " B-12 " } });
    expect(deal.custom).toEqual({ unit_no: "B-12" });
    const cleared = await expectProblem(
      await patch(tenant.manager.auth, deal.id, { custom: { unit_no: null } }, 1),
      422,
      "VALIDATION_FAILED",
    );
    expect(cleared.errors?.[0]).toMatchObject({ path: "custom.unit_no", code: "required" });
    expect(await storedDeals(tenant.tenantId)).toEqual([
      { id: deal.id, custom: { unit_no: "B-12" }, version: 1 },
    ]);
  });

  it("updates as a merge patch: keys sent are set, null removes one, others stay; bad values write nothing", async () => {
    const tenant = await createTenant();
    await withDealFields(tenant);
    const deal = await newDeal(tenant.manager.auth, {
      custom: { district: "narjis", budget: 100, handover: "2026-06-01" },
    });
    const res = await patch(tenant.manager.auth, deal.id, { custom: { district: "malqa", budget: null } }, 1);
    expect(res.status, await res.clone().text()).toBe(200);
    const updated = (await res.json()) as Deal;
    expect(updated.custom).toEqual({ district: "malqa", handover: "2026-06-01" });
    expect(updated.version).toBe(2);
    expect(await storedDeals(tenant.tenantId)).toEqual([
      { id: deal.id, custom: { district: "malqa", handover: "2026-06-01" }, version: 2 },
    ]);
    const audit = await env.DB.prepare(
      "SELECT details FROM audit_events WHERE tenant_id = ? AND action = 'deal.updated'",
    )
      .bind(tenant.tenantId)
      .first<{ details: string }>();
    expect(JSON.parse(String(audit?.details))).toMatchObject({ fields: "custom" });

    // Sending the values the deal already has changes nothing (no new version, no audit row).
    const audits = await auditCount(tenant.tenantId);
    const same = await patch(tenant.manager.auth, deal.id, { custom: { district: "malqa" } }, 2);
    expect(((await same.json()) as Deal).version).toBe(2);
    expect(await auditCount(tenant.tenantId)).toBe(audits);

    // A bad value among good ones: 422 for it, and neither the good values nor the title are written.
    const refused = await expectProblem(
      await patch(
        tenant.manager.auth,
        deal.id,
        { title: "Renamed", custom: { district: "narjis", handover: "soon" } },
        2,
      ),
      422,
      "VALIDATION_FAILED",
    );
    expect(refused.errors?.map((e) => e.path)).toEqual(["custom.handover"]);
    expect(await storedDeals(tenant.tenantId)).toEqual([
      { id: deal.id, custom: { district: "malqa", handover: "2026-06-01" }, version: 2 },
    ]);
    expect(await auditCount(tenant.tenantId)).toBe(audits);
    // A stale version still answers 412 before the values are looked at.
    await expectProblem(
      await patch(tenant.manager.auth, deal.id, { custom: { district: "olaya" } }, 1),
      412,
      "VERSION_MISMATCH",
    );
  });

  it("keeps an archived field's value, refuses changing it, and no longer requires it", async () => {
    const tenant = await createTenant();
    const field = await defineField(tenant.manager.auth, { key: "unit_no", type: "text", required: true });
    const deal = await newDeal(tenant.manager.auth, { custom: { unit_no: "B-12" } });
    const archived = await send(tenant.manager.auth, "POST", `/custom-fields/${field.id}/archive`);
    expect(archived.status).toBe(200);

    // No longer required on create, and cannot be given a value there.
    expect((await newDeal(tenant.manager.auth, { title: "Without" })).custom).toEqual({});
    const onCreate = await expectProblem(
      await send(tenant.manager.auth, "POST", "/deals", { title: "With", custom: { unit_no: "C-1" } }),
      422,
      "VALIDATION_FAILED",
    );
    expect(onCreate.errors?.[0]).toMatchObject({ path: "custom.unit_no", code: "archived_field" });

    // The stored value stays; sending it back unchanged is allowed, changing or clearing it is not.
    const read = await send(tenant.manager.auth, "GET", `/deals/${deal.id}`);
    expect(((await read.json()) as Deal).custom).toEqual({ unit_no: "B-12" });
    const unchanged = await patch(
      tenant.manager.auth,
      deal.id,
      { title: "T", custom: { unit_no: "B-12" } },
      1,
    );
    expect(unchanged.status).toBe(200);
    for (const value of ["B-13", null]) {
      const refused = await expectProblem(
        await patch(tenant.manager.auth, deal.id, { custom: { unit_no: value } }, 2),
        422,
        "VALIDATION_FAILED",
      );
      expect(refused.errors?.[0]).toMatchObject({ path: "custom.unit_no", code: "archived_field" });
    }
    expect((await storedDeals(tenant.tenantId)).find((d) => d.id === deal.id)).toEqual({
      id: deal.id,
      custom: { unit_no: "B-12" },
      version: 2,
    });
    // Records keep archived values, so the list can still be filtered by them (as for contacts).
    expect(await titles(tenant.manager.auth, "?custom.unit_no=b-12")).toEqual(["T"]);
  });

  it("filters the list by custom values, with the other filters, within what an agent may see", async () => {
    const tenant = await createTenant();
    await withDealFields(tenant);
    await defineField(tenant.manager.auth, {
      key: "services",
      type: "multi_select",
      options: [
        { value: "finance", labelAr: "تمويل", labelEn: "Finance" },
        { value: "legal", labelAr: "قانوني", labelEn: "Legal" },
      ],
    });
    const otherAgent = await createMember(tenant.tenantId, "agent");
    await newDeal(tenant.agent.auth, {
      title: "A narjis cheap",
      custom: { district: "narjis", budget: 100_00, services: ["finance"] },
    });
    await newDeal(tenant.agent.auth, {
      title: "A malqa dear",
      custom: { district: "malqa", budget: 900_00, handover: "2026-12-15" },
    });
    await newDeal(tenant.manager.auth, {
      title: "B narjis dear",
      ownerId: otherAgent.userId,
      custom: { district: "narjis", budget: 500_00, services: ["legal", "finance"] },
    });
    await newDeal(tenant.manager.auth, { title: "C none" });

    const manager = tenant.manager.auth;
    expect(await titles(manager, "?custom.district=narjis")).toEqual(["A narjis cheap", "B narjis dear"]);
    expect(await titles(manager, "?custom.district=narjis,malqa&custom.budget=20000..")).toEqual([
      "A malqa dear",
      "B narjis dear",
    ]);
    expect(await titles(manager, "?custom.budget=..50000")).toEqual(["A narjis cheap", "B narjis dear"]);
    expect(await titles(manager, "?custom.handover=2026-12-01..2026-12-31")).toEqual(["A malqa dear"]);
    expect(await titles(manager, "?custom.services=legal")).toEqual(["B narjis dear"]);
    expect(await titles(manager, `?custom.district=narjis&ownerId=${tenant.agent.userId}`)).toEqual([
      "A narjis cheap",
    ]);
    // An agent's filtered list holds only their own deals.
    expect(await titles(tenant.agent.auth, "?custom.district=narjis")).toEqual(["A narjis cheap"]);
    expect(await titles(tenant.agent.auth, "?custom.services=legal")).toEqual([]);

    const unknown = await expectProblem(
      await send(manager, "GET", "/deals?custom.nothing=1"),
      422,
      "VALIDATION_FAILED",
    );
    expect(unknown.errors?.[0]).toMatchObject({ path: "custom.nothing", code: "invalid_filter" });
    await expectProblem(await send(manager, "GET", "/deals?custom.budget=lots"), 422, "VALIDATION_FAILED");
    await expectProblem(
      await send(manager, "GET", "/deals?custom.handover=2026-02-30"),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("keeps a list with many custom filters within D1's 100 bound parameters (else 422, never 500)", async () => {
    const tenant = await createTenant();
    const manager = tenant.manager.auth;
    await defineField(manager, DISTRICT);
    for (const key of ["area", "floors"]) await defineField(manager, { ...DISTRICT, key });
    for (let i = 0; i < 18; i++) await defineField(manager, { key: `d${i}`, type: "date" });
    await newDeal(tenant.agent.auth, { title: "Narjis", custom: { district: "narjis" } });
    // Three "any of" filters of 50 values each: each list is one parameter, not 50.
    const many = ["narjis", ...Array.from({ length: 49 }, (_, i) => `v${i}`)].join(",");
    expect(await titles(tenant.agent.auth, `?custom.district=${many}`)).toEqual(["Narjis"]);
    expect(
      await titles(tenant.agent.auth, `?custom.district=${many}&custom.area=${many}&custom.floors=${many}`),
    ).toEqual([]);
    // Twenty filters (18 of them ranges) with the list's other filters still run.
    const ranges = Array.from({ length: 18 }, (_, i) => `&custom.d${i}=2026-01-01..2026-12-31`).join("");
    const twenty = `?custom.district=${many}&custom.area=${many}${ranges}`;
    expect(await titles(tenant.agent.auth, `${twenty}&ownerId=${tenant.agent.userId}&status=open`)).toEqual(
      [],
    );
    const tooMany = await expectProblem(
      await send(tenant.agent.auth, "GET", `/deals${twenty}&custom.floors=x`),
      422,
      "VALIDATION_FAILED",
    );
    expect(tooMany.errors?.[0]).toMatchObject({ path: "custom", code: "too_many_filters" });
  });

  it("never applies another tenant's fields, nor this tenant's contact fields, to deals", async () => {
    const [home, other] = await Promise.all([createTenant(), createTenant()]);
    await defineField(other.manager.auth, DISTRICT);
    await defineField(home.manager.auth, { ...DISTRICT, objectType: "contact" });
    const refused = await expectProblem(
      await send(home.manager.auth, "POST", "/deals", { title: "X", custom: { district: "narjis" } }),
      422,
      "VALIDATION_FAILED",
    );
    expect(refused.errors?.[0]).toMatchObject({ path: "custom.district", code: "unknown_field" });
    await expectProblem(
      await send(home.manager.auth, "GET", "/deals?custom.district=narjis"),
      422,
      "VALIDATION_FAILED",
    );
    // The other tenant's required field does not make this tenant's deals need it.
    await defineField(other.manager.auth, { key: "unit_no", type: "text", required: true });
    const deal = await newDeal(home.manager.auth);
    await expectProblem(
      await patch(home.manager.auth, deal.id, { custom: { district: "narjis" } }, 1),
      422,
      "VALIDATION_FAILED",
    );
    expect(await storedDeals(home.tenantId)).toEqual([{ id: deal.id, custom: {}, version: 1 }]);
    // And the other tenant's deals keep working with their own fields.
    expect(
      (await newDeal(other.manager.auth, { custom: { district: "malqa", unit_no: "1" } })).custom,
    ).toEqual({ district: "malqa", unit_no: "1" });
  });

  it("lets agents write custom values on their own deals only", async () => {
    const tenant = await createTenant();
    await defineField(tenant.manager.auth, DISTRICT);
    const mine = await newDeal(tenant.agent.auth, { custom: { district: "narjis" } });
    const theirs = await newDeal(tenant.manager.auth, { custom: { district: "narjis" } });
    expect((await patch(tenant.agent.auth, mine.id, { custom: { district: "malqa" } }, 1)).status).toBe(200);
    await expectProblem(
      await patch(tenant.agent.auth, theirs.id, { custom: { district: "malqa" } }, 1),
      404,
      "NOT_FOUND",
    );
    expect((await storedDeals(tenant.tenantId)).map((d) => d.custom)).toEqual([
      { district: "malqa" },
      { district: "narjis" },
    ]);
  });

  it("costs no extra D1 round trip for custom values on writes; a custom filter adds one read", async () => {
    const tenant = await createTenant();
    await defineField(tenant.manager.auth, DISTRICT);
    const deal = await newDeal(tenant.manager.auth);
    const json = { ...tenant.manager.auth, "Content-Type": "application/json" };
    const trips = async (path: string, init: RequestInit = {}) => {
      const { res, d1RoundTrips } = await callCountingD1(`/api/v1${path}`, init);
      expect(res.status).toBeLessThan(300);
      return d1RoundTrips;
    };
    expect(
      await trips("/deals", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ title: "T", custom: { district: "narjis" } }),
      }),
    ).toBe(2);
    expect(
      await trips(`/deals/${deal.id}`, {
        method: "PATCH",
        headers: { ...json, "If-Match": '"1"' },
        body: JSON.stringify({ custom: { district: "malqa" } }),
      }),
    ).toBe(2);
    expect(await trips("/deals?custom.district=malqa", { headers: tenant.manager.auth })).toBe(2);
  });
});
