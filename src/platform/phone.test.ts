import { describe, expect, it } from "vitest";
import { MobilePhoneSchema } from "./schemas";

// The phone table (issue 7): real numbers as people type them or paste them from their phones,
// WhatsApp and Excel, and the E.164 form Dealix stores. schemas.test.ts has more Saudi forms.

const LRM = "\u200e";
const RLM = "\u200f";
const FSI = "\u2068";
const PDI = "\u2069";

const issues = (input: string) => {
  const result = MobilePhoneSchema.safeParse(input);
  expect(result.success, `${JSON.stringify(input)} should be refused`).toBe(false);
  return result.error?.issues.map((issue) => issue.message) ?? [];
};

describe("the phone table", () => {
  it.each([
    // Saudi mobiles
    ["local with trunk 0", "0551234567", "+966551234567"],
    ["national without 0", "551234567", "+966551234567"],
    ["country code without +", "966551234567", "+966551234567"],
    ["00 international prefix", "009665 51234567", "+966551234567"],
    ["+966 with spaces", "+966 55 123 4567", "+966551234567"],
    ["+966 (0) trunk in brackets", "+966 (0)55 123 4567", "+966551234567"],
    ["dashes", "055-123-4567", "+966551234567"],
    ["dots", "055.123.4567", "+966551234567"],
    ["+966 with dashes", "+966-55-123-4567", "+966551234567"],
    ["Arabic-Indic digits", "٠٥٥١٢٣٤٥٦٧", "+966551234567"],
    ["Arabic-Indic with + and spaces", "+٩٦٦ ٥٥ ١٢٣ ٤٥٦٧", "+966551234567"],
    ["Arabic-Indic with (٠)", "+٩٦٦ (٠) ٥٥ ١٢٣ ٤٥٦٧", "+966551234567"],
    ["Arabic-Indic with 00", "٠٠٩٦٦٥٥١٢٣٤٥٦٧", "+966551234567"],
    ["Persian digits", "۰۵۵۱۲۳۴۵۶۷", "+966551234567"],
    ["full-width plus and digits", "＋９６６５５１２３４５６７", "+966551234567"],
    ["full-width digits, local", "０５５１２３４５６７", "+966551234567"],
    ["mixed ASCII and full-width digits", "05512345６７", "+966551234567"],
    ["LRM/RLM pasted around", `${LRM}+966 55 123 4567${RLM}`, "+966551234567"],
    ["RLM inside", `+966${RLM}55 123 4567`, "+966551234567"],
    ["first-strong isolate", `${FSI}0501234567${PDI}`, "+966501234567"],
    ["no-break spaces", "055\u00a0123\u00a04567", "+966551234567"],
    // Gulf and Egyptian mobiles
    ["UAE", "+971 50 123 4567", "+971501234567"],
    ["UAE with 00", "00971 55 123 4567", "+971551234567"],
    ["Kuwait", "+965 9001 2345", "+96590012345"],
    ["Bahrain", "+973 3600 1234", "+97336001234"],
    ["Qatar", "+974 3312 3456", "+97433123456"],
    ["Oman", "+968 9212 3456", "+96892123456"],
    ["Egypt", "+20 100 123 4567", "+201001234567"],
    ["Egypt in Arabic-Indic digits", "+٢٠ ١٠٠ ١٢٣ ٤٥٦٧", "+201001234567"],
  ])("%s: %j → %s", (_label, input, e164) => {
    expect(MobilePhoneSchema.parse(input)).toBe(e164);
  });

  it.each([
    ["Riyadh", "011 234 5678"],
    ["Riyadh in Arabic-Indic digits", "٠١١٢٣٤٥٦٧٨"],
    ["Jeddah, E.164", "+966 12 654 3210"],
    ["Dubai", "+971 4 123 4567"],
    ["Kuwait", "+965 2221 2345"],
    ["Bahrain", "+973 1721 2345"],
    ["Qatar", "+974 4412 3456"],
    ["Oman", "+968 2412 3456"],
    ["Cairo", "+20 2 2345 6789"],
  ])("refuses a %s landline with the landline message", (_label, input) => {
    expect(issues(input)).toEqual([expect.stringMatching(/not a mobile number/)]);
  });

  it.each([
    "",
    "   ",
    "mobile",
    "٠٥٥",
    "05512",
    "+966",
    "+999 55 123 4567",
    "call 0551234567",
    "0551234567 / 0557654321",
    "0551234567 ext 12",
    "0551234567x5",
    "tel:+966551234567",
    "+966 55 123 4567".repeat(3),
  ])("refuses %j as not a phone number", (input) => {
    expect(issues(input)).toEqual([expect.stringMatching(/^(Enter a mobile number|Too big)/)]);
  });

  it("refuses a Saudi mobile with a digit too many or too few, in any digits", () => {
    for (const input of ["0551234567٠", "٠٥٥١٢٣٤٥٦", "+966 55 123 45678", "０５５１２３４５６"]) {
      expect(issues(input)).toHaveLength(1);
    }
  });
});
