import { describe, expect, it } from "vitest";
import { ApiError } from "../platform/problem";
import type { CUSTOM_FIELD_TYPES, CustomFieldOption } from "./custom-fields.schema";
import {
  applyCustomValues,
  type CustomFieldDefinition,
  checkCustomValues,
  customValueFromText,
  customValuesOrThrow,
  customValueToText,
} from "./custom-values";

type FieldType = (typeof CUSTOM_FIELD_TYPES)[number];

const OPTIONS: CustomFieldOption[] = [
  { value: "olaya", labelAr: "العليا", labelEn: "Olaya" },
  { value: "malqa", labelAr: "الملقا", labelEn: "Al Malqa" },
  { value: "hittin", labelAr: "حطين", labelEn: "Hittin" },
];

const field = (type: FieldType, overrides: Partial<CustomFieldDefinition> = {}): CustomFieldDefinition => ({
  key: "f",
  type,
  options: type === "select" || type === "multi_select" ? OPTIONS : null,
  required: false,
  archivedAt: null,
  ...overrides,
});

const check = (type: FieldType, value: unknown) =>
  checkCustomValues([field(type)], { f: value }, { partial: false });

// [type, input, stored value]
const VALID: [FieldType, unknown, unknown][] = [
  ["text", "  Sea view  ", "Sea view"],
  ["text", "ش".repeat(1000), "ش".repeat(1000)],
  ["text", "نص عربي", "نص عربي"],
  ["number", 3, 3],
  ["number", -2.5, -2.5],
  ["number", 0, 0],
  ["money", 0, 0],
  ["money", 150_000_00, 150_000_00],
  ["date", "2026-12-01", "2026-12-01"],
  ["date", "2028-02-29", "2028-02-29"],
  ["select", "olaya", "olaya"],
  ["multi_select", ["olaya", "hittin"], ["olaya", "hittin"]],
  ["multi_select", ["malqa"], ["malqa"]],
  ["phone", "0551234567", "+966551234567"],
  ["phone", "+966 11 234 5678", "+966112345678"],
  ["phone", "٠٥٥١٢٣٤٥٦٧", "+966551234567"],
  ["phone", "\u200f+971 50 123 4567\u200f", "+971501234567"],
  ["url", "https://riyadh-realty.sa/listing/12", "https://riyadh-realty.sa/listing/12"],
  ["url", " http://example.sa ", "http://example.sa"],
];

// [type, input, error code]
const INVALID: [FieldType, unknown, string][] = [
  ["text", "x".repeat(1001), "too_long"],
  ["text", 12, "invalid_type"],
  ["text", ["a"], "invalid_type"],
  ["number", "3", "invalid_number"],
  ["number", Number.NaN, "invalid_number"],
  ["number", Number.POSITIVE_INFINITY, "invalid_number"],
  ["number", true, "invalid_number"],
  ["money", 10.5, "invalid_money"],
  ["money", -100, "invalid_money"],
  ["money", "1500", "invalid_money"],
  ["money", 2 ** 60, "invalid_money"],
  ["date", "2026-02-30", "invalid_date"],
  ["date", "2027-02-29", "invalid_date"],
  ["date", "2026-13-01", "invalid_date"],
  ["date", "01/12/2026", "invalid_date"],
  ["date", "2026-12-01T10:00:00Z", "invalid_date"],
  ["date", 20261201, "invalid_date"],
  ["select", "downtown", "invalid_option"],
  ["select", ["olaya"], "invalid_option"],
  ["select", "Olaya", "invalid_option"],
  ["multi_select", "olaya", "invalid_option"],
  ["multi_select", ["olaya", "downtown"], "invalid_option"],
  ["multi_select", ["olaya", "olaya"], "duplicate_option"],
  ["multi_select", [1], "invalid_option"],
  ["phone", "12345", "invalid_phone"],
  ["phone", "not a phone", "invalid_phone"],
  ["phone", 551234567, "invalid_phone"],
  ["url", "javascript:alert(1)", "invalid_url"],
  ["url", "ftp://example.sa/file", "invalid_url"],
  ["url", "example.sa", "invalid_url"],
  ["url", `https://example.sa/${"a".repeat(2000)}`, "invalid_url"],
  ["url", 42, "invalid_url"],
];

describe("checkCustomValues: each type", () => {
  it.each(VALID)("%s accepts %j as %j", (type, input, stored) => {
    expect(check(type, input)).toEqual({ values: { f: stored }, errors: [] });
  });

  it.each(INVALID)("%s refuses %j (%s)", (type, input, code) => {
    const result = check(type, input);
    expect(result.errors).toEqual([{ path: "custom.f", code, message: expect.any(String) }]);
    expect(result.values).toEqual({});
  });

  it("covers every type in both tables", () => {
    const types: FieldType[] = ["text", "number", "money", "date", "select", "multi_select", "phone", "url"];
    for (const type of types) {
      expect(VALID.some(([t]) => t === type)).toBe(true);
      expect(INVALID.some(([t]) => t === type)).toBe(true);
    }
  });
});

describe("checkCustomValues: keys, required and archived fields", () => {
  const definitions = [
    field("text", { key: "notes_extra" }),
    field("select", { key: "district", required: true }),
    field("number", { key: "old_score", archivedAt: 1 }),
    field("money", { key: "budget", required: true, archivedAt: 1 }),
  ];

  it("refuses keys with no definition", () => {
    const result = checkCustomValues(definitions, { district: "olaya", nope: "x" }, { partial: false });
    expect(result.errors).toEqual([
      { path: "custom.nope", code: "unknown_field", message: expect.any(String) },
    ]);
  });

  it("refuses input that is not an object", () => {
    for (const input of ["x", 3, ["a"]]) {
      expect(checkCustomValues(definitions, input, { partial: true }).errors).toEqual([
        { path: "custom", code: "invalid_type", message: expect.any(String) },
      ]);
    }
  });

  it("requires required active fields on create (missing, null or empty), not archived ones", () => {
    for (const input of [{}, undefined, { district: null }, { district: "  " }]) {
      expect(checkCustomValues(definitions, input, { partial: false }).errors).toEqual([
        { path: "custom.district", code: "required", message: expect.any(String) },
      ]);
    }
    expect(checkCustomValues(definitions, { district: "malqa" }, { partial: false })).toEqual({
      values: { district: "malqa" },
      errors: [],
    });
  });

  it("on a partial update checks only what is sent; clearing a required field is refused", () => {
    expect(checkCustomValues(definitions, { notes_extra: "hi" }, { partial: true })).toEqual({
      values: { notes_extra: "hi" },
      errors: [],
    });
    expect(checkCustomValues(definitions, { notes_extra: "", district: null }, { partial: true })).toEqual({
      values: { notes_extra: null },
      errors: [{ path: "custom.district", code: "required", message: expect.any(String) }],
    });
  });

  it("on create drops empty optional values instead of storing them", () => {
    expect(
      checkCustomValues(definitions, { district: "olaya", notes_extra: "" }, { partial: false }),
    ).toEqual({
      values: { district: "olaya" },
      errors: [],
    });
  });

  it("refuses a change to an archived field, but accepts its stored value sent back unchanged", () => {
    const current = { old_score: 7, district: "olaya" };
    expect(checkCustomValues(definitions, { old_score: 8 }, { partial: true, current }).errors).toEqual([
      { path: "custom.old_score", code: "archived_field", message: expect.any(String) },
    ]);
    expect(
      checkCustomValues(definitions, { old_score: null }, { partial: true, current }).errors,
    ).toHaveLength(1);
    expect(checkCustomValues(definitions, { old_score: 7 }, { partial: true, current })).toEqual({
      values: {},
      errors: [],
    });
  });

  it("applies a partial update as a merge patch", () => {
    expect(applyCustomValues({ a: "x", b: 2 }, { a: null, c: ["olaya"] })).toEqual({ b: 2, c: ["olaya"] });
    expect(applyCustomValues(null, { a: "x" })).toEqual({ a: "x" });
  });
});

describe("customValueFromText (forms and CSV cells)", () => {
  it.each([
    ["number", "٣", 3],
    ["number", "1,250.5", 1250.5],
    ["number", "three", "three"],
    ["money", "1500", 150000],
    ["money", "١٬٥٠٠٫٥", 150050],
    ["money", "12.345", "12.345"],
    ["date", "٢٠٢٦-١٢-٠١", "2026-12-01"],
    ["select", "العليا", "olaya"],
    ["select", "al malqa", "malqa"],
    ["multi_select", "Olaya، حطين, olaya", ["olaya", "hittin"]],
    ["text", "  ", null],
  ] as [FieldType, string, unknown][])("%s %j → %j", (type, text, value) => {
    expect(customValueFromText(field(type), text)).toEqual(value);
  });
});

describe("customValueToText (exports) reads back with customValueFromText (imports)", () => {
  it.each([
    ["money", 150050, undefined, "1500.50"],
    ["number", 2.5, undefined, "2.5"],
    ["select", "olaya", "ar", "العليا"],
    ["select", "olaya", undefined, "olaya"],
    ["select", "removed_option", "en", "removed_option"],
    ["multi_select", ["olaya", "hittin"], "en", "Olaya, Hittin"],
    ["date", "2026-12-01", "ar", "2026-12-01"],
    ["phone", "+966551234567", "ar", "+966551234567"],
  ] as [FieldType, never, "ar" | "en" | undefined, string][])(
    "%s %j (%s) → %j",
    (type, value, locale, text) => {
      const definition = field(type);
      expect(customValueToText(definition, value, locale)).toBe(text);
      if (type !== "select" || value !== "removed_option") {
        expect(customValueFromText(definition, text)).toEqual(value);
      }
    },
  );

  it("writes nothing for a missing value", () => {
    expect(customValueToText(field("text"), undefined)).toBe("");
    expect(customValueToText(field("text"), null)).toBe("");
  });
});

describe("customValuesOrThrow", () => {
  it("returns the values, or throws a 422 naming every bad value", () => {
    const definitions = [field("number", { key: "a" }), field("url", { key: "b" })];
    expect(customValuesOrThrow(definitions, { a: 1 }, { partial: true })).toEqual({ a: 1 });
    try {
      customValuesOrThrow(definitions, { a: "x", b: "ftp://x", c: 1 }, { partial: true });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(422);
      expect((error as ApiError).errors?.map((e) => e.path)).toEqual(["custom.a", "custom.b", "custom.c"]);
    }
  });
});
