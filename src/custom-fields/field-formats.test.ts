import { describe, expect, it } from "vitest";
import { type CustomFieldDefinition, checkCustomValues, customValueFromText } from "./custom-values";

const licence: CustomFieldDefinition = {
  key: "rega_ad_licence",
  type: "text",
  options: null,
  required: false,
  archivedAt: null,
  format: "rega_ad_licence",
};

const check = (value: unknown, partial = false) =>
  checkCustomValues([licence], { rega_ad_licence: value }, { partial });

describe("the rega_ad_licence format on a text field", () => {
  it.each([
    ["7100012345", "7100012345"],
    ["٧١٠٠٠١٢٣٤٥", "7100012345"],
    ["۷۱۰۰۰۱۲۳۴۵", "7100012345"],
    [" 7100 012 345 ", "7100012345"],
    ["71-0001-2345", "7100012345"],
    ["\u200f7100012345\u200e", "7100012345"],
    ["12345678", "12345678"],
    ["123456789012", "123456789012"],
  ])("stores %j as %j", (input, stored) => {
    expect(check(input)).toEqual({ values: { rega_ad_licence: stored }, errors: [] });
  });

  it.each(["1234567", "1234567890123", "71000123AB", "ترخيص 7100012345", "7100012345.5x", "+7100012345"])(
    "refuses %j with invalid_rega_ad_licence",
    (input) => {
      const { values, errors } = check(input);
      expect(values).toEqual({});
      expect(errors).toEqual([
        expect.objectContaining({ path: "custom.rega_ad_licence", code: "invalid_rega_ad_licence" }),
      ]);
    },
  );

  it("refuses a number, and still lets an update clear the value", () => {
    expect(check(7100012345).errors[0]?.code).toBe("invalid_type");
    expect(check("", true)).toEqual({ values: { rega_ad_licence: null }, errors: [] });
  });

  it("leaves text fields without a format as they are", () => {
    const plain = { ...licence, format: null };
    expect(checkCustomValues([plain], { rega_ad_licence: "abc" }, { partial: false }).values).toEqual({
      rega_ad_licence: "abc",
    });
  });

  it("reads a form or CSV cell as text, so the format check sees what was typed", () => {
    expect(customValueFromText(licence, " ٧١٠٠٠١٢٣٤٥ ")).toBe("٧١٠٠٠١٢٣٤٥");
  });
});
