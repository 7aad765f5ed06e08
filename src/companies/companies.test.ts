import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, createTenant } from "../../test/fixtures";
import { call, expectProblem } from "../../test/helpers";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Company = { id: string; name: string; custom: Record<string, unknown>; version: number };

const send = (actor: Actor, method: string, path: string, body?: unknown, headers = {}) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...actor.auth, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });

async function create(actor: Actor, body: Record<string, unknown>): Promise<Company> {
  const res = await send(actor, "POST", "/companies", body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Company;
}

async function define(actor: Actor, field: Record<string, unknown>) {
  const res = await send(actor, "POST", "/custom-fields", { objectType: "company", ...field });
  expect(res.status, await res.clone().text()).toBe(201);
}

const storedCustom = async (id: string) => {
  const row = await env.DB.prepare("SELECT custom, version FROM companies WHERE id = ?")
    .bind(id)
    .first<{ custom: string; version: number }>();
  return { custom: JSON.parse(row?.custom ?? "null"), version: row?.version };
};

const companyCount = async (tenantId: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM companies WHERE tenant_id = ?")
      .bind(tenantId)
      .first<{ n: number }>()
  )?.n;

const idsOf = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { data: Company[] }).data.map((c) => c.id);
};

let tenant: Tenant;
let other: Tenant;

beforeAll(async () => {
  [tenant, other] = await Promise.all([createTenant("Companies"), createTenant("Other companies")]);
  await define(tenant.manager, {
    key: "sector",
    labelAr: "القطاع",
    labelEn: "Sector",
    type: "select",
    options: [
      { value: "realty", labelAr: "عقار", labelEn: "Real estate" },
      { value: "health", labelAr: "صحة", labelEn: "Health" },
    ],
  });
  await define(tenant.manager, {
    key: "employees",
    labelAr: "الموظفون",
    labelEn: "Employees",
    type: "number",
  });
  // The other tenant's field has a key this tenant never defined, and a required one.
  await define(other.manager, { key: "branch", labelAr: "الفرع", labelEn: "Branch", type: "text" });
  await define(other.manager, {
    key: "region",
    labelAr: "المنطقة",
    labelEn: "Region",
    type: "text",
    required: true,
  });
});

describe("custom fields on companies", () => {
  it("stores checked values on create and answers with them", async () => {
    const company = await create(tenant.agent, {
      name: "Riyadh Realty",
      custom: { sector: "realty", employees: 12 },
    });
    expect(company.custom).toEqual({ sector: "realty", employees: 12 });
    expect((await storedCustom(company.id)).custom).toEqual({ sector: "realty", employees: 12 });
    const read = await send(tenant.agent, "GET", `/companies/${company.id}`);
    expect(((await read.json()) as Company).custom).toEqual({ sector: "realty", employees: 12 });
  });

  it("refuses bad values with one error per field and writes nothing", async () => {
    const before = await companyCount(tenant.tenantId);
    const problem = await expectProblem(
      await send(tenant.agent, "POST", "/companies", {
        name: "Bad values",
        custom: { sector: "mining", employees: "many", nothing: "x" },
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      "custom.employees",
      "custom.nothing",
      "custom.sector",
    ]);
    expect(await companyCount(tenant.tenantId)).toBe(before);
  });

  it("merges an update into the stored values (null clears), and refuses a bad one unchanged", async () => {
    const company = await create(tenant.manager, {
      name: "Merge Co",
      custom: { sector: "health", employees: 3 },
    });
    const patched = await send(
      tenant.manager,
      "PATCH",
      `/companies/${company.id}`,
      { custom: { employees: null, sector: "realty" } },
      { "If-Match": '"1"' },
    );
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(((await patched.json()) as Company).custom).toEqual({ sector: "realty" });
    await expectProblem(
      await send(
        tenant.manager,
        "PATCH",
        `/companies/${company.id}`,
        { name: "Renamed", custom: { employees: "ten" } },
        { "If-Match": '"2"' },
      ),
      422,
      "VALIDATION_FAILED",
    );
    expect(await storedCustom(company.id)).toEqual({ custom: { sector: "realty" }, version: 2 });
    const name = await env.DB.prepare("SELECT name FROM companies WHERE id = ?").bind(company.id).first();
    expect(name).toEqual({ name: "Merge Co" });
  });

  it("filters the list by custom values and refuses a filter on an unknown field", async () => {
    const team = await createTenant("Filters");
    await define(team.manager, { key: "size", labelAr: "الحجم", labelEn: "Size", type: "number" });
    const small = await create(team.manager, { name: "Small", custom: { size: 5 } });
    const large = await create(team.manager, { name: "Large", custom: { size: 500 } });
    await create(team.manager, { name: "Unknown size" });
    expect(await idsOf(await send(team.manager, "GET", "/companies?custom.size=5"))).toEqual([small.id]);
    expect(await idsOf(await send(team.manager, "GET", "/companies?custom.size=100.."))).toEqual([large.id]);
    await expectProblem(
      await send(team.manager, "GET", "/companies?custom.nothing=1"),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(team.manager, "GET", "/companies?custom.size=big"),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("never applies another tenant's definitions", async () => {
    // `branch` exists only in the other tenant: here it is an unknown field.
    await expectProblem(
      await send(tenant.manager, "POST", "/companies", { name: "Branch", custom: { branch: "Jeddah" } }),
      422,
      "VALIDATION_FAILED",
    );
    // The other tenant's required `region` is not required here.
    const company = await create(tenant.manager, { name: "No region" });
    expect(company.custom).toEqual({});
    // And the other tenant's filter keys are unknown here.
    await expectProblem(
      await send(tenant.manager, "GET", "/companies?custom.branch=Jeddah"),
      422,
      "VALIDATION_FAILED",
    );
    // The other tenant, by contrast, must give its required field.
    const refused = await expectProblem(
      await send(other.manager, "POST", "/companies", { name: "Missing region" }),
      422,
      "VALIDATION_FAILED",
    );
    expect(refused.errors?.[0]?.path).toBe("custom.region");
  });
});

describe("searching companies", () => {
  it("finds a company by part of its name, its VAT number or its CR number, within the tenant", async () => {
    const team = await createTenant("Search");
    const found = await create(team.manager, {
      name: "شركة النخيل للتطوير",
      vatNumber: "310123456700003",
      crNumber: "1010123456",
    });
    await create(team.manager, { name: "Other Co", vatNumber: "300000000000003" });
    await create(other.manager, { name: "شركة النخيل", custom: { region: "Riyadh" } });
    for (const q of ["النخيل", "310123456700003", "1010123456", "٣١٠١٢٣٤٥٦٧٠٠٠٠٣"]) {
      expect(
        await idsOf(await send(team.manager, "GET", `/companies?q=${encodeURIComponent(q)}`)),
        q,
      ).toEqual([found.id]);
    }
  });
});
