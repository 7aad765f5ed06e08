// Duplicates of a contact and merging two contacts into one.
import { auditInsert } from "../audit/audit.service";
import { visibleRecords } from "../crm/visibility";
import type { TenantContext } from "../platform/context";
import { ApiError, type FieldError } from "../platform/problem";
import { hasRole } from "../platform/roles";
import { isStaleVersionError } from "../platform/versioning";
import { contactNotFound, contactView, invalidContact } from "./contact-view";
import {
  type ContactRow,
  type ContactWithListsRow,
  contactById,
  duplicatesOfStored,
  mergeStatements,
} from "./contacts.repo";
import { contacts } from "./contacts.schema";

export type DuplicateRow = ContactRow & { matchedOn: "phone" | "email" | "name" };

/** What a caller is told about a duplicate: the record itself only when they may see it. */
function duplicateMatch(ctx: TenantContext, row: DuplicateRow) {
  const { principal } = ctx;
  const visible =
    principal.kind !== "user" || hasRole(principal.role, "manager") || row.ownerId === principal.userId;
  return { row, visible };
}

/** A create refused as a likely duplicate; `matches` names only the contacts the caller may see. */
export class DuplicateContactError extends ApiError {
  constructor(
    errors: FieldError[],
    readonly matches: { id: string | null; name: string | null; matchedOn: DuplicateRow["matchedOn"] }[],
  ) {
    super(
      "DUPLICATE_CONTACT",
      'This looks like a contact you already have; open it, or send "onDuplicate": "create" to add it anyway.',
      { errors },
    );
  }
}

export function duplicateProblem(ctx: TenantContext, rows: DuplicateRow[]) {
  const matches = rows.map((row) => {
    const { visible } = duplicateMatch(ctx, row);
    return { id: visible ? row.id : null, name: visible ? row.name : null, matchedOn: row.matchedOn };
  });
  const errors = matches.map((match) => ({
    path: match.matchedOn === "phone" ? "phones" : match.matchedOn,
    code: `duplicate_${match.matchedOn}`,
    message: match.id
      ? `Contact ${match.id} (${match.name}) has the same ${match.matchedOn}.`
      : `A contact assigned to another member has the same ${match.matchedOn}.`,
  }));
  return new DuplicateContactError(errors, matches);
}

/** The contacts that look like this one (phone, then email, then name), among those the caller sees. */
export async function duplicatesOf(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row], candidates] = await scope.read(
    () =>
      [contactById(scope, id, visibleRecords(ctx, contacts.ownerId)), duplicatesOfStored(scope, id)] as const,
  );
  if (!row || row.mergedIntoId) throw contactNotFound();
  return visibleDuplicates(ctx, candidates as DuplicateRow[]);
}

/** Duplicates as the API shows them: only the ones the caller may see. */
export const visibleDuplicates = (ctx: TenantContext, candidates: DuplicateRow[]) =>
  candidates
    .filter((candidate) => duplicateMatch(ctx, candidate).visible)
    .map((candidate) => ({
      id: candidate.id,
      name: candidate.name,
      phone: candidate.phone,
      email: candidate.email,
      ownerId: candidate.ownerId,
      matchedOn: candidate.matchedOn,
    }));

/**
 * Merges `otherId` into `id`: one batch moves every phone, tag, activity and deal, fills the
 * survivor's empty fields, keeps both notes, marks the other contact merged (its row stays, so
 * nothing is lost and old links resolve) and records the merge in the audit log.
 */
export async function mergeContacts(ctx: TenantContext, id: string, otherId: string) {
  const { scope, now } = ctx;
  const visible = () => visibleRecords(ctx, contacts.ownerId);
  const [[survivor], [other]] = await scope.read(
    () => [contactById(scope, id, visible()), contactById(scope, otherId, visible())] as const,
  );
  if (!survivor || survivor.mergedIntoId) throw contactNotFound();
  if (otherId === id) {
    throw invalidContact([
      { path: "otherId", code: "same_contact", message: "A contact cannot be merged into itself." },
    ]);
  }
  if (!other || other.mergedIntoId) {
    throw invalidContact([
      { path: "otherId", code: "not_found", message: "No such contact to merge (or it was merged already)." },
    ]);
  }
  try {
    await scope.write([
      ...mergeStatements(scope, id, otherId, now),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "contact.merged",
          target: { type: "contact", id },
          details: { mergedContactId: otherId },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    if (isStaleVersionError(error)) {
      throw new ApiError("CONFLICT", "One of the two contacts was merged meanwhile; reload and try again.");
    }
    throw error;
  }
  const [[row]] = await scope.read(() => [contactById(scope, id, undefined)] as const);
  if (!row) throw contactNotFound();
  return contactView(row as ContactWithListsRow);
}
