import type { z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { timelinePage, timelineQuery } from "../activities/activities.service";
import { auditInsert } from "../audit/audit.service";
import { companies } from "../companies/companies.schema";
import { visibleRecords } from "../crm/visibility";
import { customFilterConditions } from "../custom-fields/custom-field-filter";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { applyCustomValues, checkCustomValues } from "../custom-fields/custom-values";
import { listMembers } from "../members/members.repo";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError, type FieldError } from "../platform/problem";
import { hasRole } from "../platform/roles";
import { nameKey, normaliseText } from "../platform/text-normalise";
import { expectedVersion, isStaleVersionError, versionMismatch } from "../platform/versioning";
import { contactMatches } from "../search/search.repo";
import type { ContactListQuery, CreateContactInputSchema, UpdateContactInputSchema } from "./contacts.model";
import {
  type ContactRow,
  type ContactWithListsRow,
  contactById,
  crmSettingsOf,
  deletePhones,
  deleteTags,
  duplicateCandidates,
  duplicatesOfStored,
  insertContact,
  insertPhones,
  insertTags,
  listContacts,
  membership,
  mergeStatements,
  sortKindOf,
  sortValueOf,
  takeRoundRobinTurn,
  updateContact,
} from "./contacts.repo";
import { contacts } from "./contacts.schema";

export type CreateContactInput = z.infer<typeof CreateContactInputSchema>;
export type UpdateContactInput = z.infer<typeof UpdateContactInputSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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

const invalid = (errors: FieldError[]) =>
  new ApiError("VALIDATION_FAILED", "Some fields are not valid; nothing was saved.", { errors });

const notFound = () => new ApiError("NOT_FOUND", "No such contact.");

const companyVisible = (ctx: TenantContext, companyId: string) =>
  ctx.scope.db
    .select({ id: companies.id })
    .from(companies)
    .where(
      ctx.scope.where(
        companies.tenantId,
        eq(companies.id, companyId),
        visibleRecords(ctx, companies.ownerId),
      ),
    );

/** Agents work their own leads: they may not hand a lead to someone else. */
function ownerErrors(ctx: TenantContext, ownerId: string | null | undefined): FieldError[] {
  const { principal } = ctx;
  if (ownerId === undefined || principal.kind !== "user" || hasRole(principal.role, "manager")) return [];
  if (ownerId === principal.userId) return [];
  return [
    { path: "ownerId", code: "forbidden_owner", message: "Agents can assign leads only to themselves." },
  ];
}

/** A page of the contacts the caller may see, filtered and sorted; one D1 round trip. */
export async function listContactsFor(
  ctx: TenantContext,
  query: ContactListQuery,
  customFilters: Record<string, string> = {},
) {
  const { cursor, limit, sort, q, ownerId, ...rest } = query;
  const after = cursor ? decodeCursor(cursor, sortKindOf(sort)) : null;
  const me = ctx.principal.kind === "user" ? ctx.principal.userId : null;
  const owner = ownerId === "none" ? null : ownerId === "me" ? (me ?? "") : ownerId;
  // The search box uses the full-text index (Arabic-aware, phones, emails) inside the list's query.
  const conditions = [contactMatches(ctx.scope, q)];
  if (Object.keys(customFilters).length > 0) {
    // A custom-field filter depends on the field's type: its definition is read first.
    const [definitions] = await ctx.scope.read(
      () => [customFieldDefinitionsFor(ctx.scope, "contact")] as const,
    );
    conditions.push(customFilterConditions(contacts.custom, definitions, customFilters) ?? sql`1`);
  }
  const [rows] = await ctx.scope.read(
    () =>
      [
        listContacts(
          ctx.scope,
          { ...rest, ownerId: owner, conditions },
          visibleRecords(ctx, contacts.ownerId),
          sort,
          after,
          limit,
        ),
      ] as const,
  );
  const page = toPage(rows as ContactWithListsRow[], limit, (row) => ({
    sort: sortValueOf(row, sort),
    id: row.id,
  }));
  return { data: page.data.map(contactView), nextCursor: page.nextCursor };
}

/** One contact the caller may see (a merged one too, so old links show where it went). */
export async function getContact(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(
    () => [contactById(ctx.scope, id, visibleRecords(ctx, contacts.ownerId))] as const,
  );
  if (!row) throw notFound();
  return contactView(row as ContactWithListsRow);
}

export type DuplicateRow = ContactRow & { matchedOn: "phone" | "email" | "name" };

/** What a caller is told about a duplicate: the record itself only when they may see it. */
function duplicateMatch(ctx: TenantContext, row: DuplicateRow) {
  const { principal } = ctx;
  const visible =
    principal.kind !== "user" || hasRole(principal.role, "manager") || row.ownerId === principal.userId;
  return { row, visible };
}

/**
 * Creates a contact: checks owner, company, custom fields and duplicates in one read (with the
 * session check), then writes the contact, its phones and tags, the round-robin turn and the audit
 * record in one batch.
 */
export async function createContact(ctx: TenantContext, input: CreateContactInput) {
  const { scope, principal, now } = ctx;
  const phones = [...new Set(input.phones)];
  const email = input.email ?? null;
  const key = nameKey(input.name);
  const me = principal.kind === "user" ? principal.userId : null;
  const explicitOwner = input.ownerId;
  const errors = ownerErrors(ctx, explicitOwner);
  if (errors.length > 0) throw invalid(errors);

  const [settingsRows, duplicates, ownerRows, companyRows, definitions] = await scope.read(
    () =>
      [
        crmSettingsOf(scope),
        duplicateCandidates(
          scope,
          input.onDuplicate === "refuse"
            ? { phones, email, nameKey: key }
            : { phones: [], email: null, nameKey: "" },
          null,
          5,
        ),
        membership(scope, explicitOwner ?? ""),
        companyVisible(ctx, input.companyId ?? ""),
        customFieldDefinitionsFor(scope, "contact"),
      ] as const,
  );
  const custom = checkCustomValues(definitions, input.custom, { partial: false });
  errors.push(...custom.errors);
  if (explicitOwner && ownerRows.length === 0) {
    errors.push({
      path: "ownerId",
      code: "not_a_member",
      message: "The owner must be a member of this team.",
    });
  }
  if (input.companyId && companyRows.length === 0) {
    errors.push({ path: "companyId", code: "not_found", message: "No such company." });
  }
  if (errors.length > 0) throw invalid(errors);
  if (duplicates.length > 0) throw duplicateProblem(ctx, duplicates as DuplicateRow[]);

  // Agents' own leads stay theirs; leads others create follow the tenant's rule.
  const roundRobin =
    explicitOwner === undefined &&
    settingsRows[0]?.assignment === "round_robin" &&
    !(principal.kind === "user" && principal.role === "agent");
  const owner = roundRobin
    ? { roundRobin: true as const, fallbackOwnerId: me }
    : { ownerId: explicitOwner === undefined ? me : explicitOwner };

  const id = newId(idPrefixes.contact);
  const insert = insertContact(
    scope,
    {
      id,
      name: input.name,
      nameNorm: normaliseText(input.name),
      nameKey: key,
      phone: phones[0] ?? null,
      email,
      source: input.source,
      status: input.status,
      companyId: input.companyId ?? null,
      notes: input.notes ?? null,
      custom: input.custom,
      createdBy: ctx.actor.id,
      createdAt: now,
      updatedAt: now,
      version: 1,
    },
    owner,
  );
  const children = [
    ...(phones.length > 0 ? [insertPhones(scope, id, phones)] : []),
    ...(input.tags.length > 0 ? [insertTags(scope, id, [...new Set(input.tags)])] : []),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "contact.created",
        target: { type: "contact", id },
        details: { source: input.source, assignment: roundRobin ? "round_robin" : "manual" },
      },
      ctx.origin,
      now,
    ),
  ];
  // The turn is taken just before the insert it assigns, in the same batch.
  await scope.write(
    roundRobin ? [takeRoundRobinTurn(scope, now), insert, ...children] : [insert, ...children],
  );
  const [[row]] = await scope.read(() => [contactById(scope, id, undefined)] as const);
  if (!row) throw new Error("createContact: the contact was not stored");
  return contactView(row as ContactWithListsRow);
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

function duplicateProblem(ctx: TenantContext, rows: DuplicateRow[]) {
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
  if (!row || row.mergedIntoId) throw notFound();
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
 * Updates the fields given, at the version the caller read (If-Match). A change of owner is
 * audited as a reassignment. Phones and tags, when given, replace the old lists in the same batch.
 */
export async function updateContactFor(
  ctx: TenantContext,
  id: string,
  ifMatch: string | undefined,
  input: UpdateContactInput,
) {
  const { scope, now } = ctx;
  const errors = ownerErrors(ctx, input.ownerId);
  if (errors.length > 0) throw invalid(errors);
  const visible = () => visibleRecords(ctx, contacts.ownerId);
  const [[current], ownerRows, companyRows, definitions] = await scope.read(
    () =>
      [
        contactById(scope, id, visible()),
        membership(scope, input.ownerId ?? ""),
        companyVisible(ctx, input.companyId ?? ""),
        customFieldDefinitionsFor(scope, "contact"),
      ] as const,
  );
  if (!current || current.mergedIntoId) throw notFound();
  // Existence first: a record the caller cannot see is a 404 whatever the precondition says.
  const version = expectedVersion(ifMatch);
  if (input.ownerId && ownerRows.length === 0) {
    errors.push({
      path: "ownerId",
      code: "not_a_member",
      message: "The owner must be a member of this team.",
    });
  }
  if (input.companyId && companyRows.length === 0) {
    errors.push({ path: "companyId", code: "not_found", message: "No such company." });
  }
  const custom =
    input.custom === undefined
      ? undefined
      : checkCustomValues(definitions, input.custom, { partial: true, current: current.custom });
  errors.push(...(custom?.errors ?? []));
  if (errors.length > 0) throw invalid(errors);
  if (current.version !== version) throw versionMismatch(current.version);

  const phones = input.phones ? [...new Set(input.phones)] : undefined;
  const tags = input.tags ? [...new Set(input.tags)] : undefined;
  const reassigned = input.ownerId !== undefined && input.ownerId !== current.ownerId;
  try {
    await scope.write([
      updateContact(
        scope,
        id,
        version,
        {
          ...(input.name !== undefined
            ? { name: input.name, nameNorm: normaliseText(input.name), nameKey: nameKey(input.name) }
            : {}),
          ...(phones ? { phone: phones[0] ?? null } : {}),
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(input.source !== undefined ? { source: input.source } : {}),
          ...(input.status !== undefined ? { status: input.status } : {}),
          ...(input.ownerId !== undefined ? { ownerId: input.ownerId } : {}),
          ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
          ...(input.notes !== undefined ? { notes: input.notes } : {}),
          ...(custom ? { custom: applyCustomValues(current.custom, custom.values) } : {}),
          updatedAt: now,
        },
        visible(),
      ),
      ...(phones
        ? [deletePhones(scope, id), ...(phones.length > 0 ? [insertPhones(scope, id, phones)] : [])]
        : []),
      ...(tags ? [deleteTags(scope, id), ...(tags.length > 0 ? [insertTags(scope, id, tags)] : [])] : []),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "contact.updated",
          target: { type: "contact", id },
          details: { fields: Object.keys(input).sort().join(" ") },
        },
        ctx.origin,
        now,
      ),
      ...(reassigned
        ? [
            auditInsert(
              scope.db,
              {
                tenantId: scope.tenantId,
                actor: ctx.actor,
                action: "contact.reassigned",
                target: { type: "contact", id },
                details: { from: current.ownerId, to: input.ownerId ?? null },
              },
              ctx.origin,
              now,
            ),
          ]
        : []),
    ]);
  } catch (error) {
    if (isStaleVersionError(error)) throw await staleOrGone(ctx, id);
    throw error;
  }
  const [[row]] = await scope.read(() => [contactById(scope, id, undefined)] as const);
  if (!row) throw notFound();
  return contactView(row as ContactWithListsRow);
}

/** After a refused update: 412 with the current version, or 404 when the caller lost sight of it. */
async function staleOrGone(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(
    () => [contactById(ctx.scope, id, visibleRecords(ctx, contacts.ownerId))] as const,
  );
  return row && !row.mergedIntoId ? versionMismatch(row.version) : notFound();
}

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
  if (!survivor || survivor.mergedIntoId) throw notFound();
  if (otherId === id) {
    throw invalid([
      { path: "otherId", code: "same_contact", message: "A contact cannot be merged into itself." },
    ]);
  }
  if (!other || other.mergedIntoId) {
    throw invalid([
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
  if (!row) throw notFound();
  return contactView(row as ContactWithListsRow);
}

/**
 * Everything the contact page shows, in one D1 round trip with the session check: the contact,
 * its likely duplicates, its timeline, the team (for owner names) and the contact fields. The
 * timeline rows are read beside the visibility check and dropped when the contact is not visible.
 */
export async function contactWorkspace(ctx: TenantContext, id: string, timelineLimit: number) {
  const { scope } = ctx;
  const [[row], candidates, timelineRows, team, definitions] = await scope.read(
    () =>
      [
        contactById(scope, id, visibleRecords(ctx, contacts.ownerId)),
        duplicatesOfStored(scope, id),
        timelineQuery(ctx, { contactId: id }, timelineLimit),
        listMembers(scope, null, WORKSPACE_MEMBERS),
        customFieldDefinitionsFor(scope, "contact"),
      ] as const,
  );
  if (!row) throw notFound();
  const contact = contactView(row as ContactWithListsRow);
  return {
    contact,
    duplicates: contact.mergedIntoId ? [] : visibleDuplicates(ctx, candidates as DuplicateRow[]),
    timeline: timelinePage(timelineRows, timelineLimit).data,
    members: team.map((member) => ({ userId: member.userId, name: member.name })),
    definitions,
  };
}

/** The team members a record page names (owners, assignees); larger teams page through /team. */
const WORKSPACE_MEMBERS = 100;
