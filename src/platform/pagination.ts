import { z } from "@hono/zod-openapi";
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

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const parsed: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))),
    );
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === "string" || typeof parsed[0] === "number") &&
      typeof parsed[1] === "string"
    ) {
      return { sort: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the problem below
  }
  throw new ApiError("VALIDATION_FAILED", "The cursor is not one this API issued.", {
    errors: [{ path: "cursor", code: "invalid_cursor", message: "Use nextCursor from the previous page." }],
  });
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
