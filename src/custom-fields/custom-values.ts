// Validation of custom field values, shared by every record write (contacts, companies, deals),
// the record forms and the CSV import. Pure: no I/O, so callers load the definitions in their own
// batch (customFieldDefinitionsFor) and check values before they write anything.
import { parsePhoneNumberFromString } from "libphonenumber-js/mobile";
import type { CustomValues } from "../contacts/contacts.schema";
import { ApiError, type FieldError } from "../platform/problem";
import { asciiDigits } from "../platform/text-normalise";
import type { CustomFieldDefinitionRow } from "./custom-fields.repo";
import { FIELD_FORMATS } from "./field-formats";

export const TEXT_MAX_LENGTH = 1000;
export const URL_MAX_LENGTH = 2000;

/** What checkCustomValues needs of a definition (a row of custom_field_definitions has it all). */
export type CustomFieldDefinition = Pick<
  CustomFieldDefinitionRow,
  "key" | "type" | "options" | "required" | "archivedAt"
> &
  Partial<Pick<CustomFieldDefinitionRow, "format">>;

/** A checked value as stored in a record's `custom` JSON; null only in a partial update (clears it). */
export type CustomValue = string | number | string[] | null;

export interface CheckOptions {
  /** An update: only the keys sent are checked and returned, and null (or "") clears a value. */
  partial: boolean;
  /** The record's stored values: an archived field may be sent back unchanged, never changed. */
  current?: CustomValues | null;
}

export interface CheckedCustomValues {
  /**
   * The normalised values. On create: every non-empty value sent. On a partial update: the keys
   * sent, with null for a value cleared, which is a JSON merge patch (RFC 7396): apply it with
   * `applyCustomValues(current, values)` or in SQL with `json_patch(custom, ?)`.
   */
  values: Record<string, CustomValue>;
  /** One per bad value, with path `custom.<key>` (or `custom` when the input is not an object). */
  errors: FieldError[];
}

// Invisible direction marks phones add around pasted numbers (see platform/schemas.ts).
const INVISIBLE_MARKS = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const isEmpty = (value: unknown) =>
  value === null ||
  value === undefined ||
  (typeof value === "string" && value.trim() === "") ||
  (Array.isArray(value) && value.length === 0);

/** True for a real calendar date written YYYY-MM-DD (so 2026-02-30 is refused). */
export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A phone number in E.164, or null. Any number whose length is possible for its country is kept
 * (a custom phone field may be a landline or a reception desk, unlike a contact's WhatsApp number).
 */
export function phoneE164(text: string): string | null {
  const parsed = parsePhoneNumberFromString(asciiDigits(text.replace(INVISIBLE_MARKS, "")), {
    defaultCountry: "SA",
    extract: false,
  });
  return parsed?.isPossible() ? parsed.number : null;
}

function httpUrl(text: string): string | null {
  if (text.length > URL_MAX_LENGTH) return null;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? text : null;
  } catch {
    return null;
  }
}

type Checked = { value: CustomValue } | { code: string; message: string };

const fail = (code: string, message: string): Checked => ({ code, message });

/** One non-empty value against its definition. */
function checkValue(definition: CustomFieldDefinition, raw: unknown): Checked {
  const optionValues = new Set((definition.options ?? []).map((option) => option.value));
  switch (definition.type) {
    case "text": {
      if (typeof raw !== "string") return fail("invalid_type", "Expected text.");
      const text = raw.trim();
      if (text.length > TEXT_MAX_LENGTH) return fail("too_long", `At most ${TEXT_MAX_LENGTH} characters.`);
      if (!definition.format) return { value: text };
      const format = FIELD_FORMATS[definition.format];
      const formatted = format.normalise(text);
      return formatted === null ? fail(format.code, format.message) : { value: formatted };
    }
    case "number":
      if (typeof raw !== "number" || !Number.isFinite(raw))
        return fail("invalid_number", "Expected a number.");
      return { value: raw };
    case "money":
      if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0)
        return fail("invalid_money", "Expected a whole, non-negative amount in halalas (1 SAR = 100).");
      return { value: raw };
    case "date":
      if (typeof raw !== "string" || !isCalendarDate(raw))
        return fail("invalid_date", "Expected a calendar date, YYYY-MM-DD.");
      return { value: raw };
    case "select":
      if (typeof raw !== "string" || !optionValues.has(raw))
        return fail("invalid_option", "Expected one of the field's option values.");
      return { value: raw };
    case "multi_select": {
      if (!Array.isArray(raw) || raw.some((item) => typeof item !== "string" || !optionValues.has(item)))
        return fail("invalid_option", "Expected a list of the field's option values.");
      if (new Set(raw).size !== raw.length) return fail("duplicate_option", "Each option may appear once.");
      return { value: raw as string[] };
    }
    case "phone": {
      const phone = typeof raw === "string" ? phoneE164(raw) : null;
      return phone ? { value: phone } : fail("invalid_phone", "Expected a phone number, e.g. 05XXXXXXXX.");
    }
    case "url": {
      const url = typeof raw === "string" ? httpUrl(raw.trim()) : null;
      return url
        ? { value: url }
        : fail("invalid_url", `Expected an http(s) address of at most ${URL_MAX_LENGTH} characters.`);
    }
  }
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks the `custom` part of a record write against the tenant's definitions for that object
 * (archived ones included, as customFieldDefinitionsFor returns them). Unknown keys are refused;
 * archived fields keep their stored values but cannot be changed; required fields must have a
 * value on create, and cannot be cleared by an update. Nothing is written when `errors` is not
 * empty: callers answer 422 with these errors (their paths are `custom.<key>`).
 */
export function checkCustomValues(
  definitions: readonly CustomFieldDefinition[],
  input: unknown,
  options: CheckOptions,
): CheckedCustomValues {
  const values: Record<string, CustomValue> = {};
  const errors: FieldError[] = [];
  const given = input ?? {};
  if (typeof given !== "object" || Array.isArray(given)) {
    return { values, errors: [{ path: "custom", code: "invalid_type", message: "Expected an object." }] };
  }
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  for (const [key, raw] of Object.entries(given)) {
    const path = `custom.${key}`;
    const definition = byKey.get(key);
    if (!definition) {
      errors.push({ path, code: "unknown_field", message: "No such custom field." });
      continue;
    }
    if (definition.archivedAt !== null) {
      if (!sameValue(raw, options.current?.[key] ?? null)) {
        errors.push({
          path,
          code: "archived_field",
          message: "This field is archived; it cannot be changed.",
        });
      }
      continue;
    }
    if (isEmpty(raw)) {
      if (definition.required) errors.push({ path, code: "required", message: "This field is required." });
      else if (options.partial) values[key] = null;
      continue;
    }
    const checked = checkValue(definition, raw);
    if ("code" in checked) errors.push({ path, code: checked.code, message: checked.message });
    else values[key] = checked.value;
  }
  if (!options.partial) {
    for (const definition of definitions) {
      if (definition.required && definition.archivedAt === null && !(definition.key in values)) {
        if (!errors.some((error) => error.path === `custom.${definition.key}`)) {
          errors.push({
            path: `custom.${definition.key}`,
            code: "required",
            message: "This field is required.",
          });
        }
      }
    }
  }
  return { values, errors };
}

/**
 * checkCustomValues for a route: the values, or a 422 VALIDATION_FAILED problem listing every bad
 * value (callers that validate other fields too can merge `errors` themselves instead).
 */
export function customValuesOrThrow(
  definitions: readonly CustomFieldDefinition[],
  input: unknown,
  options: CheckOptions,
): Record<string, CustomValue> {
  const { values, errors } = checkCustomValues(definitions, input, options);
  if (errors.length > 0) {
    throw new ApiError("VALIDATION_FAILED", "Some custom field values are invalid.", { errors });
  }
  return values;
}

/** A record's values after a checked update (null clears a key), as `json_patch` would make them. */
export function applyCustomValues(
  current: CustomValues | null | undefined,
  patch: Record<string, CustomValue>,
): CustomValues {
  const next: CustomValues = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** An option named by its value or by either label (as people write it in a spreadsheet). */
function optionValueOf(definition: CustomFieldDefinition, text: string): string {
  const wanted = text.toLowerCase();
  const option = (definition.options ?? []).find(
    (o) => o.value === text || o.labelAr === text || o.labelEn.toLowerCase() === wanted,
  );
  return option?.value ?? text;
}

const SAR_AMOUNT = /^\d{1,13}(\.\d{1,2})?$/;

/**
 * A value typed as text (a form field, a CSV cell) turned into the JSON type checkCustomValues
 * expects: numbers and SAR amounts (Arabic-Indic digits, thousands separators; money → halalas),
 * options by value or label, multi-select lists separated by commas. Text that cannot be converted is returned as it is, so
 * the check reports it against the field.
 */
export function customValueFromText(definition: CustomFieldDefinition, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const digits = asciiDigits(trimmed)
    .replace(/[,\u066c\s]/g, "")
    .replace("\u066b", ".");
  switch (definition.type) {
    case "number": {
      const number = /^-?\d+(\.\d+)?$/.test(digits) ? Number(digits) : Number.NaN;
      return Number.isFinite(number) ? number : trimmed;
    }
    case "money": {
      if (!SAR_AMOUNT.test(digits)) return trimmed;
      const [riyals = "0", halalas = ""] = digits.split(".");
      return Number(riyals) * 100 + Number(halalas.padEnd(2, "0"));
    }
    case "date":
      return asciiDigits(trimmed);
    case "select":
      return optionValueOf(definition, trimmed);
    case "multi_select":
      return [
        ...new Set(
          trimmed
            .split(/[,،;؛]/)
            .map((item) => item.trim())
            .filter(Boolean)
            .map((item) => optionValueOf(definition, item)),
        ),
      ];
    default:
      return trimmed;
  }
}

/**
 * A stored value as a CSV cell or plain text (exports): amounts in riyals (`1500.50`), lists
 * joined with `, `, options by their label in `locale` when given (customValueFromText reads
 * labels and values back, so an exported file imports again), else by value.
 */
export function customValueToText(
  definition: CustomFieldDefinition,
  value: CustomValues[string] | undefined,
  locale?: "ar" | "en",
): string {
  if (value === null || value === undefined) return "";
  const option = (item: string) => {
    const found = locale ? (definition.options ?? []).find((o) => o.value === item) : undefined;
    return found ? (locale === "ar" ? found.labelAr : found.labelEn) : item;
  };
  if (definition.type === "money" && typeof value === "number") return (value / 100).toFixed(2);
  if (Array.isArray(value)) return value.map(option).join(", ");
  if (definition.type === "select") return option(String(value));
  return String(value);
}
