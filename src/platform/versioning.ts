// Optimistic concurrency for records people edit side by side (contacts, companies, deals): every
// read returns the record's version as an ETag, every update must name the version it was based
// on, and an update of a version that has moved on is refused instead of silently overwriting.
import { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { ApiError } from "./problem";

/** The ETag of a record version: a strong validator, `"3"`. */
export const etagOf = (version: number) => `"${version}"`;

/** The header part of an update's contract. */
export const IfMatchHeadersSchema = z.object({
  "if-match": z.string().max(40).optional().openapi({
    description:
      'The record\'s ETag (its `version` in quotes, e.g. `"3"`) as last read; required, so concurrent edits are never silently lost.',
    example: '"3"',
  }),
});

/** The version an update is based on, from `If-Match`; 428 without it, 400 when it is not a version. */
export function expectedVersion(ifMatch: string | undefined): number {
  if (ifMatch === undefined) {
    throw new ApiError(
      "VERSION_REQUIRED",
      "Send If-Match with the ETag from your last read of this record, so a newer change is not overwritten.",
    );
  }
  const match = ifMatch.trim().match(/^(?:W\/)?"(\d{1,9})"$/);
  if (!match) throw new ApiError("INVALID_HEADER", 'If-Match must be an ETag such as "3".');
  return Number(match[1]);
}

/** The problem for an update whose version was stale; names the current one so a client can re-read. */
export const versionMismatch = (current: number) =>
  new ApiError(
    "VERSION_MISMATCH",
    `Someone changed this record since you read it (it is now version ${current}); reload it and apply your change again.`,
    { headers: { ETag: etagOf(current) } },
  );

/**
 * The new version for a guarded update: one more when the row is still at `expected` (and
 * `condition` holds), else NULL. Version columns are NOT NULL, so a stale update fails the whole
 * D1 batch it is in (a batch is atomic): statements batched with it (child rows, audit) never
 * apply to a version nobody read. Catch the failure with `isStaleVersionError` and re-read to
 * answer 412 or 404.
 */
export const nextVersionIf = (versionColumn: SQLiteColumn, expected: number, condition?: SQL): SQL =>
  sql`CASE WHEN ${versionColumn} = ${expected}${condition ? sql` AND ${condition}` : sql``} THEN ${versionColumn} + 1 END`;

/** True for the error a stale `nextVersionIf` update raises. */
export const isStaleVersionError = (error: unknown) =>
  error instanceof Error &&
  /NOT NULL constraint failed: \w+\.version/.test(
    String(error.message) + String((error as { cause?: unknown }).cause ?? ""),
  );
