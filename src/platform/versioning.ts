// Optimistic concurrency for records people edit side by side (contacts, companies, deals): every
// read returns the record's version as an ETag, every update must name the version it was based
// on, and an update of a version that has moved on is refused instead of silently overwriting.
import { z } from "@hono/zod-openapi";
import { ApiError } from "./problem";

/** The ETag of a record version: a strong validator, `"3"`. */
export const etagOf = (version: number) => `"${version}"`;

/** The header part of an update's contract. */
export const IfMatchHeadersSchema = z.object({
  "if-match": z.string().max(40).optional().openapi({
    // No `param` name here: zod-to-openapi refuses one that differs from the key ("if-match").
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
