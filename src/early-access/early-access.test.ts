import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { freshIp } from "../../test/fixtures";
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
    await postJson("/api/v1/early-access", { ...valid, phone: "0557654321" });
    const again = await postJson("/api/v1/early-access", {
      ...valid,
      name: "Someone else",
      phone: "+966557654321",
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

let phoneCounter = 0;
/** A Saudi mobile number no other test uses, so per-phone budgets do not couple tests. */
const freshPhone = () =>
  `+96656${(Date.now() % 1000).toString().padStart(3, "0")}${(phoneCounter++ % 10_000).toString().padStart(4, "0")}`;

describe("POST /api/v1/early-access rate limits", () => {
  it("allows 3 requests per phone per hour, whatever its form and IP, then answers 429 with Retry-After", async () => {
    const phone = freshPhone();
    const local = `0${phone.slice(4)}`;
    const answers = [];
    for (const form of [phone, local, phone]) {
      const res = await postJson("/api/v1/early-access", { ...valid, phone: form }, freshIp());
      answers.push({ status: res.status, body: await res.json() });
    }
    // The first request is for an unknown phone, the next two for a known one: one answer for all.
    expect(answers).toEqual(Array(3).fill({ status: 202, body: { status: "received" } }));
    const rows = await countRows("early_access_requests");

    const limited = await postJson("/api/v1/early-access", { ...valid, phone: local }, freshIp());
    await expectProblem(limited, 429, "RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await countRows("early_access_requests")).toBe(rows);
    expect(
      (await postJson("/api/v1/early-access", { ...valid, phone: freshPhone() }, freshIp())).status,
    ).toBe(202);
  });

  it("allows 20 requests per IP per hour, then answers 429 with Retry-After, and other IPs go on", async () => {
    const ip = { "CF-Connecting-IP": "192.0.2.77" };
    const before = await countRows("early_access_requests");
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await postJson("/api/v1/early-access", { ...valid, phone: freshPhone() }, ip)).status);
    }
    expect(statuses).toEqual(Array(20).fill(202));
    expect(await countRows("early_access_requests")).toBe(before + 20);

    const limited = await postJson("/api/v1/early-access", { ...valid, phone: freshPhone() }, ip);
    await expectProblem(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await countRows("early_access_requests")).toBe(before + 20);
    expect(
      (await postJson("/api/v1/early-access", { ...valid, phone: freshPhone() }, freshIp())).status,
    ).toBe(202);
  });
});
