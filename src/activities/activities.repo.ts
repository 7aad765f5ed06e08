import {
  and,
  asc,
  desc,
  eq,
  exists,
  getTableColumns,
  gte,
  isNotNull,
  isNull,
  lt,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { contacts } from "../contacts/contacts.schema";
import { seesEverything, visibleRecords } from "../crm/visibility";
import { deals } from "../deals/deals.schema";
import type { TenantContext } from "../platform/context";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { memberships } from "../tenants/tenants.schema";
import { activities } from "./activities.schema";

export type ActivityRow = typeof activities.$inferSelect;

// An id that is never stored: a lookup the request does not need still fills its place in a batch.
const NO_ID = "";

/** A contact the caller may see (and so log activities on); merged-away contacts are not offered. */
export const visibleContact = (ctx: TenantContext, id: string | undefined) =>
  ctx.scope.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(
      ctx.scope.where(
        contacts.tenantId,
        eq(contacts.id, id ?? NO_ID),
        isNull(contacts.mergedIntoId),
        visibleRecords(ctx, contacts.ownerId),
      ),
    );

/** A deal the caller may see, with its contact (an activity on a deal shows on its contact too). */
export const visibleDeal = (ctx: TenantContext, id: string | undefined) =>
  ctx.scope.db
    .select({ id: deals.id, contactId: deals.contactId })
    .from(deals)
    .where(ctx.scope.where(deals.tenantId, eq(deals.id, id ?? NO_ID), visibleRecords(ctx, deals.ownerId)));

export const tenantMember = (scope: TenantScope, userId: string | null | undefined) =>
  scope.db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(scope.where(memberships.tenantId, eq(memberships.userId, userId ?? NO_ID)));

/**
 * The activities the caller may see: managers, owners and API keys see all; an agent sees those
 * on a contact or deal they can see, and those assigned to them.
 */
export function visibleActivities(ctx: TenantContext): SQL | undefined {
  const { principal, scope } = ctx;
  if (seesEverything(ctx) || principal.kind !== "user") return undefined;
  const one = sql`1`;
  return or(
    eq(activities.assigneeId, principal.userId),
    exists(
      scope.db
        .select({ one })
        .from(contacts)
        .where(
          scope.where(
            contacts.tenantId,
            eq(contacts.id, activities.contactId),
            visibleRecords(ctx, contacts.ownerId),
          ),
        ),
    ),
    exists(
      scope.db
        .select({ one })
        .from(deals)
        .where(
          scope.where(deals.tenantId, eq(deals.id, activities.dealId), visibleRecords(ctx, deals.ownerId)),
        ),
    ),
  );
}

const authors = alias(users, "author");
const assignees = alias(users, "assignee");

/** An activity with what a person reading it needs: who logged it, whose it is, what it is about. */
const withNames = (scope: TenantScope) =>
  scope.db
    .select({
      ...getTableColumns(activities),
      // Named apart: D1 returns rows keyed by column name, and these names repeat across the joins.
      authorName: sql<string | null>`${authors.name}`.as("author_name"),
      assigneeName: sql<string | null>`${assignees.name}`.as("assignee_name"),
      contactName: sql<string | null>`${contacts.name}`.as("contact_name"),
      dealTitle: sql<string | null>`${deals.title}`.as("deal_title"),
    })
    .from(activities)
    .leftJoin(authors, eq(authors.id, activities.createdBy))
    .leftJoin(assignees, eq(assignees.id, activities.assigneeId))
    .leftJoin(
      contacts,
      and(eq(contacts.tenantId, activities.tenantId), eq(contacts.id, activities.contactId)),
    )
    .leftJoin(deals, and(eq(deals.tenantId, activities.tenantId), eq(deals.id, activities.dealId)));

export type ActivityWithNames = ActivityRow & {
  authorName: string | null;
  assigneeName: string | null;
  contactName: string | null;
  dealTitle: string | null;
};

export const activityById = (ctx: TenantContext, id: string) =>
  withNames(ctx.scope).where(
    ctx.scope.where(activities.tenantId, eq(activities.id, id), visibleActivities(ctx)),
  );

/** Whether the activity exists at all in the tenant (to tell a stale version from a missing record). */
export const activityVersion = (ctx: TenantContext, id: string) =>
  ctx.scope.db
    .select({ version: activities.version })
    .from(activities)
    .where(ctx.scope.where(activities.tenantId, eq(activities.id, id), visibleActivities(ctx)));

export type TimelineTarget = { contactId: string } | { dealId: string };

/** One record's timeline, newest first; the caller has checked it may see the record. */
export const timelineOf = (
  scope: TenantScope,
  target: TimelineTarget,
  after: CursorPosition | null,
  limit: number,
) =>
  withNames(scope)
    .where(
      scope.where(
        activities.tenantId,
        "contactId" in target
          ? eq(activities.contactId, target.contactId)
          : eq(activities.dealId, target.dealId),
        continuingAfter(activities.occurredAt, activities.id, after, "desc"),
      ),
    )
    .orderBy(desc(activities.occurredAt), desc(activities.id))
    .limit(limit + 1);

/** A member's open activities due in [from, to), soonest first. */
export const openTasksDue = (
  scope: TenantScope,
  assigneeId: string,
  due: { from: number | null; to: number | null },
  after: CursorPosition | null,
  limit: number,
) =>
  withNames(scope)
    .where(
      scope.where(
        activities.tenantId,
        eq(activities.assigneeId, assigneeId),
        isNull(activities.doneAt),
        isNotNull(activities.dueAt),
        due.from === null ? undefined : gte(activities.dueAt, due.from),
        due.to === null ? undefined : lt(activities.dueAt, due.to),
        continuingAfter(activities.dueAt, activities.id, after, "asc"),
      ),
    )
    .orderBy(asc(activities.dueAt), asc(activities.id))
    .limit(limit + 1);

/**
 * Inserts the activity only when every record it names is there for the caller when the batch
 * runs (the contact, the deal, the assignee): as INSERT … SELECT … WHERE EXISTS …, so the lookups
 * that explain a refusal and the insert share one round trip and a refused create writes nothing.
 * An activity on a deal alone takes the deal's contact.
 */
export function insertActivityIfAllowed(
  ctx: TenantContext,
  row: ActivityRow,
  refs: { contactId?: string | undefined; dealId?: string | undefined; assigneeId?: string | undefined },
) {
  const { scope } = ctx;
  const value = (v: string | number | boolean | null, name: string) => sql`${v}`.as(name);
  const contactId =
    row.contactId === null && refs.dealId
      ? sql`(SELECT ${deals.contactId} FROM ${deals} WHERE ${deals.tenantId} = ${scope.tenantId} AND ${deals.id} = ${refs.dealId})`.as(
          "contact_id",
        )
      : value(row.contactId, "contact_id");
  return scope.db
    .insert(activities)
    .select(
      scope.db
        .select({
          id: value(row.id, "id"),
          tenantId: value(scope.tenantId, "tenant_id"),
          kind: value(row.kind, "kind"),
          contactId,
          dealId: value(row.dealId, "deal_id"),
          title: value(row.title, "title"),
          body: value(row.body, "body"),
          occurredAt: value(row.occurredAt, "occurred_at"),
          dueAt: value(row.dueAt, "due_at"),
          remindAt: value(row.remindAt, "remind_at"),
          doneAt: value(row.doneAt, "done_at"),
          assigneeId: value(row.assigneeId, "assignee_id"),
          sample: value(row.sample ? 1 : 0, "sample"),
          createdBy: value(row.createdBy, "created_by"),
          createdAt: value(row.createdAt, "created_at"),
          updatedAt: value(row.updatedAt, "updated_at"),
          version: value(row.version, "version"),
        })
        .from(sql`(SELECT 1)`)
        .where(
          and(
            refs.contactId ? exists(visibleContact(ctx, refs.contactId)) : undefined,
            refs.dealId ? exists(visibleDeal(ctx, refs.dealId)) : undefined,
            refs.assigneeId ? exists(tenantMember(scope, refs.assigneeId)) : undefined,
          ),
        ),
    )
    .returning();
}

export type ActivityChanges = Partial<
  Pick<ActivityRow, "title" | "body" | "dueAt" | "remindAt" | "assigneeId" | "doneAt">
>;

/** The update of one version of an activity; no row comes back when that version has moved on. */
export const updateActivity = (
  scope: TenantScope,
  id: string,
  expectedVersion: number,
  changes: ActivityChanges,
  now: number,
) =>
  scope.db
    .update(activities)
    .set({ ...changes, updatedAt: now, version: sql`${activities.version} + 1` })
    .where(scope.where(activities.tenantId, eq(activities.id, id), eq(activities.version, expectedVersion)))
    .returning();

export const deleteActivity = (scope: TenantScope, id: string) =>
  scope.db.delete(activities).where(scope.where(activities.tenantId, eq(activities.id, id)));

/**
 * Moves the "last contacted" of the activity's contact forward to `at` (never back: a call logged
 * late for last week does not hide this morning's visit). Not a user edit, so the contact's
 * version stays. It runs only when the statement just before it in the batch changed a row (the
 * audit insert of a create or update that happened), so a refused write touches nothing.
 */
export const markContactedIfChanged = (scope: TenantScope, activityId: string, at: number) =>
  scope.db
    .update(contacts)
    .set({ lastContactedAt: sql`max(coalesce(${contacts.lastContactedAt}, 0), ${at})` })
    .where(
      scope.where(
        contacts.tenantId,
        eq(
          contacts.id,
          sql`(SELECT ${activities.contactId} FROM ${activities} WHERE ${activities.tenantId} = ${scope.tenantId} AND ${activities.id} = ${activityId})`,
        ),
        sql`changes() > 0`,
      ),
    );
