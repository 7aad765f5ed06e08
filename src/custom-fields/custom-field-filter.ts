import { and, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { ApiError, type FieldError } from "../platform/problem";
import { asciiDigits } from "../platform/text-normalise";
import { type CustomFieldDefinition, isCalendarDate, phoneE164 } from "./custom-values";

/** A definition as the filter needs it. */
export type FilterableField = Pick<CustomFieldDefinition, "key" | "type">;

const QUERY_PREFIX = "custom.";
/** Custom field filters one list request may carry. */
export const MAX_CUSTOM_FILTERS = 20;
const NUMBER = /^-?\d+(\.\d+)?$/;

const invalid = (key: string, message: string): never => {
  const error: FieldError = { path: `${QUERY_PREFIX}${key}`, code: "invalid_filter", message };
  throw new ApiError("VALIDATION_FAILED", "A custom field filter is invalid.", { errors: [error] });
};

/** `a`, `a..b`, `a..` or `..b`, each bound checked by `parse`. */
function range<T>(text: string, parse: (bound: string) => T | null) {
  const parts = text.split("..");
  if (parts.length > 2) return null;
  const [from = "", to] = parts;
  if (to === undefined) {
    const exact = parse(from);
    return exact === null ? null : { from: exact, to: exact };
  }
  const lower = from === "" ? undefined : parse(from);
  const upper = to === "" ? undefined : parse(to);
  if (lower === null || upper === null || (lower === undefined && upper === undefined)) return null;
  return { from: lower, to: upper };
}

const parseNumber = (text: string) => (NUMBER.test(text) ? Number(text) : null);
const parseDate = (text: string) => (isCalendarDate(text) ? text : null);

function between(
  value: SQL,
  bounds: { from?: number | string | undefined; to?: number | string | undefined },
) {
  return and(
    bounds.from === undefined ? undefined : sql`${value} >= ${bounds.from}`,
    bounds.to === undefined ? undefined : sql`${value} <= ${bounds.to}`,
  ) as SQL;
}

/**
 * The WHERE condition of one `?custom.<key>=<value>` list filter, for the records' `custom`
 * column (contacts.custom, companies.custom, deals.custom). The lists AND it with their other
 * conditions (use customFilterConditions for every `custom.*` parameter at once). Query syntax by
 * field type (`,` means "any of", `..` a range whose either end may be left open):
 *
 *   text, url      `?custom.source_campaign=Ramadan 2026`   equal, ignoring Latin case
 *   phone          `?custom.office_phone=0112345678`        the same number (compared in E.164)
 *   number         `?custom.bedrooms=3`, `=2..4`, `=3..`    equal, or within the range
 *   money          `?custom.budget=50000000..`              in halalas, as the API stores them
 *   date           `?custom.move_in=2026-12-01..2026-12-31` equal, or within the range (inclusive)
 *   select         `?custom.district=olaya,malqa`            one of these option values
 *   multi_select   `?custom.services=cleaning,whitening`    has at least one of these values
 *
 * Values are compared as stored (json_extract; json_each for multi-select lists), so an option
 * removed from a field still matches the records that keep it. A value that cannot mean anything
 * for the type (a word for a number, 2026-02-30) is a 422 with path `custom.<key>`.
 */
export function customFieldCondition(
  customColumn: SQLiteColumn,
  definition: FilterableField,
  value: string,
): SQL {
  const { key } = definition;
  const path = `$.${key}`;
  const stored = sql`json_extract(${customColumn}, ${path})`;
  const text = value.trim();
  if (text === "") invalid(key, "Give a value to filter by.");
  const list = () =>
    [
      ...new Set(
        text
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean),
      ),
    ].slice(0, 50);
  switch (definition.type) {
    case "text":
    case "url":
      return sql`lower(${stored}) = lower(${text})`;
    case "phone": {
      const phone = phoneE164(text);
      return phone ? sql`${stored} = ${phone}` : invalid(key, "Not a phone number.");
    }
    case "number":
    case "money": {
      const bounds = range(asciiDigits(text), parseNumber);
      return bounds ? between(stored, bounds) : invalid(key, "Give a number or a range such as 2..4.");
    }
    case "date": {
      const bounds = range(asciiDigits(text), parseDate);
      return bounds
        ? between(stored, bounds)
        : invalid(key, "Give a date (YYYY-MM-DD) or a range such as 2026-12-01..2026-12-31.");
    }
    // The values go as one JSON parameter (D1 binds at most 100 per statement), not one each.
    case "select":
      return sql`${stored} IN (SELECT value FROM json_each(${JSON.stringify(list())}))`;
    case "multi_select":
      return sql`exists (select 1 from json_each(${customColumn}, ${path}) AS held where held.value IN (SELECT value FROM json_each(${JSON.stringify(list())})))`;
  }
}

/**
 * Every `custom.<key>` parameter of a list's query string (e.g. `c.req.query()`), ANDed; other
 * parameters are ignored. A key with no definition on this object is a 422. The list route's query
 * schema must let `custom.*` through (e.g. `.catchall(z.string())` or reading `c.req.query()`).
 * The condition depends on each field's type, so a list request that carries `custom.*` filters
 * reads the definitions first (customFieldDefinitionsFor): one extra round trip, only for those.
 */
export function customFilterConditions(
  customColumn: SQLiteColumn,
  definitions: readonly FilterableField[],
  query: Record<string, string>,
): SQL | undefined {
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  const filters = Object.entries(query).filter(([name]) => name.startsWith(QUERY_PREFIX));
  // Each filter binds up to 4 parameters; D1 refuses a statement with more than 100 in all.
  if (filters.length > MAX_CUSTOM_FILTERS) {
    throw new ApiError("VALIDATION_FAILED", "A custom field filter is invalid.", {
      errors: [
        {
          path: "custom",
          code: "too_many_filters",
          message: `At most ${MAX_CUSTOM_FILTERS} custom field filters at once.`,
        },
      ],
    });
  }
  const conditions = filters.map(([name, value]) => {
    const key = name.slice(QUERY_PREFIX.length);
    const definition = byKey.get(key);
    return definition
      ? customFieldCondition(customColumn, definition, value)
      : invalid(key, "No such custom field on this object.");
  });
  return conditions.length > 0 ? and(...conditions) : undefined;
}
