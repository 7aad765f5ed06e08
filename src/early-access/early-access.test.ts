import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { countRows, expectProblem, postJson } from "../../test/helpers";

const valid = {
  name: "نورة العتيبي",
  company: "عقارات الرياض",
  phone: "055 123 4567",
  businessType: "real_estate",
  consent: true,
};

const stored = () => env.DB.prepare("SELECT * FROM early_access_requests").all<Record<string, unknown>>();

describe("POST /api/v1/early-access", () => {
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM early_access_requests; DELETE FROM idempotency_keys;");
  });

  it("stores the request with the phone in E.164 and answers 202", async () => {
    const res = await postJson("/api/v1/early-access", { ...valid, email: "noura@example.sa", locale: "en" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "received" });
    const { results } = await stored();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      name: "نورة العتيبي",
      company: "عقارات الرياض",
      phone: "+966551234567",
      email: "noura@example.sa",
      business_type: "real_estate",
      locale: "en",
    });
    expect(results[0]?.id).toMatch(/^ear_[0-9a-z]{20}$/);
    expect(results[0]?.consent_at).toBeTypeOf("number");
  });

  it("accepts Arabic-Indic digits and defaults the locale to Arabic", async () => {
    const res = await postJson("/api/v1/early-access", { ...valid, phone: "٠٥٥١٢٣٤٥٦٧" });
    expect(res.status).toBe(202);
    const { results } = await stored();
    expect(results[0]).toMatchObject({ phone: "+966551234567", locale: "ar" });
  });

  it("stores a pasted number (direction marks, +966 (0)) in E.164 and the email trimmed and lower-cased", async () => {
    const res = await postJson("/api/v1/early-access", {
      ...valid,
      phone: "\u200e+966 (0)55 123 4567\u200f",
      email: "  Noura@Example.SA ",
    });
    expect(res.status).toBe(202);
    const { results } = await stored();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ phone: "+966551234567", email: "noura@example.sa" });
  });

  it("refuses a Riyadh landline with 422 saying it is not a mobile, and writes nothing", async () => {
    const problem = await expectProblem(
      await postJson("/api/v1/early-access", { ...valid, phone: "011 234 5678" }),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors).toEqual([
      { path: "phone", code: "custom", message: expect.stringContaining("not a mobile number") },
    ]);
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("gives the same answer for a phone that already asked, and keeps one row", async () => {
    await postJson("/api/v1/early-access", valid);
    const again = await postJson("/api/v1/early-access", {
      ...valid,
      name: "Someone else",
      phone: "+966551234567",
    });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ status: "received" });
    expect(await countRows("early_access_requests")).toBe(1);
  });

  it.each([
    ["a bad phone", { ...valid, phone: "12345" }, "phone"],
    ["a missing consent", { ...valid, consent: false }, "consent"],
    ["an unknown business type", { ...valid, businessType: "bakery" }, "businessType"],
    ["a one-letter name", { ...valid, name: "N" }, "name"],
    ["a bad email", { ...valid, email: "not-an-email" }, "email"],
  ])("rejects %s with 422 and writes nothing", async (_label, body, field) => {
    const problem = await expectProblem(
      await postJson("/api/v1/early-access", body),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((e) => e.path)).toContain(field);
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("rejects unknown fields (mass assignment) and writes nothing", async () => {
    const res = await postJson("/api/v1/early-access", {
      ...valid,
      id: "ear_chosenbytheclient00",
      createdAt: 1,
    });
    const problem = await expectProblem(res, 422, "VALIDATION_FAILED");
    expect(problem.errors?.[0]?.message).toContain("id");
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("rejects malformed JSON with 400", async () => {
    await expectProblem(await postJson("/api/v1/early-access", "{not json"), 400, "MALFORMED_REQUEST");
    expect(await countRows("early_access_requests")).toBe(0);
  });

  it("rejects a body that is not JSON with 415", async () => {
    const res = await postJson("/api/v1/early-access", "name=x", {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    await expectProblem(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("rejects a body over the size limit with 413", async () => {
    const res = await postJson("/api/v1/early-access", { ...valid, name: "x".repeat(200_000) });
    await expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
    expect(await countRows("early_access_requests")).toBe(0);
  });
});
