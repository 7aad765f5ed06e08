// Formats a text custom field may carry (custom_field_definitions.format). Each one turns what a
// person typed into the stored form, or refuses it; checkCustomValues applies it on every write, so
// the API, the forms and the CSV import all enforce it.
import { asciiDigits } from "../platform/text-normalise";
import type { CUSTOM_FIELD_FORMATS } from "./custom-fields.schema";

export type CustomFieldFormat = (typeof CUSTOM_FIELD_FORMATS)[number];

// Direction marks phones add around pasted numbers, and the separators people type in long numbers.
const INVISIBLE_MARKS = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const SEPARATORS = /[\s\-_.\u2010-\u2015]/g;

/**
 * The REGA real-estate advertising licence number (رقم ترخيص الإعلان العقاري), issued per listing
 * on REGA's Fal platform and required on every property advertisement.
 *
 * Source: no authoritative format was found. REGA's public pages and brokers' guides (e.g.
 * raghdan.sa's 2026 guide to the advertising licence, sa.inwani.com "How to advertise") describe how
 * the licence is issued but not the number's shape; listings seen on Saudi property portals show
 * numbers of 10 digits. So the check is deliberately conservative: ASCII digits only once Arabic-
 * Indic digits are folded and spaces or dashes removed, 8 to 12 digits (room either side of 10), so
 * no real licence is refused while letters, typos of a few digits and pasted text are. Tighten it
 * here (a length or a prefix) once REGA publishes the format or an API to verify a licence.
 */
export const REGA_AD_LICENCE_DIGITS = { min: 8, max: 12 } as const;

function regaAdLicence(text: string): string | null {
  const digits = asciiDigits(text.replace(INVISIBLE_MARKS, "")).replace(SEPARATORS, "");
  const { min, max } = REGA_AD_LICENCE_DIGITS;
  return new RegExp(`^\\d{${min},${max}}$`).test(digits) ? digits : null;
}

interface FormatRule {
  /** The value to store, or null when the text is not in this format. */
  normalise(text: string): string | null;
  code: string;
  message: string;
}

export const FIELD_FORMATS: Record<CustomFieldFormat, FormatRule> = {
  rega_ad_licence: {
    normalise: regaAdLicence,
    code: "invalid_rega_ad_licence",
    message: `Expected a REGA advertising licence number: ${REGA_AD_LICENCE_DIGITS.min} to ${REGA_AD_LICENCE_DIGITS.max} digits.`,
  },
};
