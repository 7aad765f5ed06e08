import { describe, expect, it } from "vitest";
import {
  DateTimeSchema,
  EmailSchema,
  HalalasSchema,
  idSchema,
  MobilePhoneSchema,
  PersonNameSchema,
} from "./schemas";

const LRM = "\u200e";
const RLM = "\u200f";

/** The one issue message of a failed parse (the assertion fails if the parse succeeded). */
function rejection(
  schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } },
  value: unknown,
) {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  const issues = (result.error as { issues: { message: string }[] }).issues;
  expect(issues).toHaveLength(1);
  return issues[0]?.message;
}

describe("MobilePhoneSchema", () => {
  it.each([
    // Saudi mobiles in every form people type or paste.
    ["0551234567", "+966551234567"],
    ["551234567", "+966551234567"],
    ["966551234567", "+966551234567"],
    ["+966551234567", "+966551234567"],
    ["00966551234567", "+966551234567"],
    ["+9660551234567", "+966551234567"],
    ["+966 (0)55 123 4567", "+966551234567"],
    ["+966 (0) 55-123-4567", "+966551234567"],
    ["(055) 123-4567", "+966551234567"],
    ["055-123-4567", "+966551234567"],
    ["055.123.4567", "+966551234567"],
    ["  055 123 4567  ", "+966551234567"],
    ["055\u00a0123\u00a04567", "+966551234567"],
    ["\uff0b966 55 123 4567", "+966551234567"],
    ["٠٥٥١٢٣٤٥٦٧", "+966551234567"],
    ["۰۵۵۱۲۳۴۵۶۷", "+966551234567"],
    ["+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", "+966501234567"],
    [`${LRM}+966 55 123 4567${RLM}`, "+966551234567"],
    ["\u202a+966551234567\u202c", "+966551234567"],
    ["\u2066+966 59 123 4567\u2069", "+966591234567"],
    ["\u061c0531234567", "+966531234567"],
    ["\ufeff0581234567\u200b", "+966581234567"],
    // Mobiles of other countries, given with + or 00.
    ["+971 50 123 4567", "+971501234567"],
    ["00971551234567", "+971551234567"],
    ["+965 6001 2345", "+96560012345"],
    ["+965 5001 2345", "+96550012345"],
    ["+20 10 1234 5678", "+201012345678"],
    ["0020 122 345 6789", "+201223456789"],
    ["+44 7911 123456", "+447911123456"],
  ])("accepts %j as %s", (input, e164) => {
    expect(MobilePhoneSchema.parse(input)).toBe(e164);
  });

  it.each([
    ["a Riyadh landline in E.164", "+966 11 234 5678"],
    ["a Riyadh landline in local form", "011 234 5678"],
    ["a Jeddah landline", "0126543210"],
    ["a Dubai landline", "+971 4 123 4567"],
    ["a Cairo landline", "+20 2 2345 6789"],
    ["a London landline", "+44 20 7946 0958"],
  ])("refuses %s as not a mobile", (_label, input) => {
    expect(rejection(MobilePhoneSchema, input)).toMatch(/not a mobile number/);
  });

  it.each([
    "",
    "phone",
    "12345",
    "abc0551234567",
    "0551234567 please",
    "+0123456789",
    "+1",
    "٠٥٥",
    `0551234567${" ".repeat(31)}`,
  ])("refuses %j as not a phone number", (input) => {
    expect(rejection(MobilePhoneSchema, input)).toMatch(/^(Enter a mobile number|Too big)/);
  });

  it("refuses numbers one digit too long or too short for Saudi Arabia", () => {
    for (const input of ["05512345678", "+9665512345678", "055123456", "+96655123456"]) {
      expect(MobilePhoneSchema.safeParse(input).success, input).toBe(false);
    }
  });
});

describe("EmailSchema", () => {
  it("trims and lower-cases before checking", () => {
    expect(EmailSchema.parse("  Noura@Riyadh-Realty.SA ")).toBe("noura@riyadh-realty.sa");
  });

  it.each(["", "noura", "noura@", "@riyadh.sa", "noura riyadh@x.sa", 42, null])("refuses %j", (input) => {
    expect(EmailSchema.safeParse(input).success).toBe(false);
  });

  it("refuses addresses longer than 254 characters", () => {
    expect(EmailSchema.safeParse(`${"a".repeat(64)}@${"b".repeat(187)}.sa`).success).toBe(false);
  });
});

describe("PersonNameSchema", () => {
  it("keeps a name in any script, trimmed", () => {
    expect(PersonNameSchema.parse("  نورة العتيبي ")).toBe("نورة العتيبي");
    expect(PersonNameSchema.parse("Noura")).toBe("Noura");
  });

  it.each(["", " N ", "x".repeat(101)])("refuses %j", (input) => {
    expect(PersonNameSchema.safeParse(input).success).toBe(false);
  });
});

describe("HalalasSchema", () => {
  it("takes whole, non-negative halalas", () => {
    expect(HalalasSchema.parse(0)).toBe(0);
    expect(HalalasSchema.parse(150_000)).toBe(150_000);
  });

  it.each([-1, 1.5, "100", Number.MAX_SAFE_INTEGER + 1, Number.NaN])("refuses %j", (input) => {
    expect(HalalasSchema.safeParse(input).success).toBe(false);
  });
});

describe("DateTimeSchema", () => {
  it("takes what the API writes", () => {
    const instant = new Date(Date.UTC(2026, 10, 28, 22, 30)).toISOString();
    expect(DateTimeSchema.parse(instant)).toBe("2026-11-28T22:30:00.000Z");
    expect(DateTimeSchema.parse("2026-11-28T22:30:00Z")).toBe("2026-11-28T22:30:00Z");
  });

  it.each(["2026-11-29", "2026-11-29T01:30:00+03:00", "29/11/2026", "yesterday", 1_795_000_000_000])(
    "refuses %j (UTC ISO-8601 only)",
    (input) => {
      expect(DateTimeSchema.safeParse(input).success).toBe(false);
    },
  );
});

describe("idSchema", () => {
  it("takes ids of its own kind only", () => {
    expect(idSchema("usr").parse("usr_4f9c1b7e2a6d8c03e5b1")).toBe("usr_4f9c1b7e2a6d8c03e5b1");
    for (const input of [
      "ten_4f9c1b7e2a6d8c03e5b1",
      "usr_short",
      "usr_4F9C1B7E2A6D8C03E5B1",
      "usr_4f9c1b7e2a6d8c03e5b12",
    ]) {
      expect(idSchema("usr").safeParse(input).success, input).toBe(false);
    }
  });
});
