import { z } from "@hono/zod-openapi";
import { and, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { ApiError } from "./problem";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Query parameters of every list endpoint: `?cursor=&limit=`. */
export const PageQuerySchema = z.object({
  cursor: z.string().max(512).optional().openapi({ description: "`nextCursor` of the previous page" }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

/** The position after the last row of a page: its sort value and id (the tie-breaker). */
export interface CursorPosition {
  sort: string | number;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  const bytes = new TextEncoder().encode(JSON.stringify([position.sort, position.id]));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

const invalidCursor = () =>
  new ApiError("VALIDATION_FAILED", "The cursor is not one this API issued.", {
    errors: [{ path: "cursor", code: "invalid_cursor", message: "Use nextCursor from the previous page." }],
  });

/**
 * Reads a cursor back. Cursors are not signed, so the caller says what kind of sort value its list
 * uses (a timestamp must be a whole number) and anything else is a 422, not a quietly empty page.
 */
export function decodeCursor(cursor: string, sortKind: "number" | "string"): CursorPosition {
  let parsed: unknown;
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[1] !== "string") throw invalidCursor();
  const [sort, id] = parsed as [unknown, string];
  const sortOk = sortKind === "number" ? Number.isSafeInteger(sort) : typeof sort === "string";
  if (!sortOk) throw invalidCursor();
  return { sort: sort as string | number, id };
}

/**
 * Shapes a page from rows fetched with `limit + 1`: the extra row only proves there is a next
 * page and is not returned.
 */
export function toPage<Row>(rows: Row[], limit: number, positionOf: (row: Row) => CursorPosition) {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/**
 * The WHERE condition that continues a list after `after`, for a list ordered by `sort` then `id`
 * (the tie-breaker) in `order`; undefined on the first page.
 */
export function continuingAfter(
  sort: SQLiteColumn,
  id: SQLiteColumn,
  after: CursorPosition | null,
  order: "asc" | "desc",
): SQL | undefined {
  if (!after) return undefined;
  const beyond = order === "asc" ? gt : lt;
  return or(beyond(sort, after.sort), and(eq(sort, after.sort), beyond(id, after.id)));
}
