import { ApiError, type FieldError } from "../platform/problem";
import type { ContactWithListsRow } from "./contacts.repo";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A contact as the API and the pages show it. */
export const contactView = (row: ContactWithListsRow) => ({
  id: row.id,
  name: row.name,
  phones: JSON.parse(row.phonesJson) as string[],
  email: row.email,
  source: row.source,
  status: row.status,
  ownerId: row.ownerId,
  companyId: row.companyId,
  tags: JSON.parse(row.tagsJson) as string[],
  notes: row.notes,
  custom: row.custom,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
  lastContactedAt: iso(row.lastContactedAt),
  mergedIntoId: row.mergedIntoId,
  version: row.version,
});
export type ContactView = ReturnType<typeof contactView>;

export const invalidContact = (errors: FieldError[]) =>
  new ApiError("VALIDATION_FAILED", "Some fields are not valid; nothing was saved.", { errors });

export const contactNotFound = () => new ApiError("NOT_FOUND", "No such contact.");
