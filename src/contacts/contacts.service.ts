import type { z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { auditInsert } from "../audit/audit.service";
import { meter, withinPlan } from "../billing/usage";
import { companies } from "../companies/companies.schema";
import { settingsRow } from "../crm/crm-settings.repo";
import { ownerChoiceErrors, visibleRecords } from "../crm/visibility";
import { customFilterConditions } from "../custom-fields/custom-field-filter";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { applyCustomValues, checkCustomValues } from "../custom-fields/custom-values";
import { membershipOf } from "../members/members.repo";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { nameKey, normaliseText } from "../platform/text-normalise";
import { expectedVersion, isStaleVersionError, versionMismatch } from "../platform/versioning";
import { contactMatches } from "../search/search.repo";
import { contactNotFound, contactView, invalidContact } from "./contact-view";
import type { ContactListQuery, CreateContactInputSchema, UpdateContactInputSchema } from "./contacts.model";
import {
  type ContactWithListsRow,
  contactById,
  deletePhones,
  deleteTags,
  duplicateCandidates,
  insertContact,
  insertPhones,
  insertTags,
  listContacts,
  sortKindOf,
  sortValueOf,
  takeRoundRobinTurn,
  updateContact,
} from "./contacts.repo";
import { contacts } from "./contacts.schema";
import { type DuplicateRow, duplicateProblem } from "./duplicates.service";

export type CreateContactInput = z.infer<typeof CreateContactInputSchema>;
export type UpdateContactInput = z.infer<typeof UpdateContactInputSchema>;

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
  if (!row) throw contactNotFound();
  return contactView(row as ContactWithListsRow);
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
  const errors = ownerChoiceErrors(ctx, explicitOwner, "leads");
  if (errors.length > 0) throw invalidContact(errors);

  const [settingsRows, duplicates, ownerRows, companyRows, definitions] = await scope.read(
    () =>
      [
        settingsRow(scope),
        duplicateCandidates(
          scope,
          input.onDuplicate === "refuse"
            ? { phones, email, nameKey: key }
            : { phones: [], email: null, nameKey: "" },
          null,
          5,
        ),
        membershipOf(scope, explicitOwner ?? ""),
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
  if (errors.length > 0) throw invalidContact(errors);
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
      // The checked values: normalised (phones in E.164, formats such as a REGA licence in ASCII digits).
      custom: applyCustomValues({}, custom.values),
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
  // The turn is taken just before the insert it assigns, in the same batch; the stored contact
  // (with the owner the turn gave it) is read back at the end of that batch, not in another trip.
  const readBack = contactById(scope, id, undefined);
  const metered = meter(scope, "contacts", 1, now);
  const written = await withinPlan(ctx, "contacts", () =>
    scope.write(
      roundRobin
        ? [metered, takeRoundRobinTurn(scope, now), insert, ...children, readBack]
        : [metered, insert, ...children, readBack],
    ),
  );
  const [row] = written.at(-1) as ContactWithListsRow[];
  if (!row) throw new Error("createContact: the contact was not stored");
  return contactView(row as ContactWithListsRow);
}

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
  const errors = ownerChoiceErrors(ctx, input.ownerId, "leads");
  if (errors.length > 0) throw invalidContact(errors);
  const visible = () => visibleRecords(ctx, contacts.ownerId);
  const [[current], ownerRows, companyRows, definitions] = await scope.read(
    () =>
      [
        contactById(scope, id, visible()),
        membershipOf(scope, input.ownerId ?? ""),
        companyVisible(ctx, input.companyId ?? ""),
        customFieldDefinitionsFor(scope, "contact"),
      ] as const,
  );
  if (!current || current.mergedIntoId) throw contactNotFound();
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
  if (errors.length > 0) throw invalidContact(errors);
  if (current.version !== version) throw versionMismatch(current.version);

  const phones = input.phones ? [...new Set(input.phones)] : undefined;
  const tags = input.tags ? [...new Set(input.tags)] : undefined;
  const reassigned = input.ownerId !== undefined && input.ownerId !== current.ownerId;
  let written: unknown[];
  try {
    written = await scope.write([
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
      // Read back at the end of the same batch: the stored row with its new phones and tags.
      contactById(scope, id, undefined),
    ]);
  } catch (error) {
    if (isStaleVersionError(error)) throw await staleOrGone(ctx, id);
    throw error;
  }
  const [row] = written.at(-1) as ContactWithListsRow[];
  if (!row) throw contactNotFound();
  return contactView(row as ContactWithListsRow);
}

/** After a refused update: 412 with the current version, or 404 when the caller lost sight of it. */
async function staleOrGone(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(
    () => [contactById(ctx.scope, id, visibleRecords(ctx, contacts.ownerId))] as const,
  );
  return row && !row.mergedIntoId ? versionMismatch(row.version) : contactNotFound();
}
