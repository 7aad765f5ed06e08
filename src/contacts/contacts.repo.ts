import { and, asc, desc, eq, getTableColumns, isNull, ne, type SQL, sql } from "drizzle-orm";
import { activities } from "../activities/activities.schema";
import { assignmentAgents, crmSettings } from "../crm/crm.schema";
import { deals } from "../deals/deals.schema";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { nextVersionIf } from "../platform/versioning";
import { memberships } from "../tenants/tenants.schema";
import type { ContactListQuery, ContactSort } from "./contacts.model";
import { contactPhones, contacts, contactTags } from "./contacts.schema";

export type ContactRow = typeof contacts.$inferSelect;
export type NewContactRow = Omit<typeof contacts.$inferInsert, "tenantId" | "ownerId">;

/** A contact with its phones (in order) and tags as JSON arrays, read in the same statement. */
const contactWithLists = {
  ...getTableColumns(contacts),
  phonesJson: sql<string>`(SELECT json_group_array(phone) FROM (SELECT ${contactPhones.phone} AS phone FROM ${contactPhones} WHERE ${contactPhones.contactId} = ${contacts.id} ORDER BY ${contactPhones.position}))`,
  tagsJson: sql<string>`(SELECT json_group_array(tag) FROM (SELECT ${contactTags.tag} AS tag FROM ${contactTags} WHERE ${contactTags.contactId} = ${contacts.id} ORDER BY ${contactTags.tag}))`,
};
export type ContactWithListsRow = ContactRow & { phonesJson: string; tagsJson: string };

/** The sort column and direction of each list order; the id breaks ties. */
const SORTS = {
  "-createdAt": { column: contacts.createdAt, order: "desc" },
  createdAt: { column: contacts.createdAt, order: "asc" },
  name: { column: contacts.nameNorm, order: "asc" },
  "-updatedAt": { column: contacts.updatedAt, order: "desc" },
} as const satisfies Record<ContactSort, { column: unknown; order: "asc" | "desc" }>;

export const sortValueOf = (row: ContactRow, sort: ContactSort): string | number =>
  sort === "name" ? row.nameNorm : sort === "-updatedAt" ? row.updatedAt : row.createdAt;

export const sortKindOf = (sort: ContactSort) => (sort === "name" ? "string" : "number");

export interface ContactFilters
  extends Omit<ContactListQuery, "cursor" | "limit" | "sort" | "q" | "ownerId"> {
  /** A member id, or null for unassigned leads. */
  ownerId?: string | null;
  /** Extra conditions (search, custom fields) built by their capabilities. */
  conditions?: (SQL | undefined)[];
}

/** A page of live (not merged) contacts; `visible` limits it to what the caller may see. */
export function listContacts(
  scope: TenantScope,
  filters: ContactFilters,
  visible: SQL | undefined,
  sort: ContactSort,
  after: CursorPosition | null,
  limit: number,
) {
  const { column, order } = SORTS[sort];
  return scope.db
    .select(contactWithLists)
    .from(contacts)
    .where(
      scope.where(
        contacts.tenantId,
        isNull(contacts.mergedIntoId),
        visible,
        filters.status ? eq(contacts.status, filters.status) : undefined,
        filters.source ? eq(contacts.source, filters.source) : undefined,
        filters.ownerId === null
          ? isNull(contacts.ownerId)
          : filters.ownerId
            ? eq(contacts.ownerId, filters.ownerId)
            : undefined,
        filters.companyId ? eq(contacts.companyId, filters.companyId) : undefined,
        filters.tag
          ? sql`EXISTS (SELECT 1 FROM ${contactTags} WHERE ${contactTags.contactId} = ${contacts.id} AND ${contactTags.tag} = ${filters.tag})`
          : undefined,
        ...(filters.conditions ?? []),
        continuingAfter(column, contacts.id, after, order),
      ),
    )
    .orderBy(
      order === "asc" ? asc(column) : desc(column),
      order === "asc" ? asc(contacts.id) : desc(contacts.id),
    )
    .limit(limit + 1);
}

export const contactById = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  scope.db
    .select(contactWithLists)
    .from(contacts)
    .where(scope.where(contacts.tenantId, eq(contacts.id, id), visible));

/**
 * Contacts matching any of the phones, the email or the name key, strongest match first (phone,
 * then email, then name); merged contacts are not candidates. The candidates are gathered by three
 * indexed lookups (a UNION), so the cost does not grow with the tenant's contact count; `matchedOn`
 * is worked out for those few rows only.
 */
function duplicatesMatching(
  scope: TenantScope,
  probe: { phones: SQL; email: SQL; nameKey: SQL },
  excludeId: string | null,
  limit: number,
) {
  const phoneIds = sql`SELECT ${contactPhones.contactId} FROM ${contactPhones} WHERE ${contactPhones.tenantId} = ${scope.tenantId} AND ${contactPhones.phone} IN (${probe.phones})`;
  const candidateIds = sql`${phoneIds}
    UNION SELECT c.id FROM ${contacts} c WHERE c.tenant_id = ${scope.tenantId} AND c.email = ${probe.email}
    UNION SELECT c.id FROM ${contacts} c WHERE c.tenant_id = ${scope.tenantId} AND c.name_key = ${probe.nameKey} AND c.name_key <> ''`;
  const matchedOn = sql<"phone" | "email" | "name">`CASE
    WHEN ${contacts.id} IN (${phoneIds}) THEN 'phone'
    WHEN ${contacts.email} = ${probe.email} THEN 'email'
    ELSE 'name' END`;
  return scope.db
    .select({ ...getTableColumns(contacts), matchedOn })
    .from(contacts)
    .where(
      and(
        // Written as `+tenant_id`: still the tenant filter, but not an index SQLite may pick.
        // Without table statistics it otherwise walks every contact of the tenant by a tenant
        // index and tests each against the candidates, instead of looking the candidates up by id.
        sql`+${contacts.tenantId} = ${scope.tenantId}`,
        sql`${contacts.id} IN (${candidateIds})`,
        isNull(contacts.mergedIntoId),
        excludeId ? ne(contacts.id, excludeId) : undefined,
      ),
    )
    .orderBy(
      sql`CASE ${matchedOn} WHEN 'phone' THEN 0 WHEN 'email' THEN 1 ELSE 2 END`,
      desc(contacts.updatedAt),
    )
    .limit(limit);
}

/** Contacts that look like a new contact with these phones, email and name key. */
export const duplicateCandidates = (
  scope: TenantScope,
  probe: { phones: string[]; email: string | null; nameKey: string },
  excludeId: string | null,
  limit = 20,
) =>
  duplicatesMatching(
    scope,
    {
      phones:
        probe.phones.length > 0
          ? sql.join(
              probe.phones.map((phone) => sql`${phone}`),
              sql`, `,
            )
          : sql`NULL`,
      email: sql`${probe.email}`,
      nameKey: sql`${probe.nameKey}`,
    },
    excludeId,
    limit,
  );

/**
 * The duplicates of a stored contact, found from its own phones, email and name key inside the
 * statement, so they can be read in the same batch as the contact itself.
 */
export const duplicatesOfStored = (scope: TenantScope, id: string, limit = 20) =>
  duplicatesMatching(
    scope,
    {
      phones: sql`SELECT own.phone FROM ${contactPhones} own WHERE own.contact_id = ${id}`,
      email: sql`(SELECT own.email FROM ${contacts} own WHERE own.id = ${id})`,
      nameKey: sql`(SELECT own.name_key FROM ${contacts} own WHERE own.id = ${id})`,
    },
    id,
    limit,
  );

/**
 * The owner a round-robin rule gives the next lead: the turn counter (incremented by the statement
 * before this one in the batch) modulo the eligible agents, in a stable order. Agents who left the
 * tenant are not eligible. Null when the rule is not round-robin or nobody is eligible.
 */
function roundRobinOwner(scope: TenantScope): SQL<string | null> {
  const eligible = sql`FROM ${assignmentAgents} INNER JOIN ${memberships} ON ${memberships.tenantId} = ${assignmentAgents.tenantId} AND ${memberships.userId} = ${assignmentAgents.userId} WHERE ${assignmentAgents.tenantId} = ${scope.tenantId}`;
  return sql<string | null>`(SELECT ${assignmentAgents.userId} ${eligible}
    AND (SELECT ${crmSettings.assignment} FROM ${crmSettings} WHERE ${crmSettings.tenantId} = ${scope.tenantId}) = 'round_robin'
    ORDER BY ${assignmentAgents.createdAt}, ${assignmentAgents.userId}
    LIMIT 1 OFFSET (
      SELECT (${crmSettings.roundRobinTurn} - 1) % MAX(1, (SELECT COUNT(*) ${eligible}))
      FROM ${crmSettings} WHERE ${crmSettings.tenantId} = ${scope.tenantId}
    ))`;
}

/** Takes the next round-robin turn, when the rule is round-robin; run just before the insert it assigns. */
export const takeRoundRobinTurn = (scope: TenantScope, now: number) =>
  scope.db
    .update(crmSettings)
    .set({ roundRobinTurn: sql`${crmSettings.roundRobinTurn} + 1`, updatedAt: now })
    .where(and(eq(crmSettings.tenantId, scope.tenantId), eq(crmSettings.assignment, "round_robin")));

/**
 * Inserts a contact. `owner` is a member id, or "round_robin" to take the owner from the turn just
 * taken (falling back to `fallbackOwnerId` when nobody is eligible).
 */
export const insertContact = (
  scope: TenantScope,
  row: NewContactRow,
  owner: { ownerId: string | null } | { roundRobin: true; fallbackOwnerId: string | null },
) =>
  scope.db
    .insert(contacts)
    .values({
      ...row,
      tenantId: scope.tenantId,
      ownerId:
        "roundRobin" in owner
          ? sql`COALESCE(${roundRobinOwner(scope)}, ${owner.fallbackOwnerId})`
          : owner.ownerId,
    })
    .returning({ id: contacts.id, ownerId: contacts.ownerId });

export const insertPhones = (scope: TenantScope, contactId: string, phones: string[]) =>
  scope.db
    .insert(contactPhones)
    .values(phones.map((phone, position) => ({ tenantId: scope.tenantId, contactId, phone, position })))
    .onConflictDoNothing();

export const insertTags = (scope: TenantScope, contactId: string, tags: string[]) =>
  scope.db
    .insert(contactTags)
    .values(tags.map((tag) => ({ tenantId: scope.tenantId, contactId, tag })))
    .onConflictDoNothing();

export const deletePhones = (scope: TenantScope, contactId: string) =>
  scope.db
    .delete(contactPhones)
    .where(scope.where(contactPhones.tenantId, eq(contactPhones.contactId, contactId)));

export const deleteTags = (scope: TenantScope, contactId: string) =>
  scope.db.delete(contactTags).where(scope.where(contactTags.tenantId, eq(contactTags.contactId, contactId)));

/**
 * Applies a change to a contact the caller may edit, at `expectedVersion`. A stale version (or a
 * contact merged or no longer visible since it was read) fails the whole batch: see nextVersionIf.
 */
export const updateContact = (
  scope: TenantScope,
  id: string,
  expectedVersion: number,
  changes: Partial<Omit<typeof contacts.$inferInsert, "id" | "tenantId" | "version">>,
  visible: SQL | undefined,
) =>
  scope.db
    .update(contacts)
    .set({
      ...changes,
      version: nextVersionIf(contacts.version, expectedVersion, and(isNull(contacts.mergedIntoId), visible)),
    })
    .where(scope.where(contacts.tenantId, eq(contacts.id, id)))
    .returning({ id: contacts.id, version: contacts.version });

/**
 * The statements of a merge of `otherId` into `survivorId`, to run as one batch. The first marks
 * the other contact merged and fails the batch when either contact is already merged (a merge that
 * lost a race changes nothing); then the survivor's empty fields take the other's values, notes
 * are kept from both, and phones, tags, activities and deals move to the survivor.
 */
export function mergeStatements(scope: TenantScope, survivorId: string, otherId: string, now: number) {
  const { db } = scope;
  const other = (column: string) =>
    sql.raw(`(SELECT o.${column} FROM contacts o WHERE o.id = `).append(sql`${otherId})`);
  return [
    db
      .update(contacts)
      .set({
        mergedIntoId: survivorId,
        updatedAt: now,
        version: sql`CASE WHEN ${contacts.mergedIntoId} IS NULL AND (SELECT c.merged_into_id FROM contacts c WHERE c.id = ${survivorId}) IS NULL THEN ${contacts.version} + 1 END`,
      })
      .where(scope.where(contacts.tenantId, eq(contacts.id, otherId))),
    db
      .update(contacts)
      .set({
        email: sql`COALESCE(${contacts.email}, ${other("email")})`,
        companyId: sql`COALESCE(${contacts.companyId}, ${other("company_id")})`,
        ownerId: sql`COALESCE(${contacts.ownerId}, ${other("owner_id")})`,
        notes: sql`CASE WHEN ${other("notes")} IS NULL OR ${other("notes")} = '' THEN ${contacts.notes}
          WHEN ${contacts.notes} IS NULL OR ${contacts.notes} = '' THEN ${other("notes")}
          ELSE ${contacts.notes} || char(10) || char(10) || ${other("notes")} END`,
        custom: sql`json_patch(${other("custom")}, ${contacts.custom})`,
        lastContactedAt: sql`MAX(COALESCE(${contacts.lastContactedAt}, ${other("last_contacted_at")}), COALESCE(${other("last_contacted_at")}, ${contacts.lastContactedAt}))`,
        phone: sql`COALESCE(${contacts.phone}, ${other("phone")})`,
        updatedAt: now,
        version: sql`${contacts.version} + 1`,
      })
      .where(scope.where(contacts.tenantId, eq(contacts.id, survivorId)))
      .returning({ version: contacts.version }),
    db
      .insert(contactPhones)
      .select(
        db
          .select({
            tenantId: contactPhones.tenantId,
            contactId: sql<string>`${survivorId}`.as("contact_id"),
            phone: contactPhones.phone,
            position: sql<number>`${contactPhones.position} + 100`.as("position"),
          })
          .from(contactPhones)
          .where(scope.where(contactPhones.tenantId, eq(contactPhones.contactId, otherId))),
      )
      .onConflictDoNothing(),
    db.delete(contactPhones).where(scope.where(contactPhones.tenantId, eq(contactPhones.contactId, otherId))),
    db
      .insert(contactTags)
      .select(
        db
          .select({
            tenantId: contactTags.tenantId,
            contactId: sql<string>`${survivorId}`.as("contact_id"),
            tag: contactTags.tag,
          })
          .from(contactTags)
          .where(scope.where(contactTags.tenantId, eq(contactTags.contactId, otherId))),
      )
      .onConflictDoNothing(),
    db.delete(contactTags).where(scope.where(contactTags.tenantId, eq(contactTags.contactId, otherId))),
    db
      .update(activities)
      .set({ contactId: survivorId })
      .where(scope.where(activities.tenantId, eq(activities.contactId, otherId))),
    db
      .update(deals)
      .set({ contactId: survivorId })
      .where(scope.where(deals.tenantId, eq(deals.contactId, otherId))),
  ] as const;
}
