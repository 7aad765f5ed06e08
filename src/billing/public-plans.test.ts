import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../test/helpers";
import { PLANS } from "./plans";

interface PlanBody {
  id: string;
  name: { ar: string; en: string };
  selfServe: boolean;
  prices: Record<
    "monthly" | "yearly",
    { beforeVatHalalas: number; vatHalalas: number; totalHalalas: number; formatted: Record<string, string> }
  > | null;
  yearlySaving: { beforeVatHalalas: number; totalHalalas: number; formatted: string; percent: number } | null;
  limits: Record<string, number>;
  features: string[];
}

describe("GET /api/v1/plans", () => {
  it("is public and lists every plan with prices before VAT, the VAT, the total, the yearly saving, limits and features", async () => {
    const res = await call("/api/v1/plans");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { currency: string; vatRatePercent: number; data: PlanBody[] };
    expect(body.currency).toBe("SAR");
    expect(body.vatRatePercent).toBe(15);
    expect(body.data.map((plan) => plan.id)).toEqual(["starter", "growth", "enterprise"]);
    const [starter, growth, enterprise] = body.data;
    expect(starter?.prices?.monthly).toEqual({
      beforeVatHalalas: 99_000,
      vatHalalas: 14_850,
      totalHalalas: 113_850,
      formatted: { beforeVat: "990.00", vat: "148.50", total: "1138.50" },
    });
    expect(growth?.prices?.yearly).toEqual({
      beforeVatHalalas: 2_490_000,
      vatHalalas: 373_500,
      totalHalalas: 2_863_500,
      formatted: { beforeVat: "24900.00", vat: "3735.00", total: "28635.00" },
    });
    expect(growth?.yearlySaving).toEqual({
      beforeVatHalalas: 498_000,
      totalHalalas: 572_700,
      formatted: "4980.00",
      percent: 16.7,
    });
    expect(growth?.limits).toEqual(PLANS.growth.limits);
    expect(growth?.features).toEqual([...PLANS.growth.features]);
    expect(growth?.name).toEqual({ ar: "النمو", en: "Growth" });
    expect(enterprise).toMatchObject({ selfServe: false, prices: null, yearlySaving: null });
  });

  it("is cacheable for five minutes, and answers 304 to its own ETag", async () => {
    const res = await call("/api/v1/plans");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=300");
    const etag = res.headers.get("ETag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await call("/api/v1/plans", { headers: { "If-None-Match": ifNoneMatch } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe("");
      expect(again.headers.get("ETag")).toBe(etag);
    }
    const stale = await call("/api/v1/plans", { headers: { "If-None-Match": '"stale"' } });
    expect(stale.status).toBe(200);
    expect(((await stale.json()) as { data: unknown[] }).data).toHaveLength(3);
  });

  it("refuses an If-None-Match longer than any ETag list it could match", async () => {
    await expectProblem(
      await call("/api/v1/plans", { headers: { "If-None-Match": `"${"a".repeat(1000)}"` } }),
      422,
      "VALIDATION_FAILED",
    );
  });
});
