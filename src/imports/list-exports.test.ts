import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { type Actor, createTenant } from "../../test/fixtures";
import { call, expectProblem } from "../../test/helpers";
import { idPrefixes, newId } from "../platform/ids";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const post = async (actor: Actor, path: string, body: unknown) => {
  const res = await call(`/api/v1${path}`, {
    method: "POST",
    headers: { ...actor.auth, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
};

/** The file as text and as rows (BOM and CRLF checked on the way). */
async function csvOf(res: Response) {
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  // ignoreBOM keeps the BOM in the text, so the check above is of the file, not of a decoder.
  const text = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(bytes).slice(1);
  expect(text.endsWith("\r\n")).toBe(true);
  expect(text.replaceAll("\r\n", "").includes("\n")).toBe(false);
  return Papa.parse<string[]>(text.trimEnd(), { newline: "\r\n" }).data;
}

const exportOf = (actor: Actor, path: string) => call(`/api/v1/exports/${path}`, { headers: actor.auth });

async function insertCompanies(tenant: Tenant, count: number) {
  const now = Date.now();
  const statements = Array.from({ length: count }, (_, n) =>
    env.DB.prepare(
      "INSERT INTO companies (id, tenant_id, name, name_norm, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).bind(
      newId(idPrefixes.company),
      tenant.tenantId,
      `شركة ${String(n).padStart(3, "0")}`,
      `شركه ${String(n).padStart(3, "0")}`,
      tenant.manager.userId,
      now + n,
      now + n,
    ),
  );
  await env.DB.batch(statements);
}

describe("GET /api/v1/exports/deals.csv", () => {
  it("streams the visible deals with pipeline and stage names, SAR amounts and custom columns, formula-safe", async () => {
    const team = await createTenant();
    await post(team.manager, "/custom-fields", {
      objectType: "deal",
      key: "licence",
      labelAr: "الترخيص",
      labelEn: "Licence",
      type: "text",
    });
    await post(team.manager, "/deals", {
      title: "فيلا حي النرجس",
      amountHalalas: 123450,
      custom: { licence: "7100012345" },
    });
    await post(team.manager, "/deals", { title: '=HYPERLINK("http://x")', amountHalalas: 0 });
    await post(team.agent, "/deals", { title: "صفقة الوكيل", amountHalalas: 5000 });
    const other = await createTenant("Other");
    await post(other.manager, "/deals", { title: "صفقة شركة أخرى" });

    const rows = await csvOf(await exportOf(team.manager, "deals.csv?lang=ar"));
    expect(rows[0]?.slice(0, 5)).toEqual(["العنوان", "المسار", "المرحلة", "الحالة", "المبلغ (ر.س)"]);
    expect(rows[0]?.at(-1)).toBe("الترخيص");
    expect(rows.length).toBe(4);
    const villa = rows.find((row) => row[0] === "فيلا حي النرجس");
    expect(villa?.[4]).toBe("1234.50");
    expect(villa?.[1]).not.toMatch(/^pip_/);
    expect(villa?.[2]).not.toMatch(/^stg_/);
    expect(villa?.at(-1)).toBe("7100012345");
    expect(rows.some((row) => row[0] === `'=HYPERLINK("http://x")`)).toBe(true);
    expect(rows.some((row) => row[0] === "صفقة شركة أخرى")).toBe(false);

    const agents = await csvOf(await exportOf(team.agent, "deals.csv"));
    expect(agents.slice(1).map((row) => row[0])).toEqual(["صفقة الوكيل"]);
    expect(agents[0]?.[0]).toBe("Title");

    const filtered = await csvOf(await exportOf(team.manager, "deals.csv?custom.licence=7100012345"));
    expect(filtered.slice(1).map((row) => row[0])).toEqual(["فيلا حي النرجس"]);
  });

  it("refuses bad filters, the signed-out and a key without crm:read, writing no file", async () => {
    const team = await createTenant();
    await expectProblem(await exportOf(team.manager, "deals.csv?status=maybe"), 422, "VALIDATION_FAILED");
    await expectProblem(await exportOf(team.manager, "deals.csv?custom.nothing=1"), 422, "VALIDATION_FAILED");
    await expectProblem(await call("/api/v1/exports/deals.csv"), 401, "UNAUTHENTICATED");
    const key = await post(team.owner, "/api-keys", { name: "members only", scopes: ["members:read"] });
    const secret = (key as unknown as { key: string }).key;
    await expectProblem(
      await call("/api/v1/exports/deals.csv", { headers: { Authorization: `Bearer ${secret}` } }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("GET /api/v1/exports/companies.csv", () => {
  it("streams every page in order (250 companies), with address parts and custom columns, within the tenant", async () => {
    const team = await createTenant();
    await post(team.manager, "/custom-fields", {
      objectType: "company",
      key: "sector",
      labelAr: "القطاع",
      labelEn: "Sector",
      type: "text",
    });
    await post(team.manager, "/companies", {
      name: "مؤسسة الرياض",
      vatNumber: "300000000000003",
      nationalAddress: { city: "الرياض", district: "العليا", postalCode: "12211" },
      custom: { sector: "+عقار" },
    });
    await insertCompanies(team, 250);
    const other = await createTenant("Other");
    await post(other.manager, "/companies", { name: "شركة غريبة" });

    const rows = await csvOf(await exportOf(team.manager, "companies.csv?lang=en"));
    expect(rows[0]?.slice(0, 3)).toEqual(["Name", "VAT number", "CR number"]);
    expect(rows[0]?.at(-1)).toBe("Sector");
    expect(rows.length).toBe(1 + 251);
    const names = rows.slice(1).map((row) => row[0]);
    expect(new Set(names).size).toBe(251);
    expect(names.filter((name) => name?.startsWith("شركة ")).sort()).toEqual(
      Array.from({ length: 250 }, (_, n) => `شركة ${String(n).padStart(3, "0")}`).sort(),
    );
    expect(names).not.toContain("شركة غريبة");
    const riyadh = rows.find((row) => row[0] === "مؤسسة الرياض");
    expect(riyadh?.[1]).toBe("300000000000003");
    expect(riyadh?.slice(4, 10)).toEqual(["", "", "العليا", "الرياض", "12211", ""]);
    expect(riyadh?.at(-1)).toBe("'+عقار");

    const searched = await csvOf(await exportOf(team.manager, "companies.csv?q=300000000000003"));
    expect(searched.slice(1).map((row) => row[0])).toEqual(["مؤسسة الرياض"]);
    // Agents see only their own companies (none here).
    expect((await csvOf(await exportOf(team.agent, "companies.csv"))).length).toBe(1);
  });

  it("is also a page download for a signed-in browser, in the reader's language", async () => {
    const team = await createTenant();
    await post(team.manager, "/companies", { name: "شركة الصفحة" });
    const res = await call("/companies/export.csv?q=%D8%A7%D9%84%D8%B5%D9%81%D8%AD%D8%A9", {
      headers: { Cookie: `__Host-dlx_at=${team.manager.accessToken}; lang=ar` },
    });
    const rows = await csvOf(res);
    expect(rows[0]?.[0]).toBe("الاسم");
    expect(rows.slice(1).map((row) => row[0])).toEqual(["شركة الصفحة"]);
    const deals = await call("/deals/export.csv", {
      headers: { Cookie: `__Host-dlx_at=${team.manager.accessToken}` },
    });
    expect(deals.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="deals-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
  });
});
