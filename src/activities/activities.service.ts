import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { auditInsertIfChanged } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError, type FieldError } from "../platform/problem";
import { hasRole } from "../platform/roles";
import { expectedVersion, versionMismatch } from "../platform/versioning";
import type {
  ActivitySchema,
  CreateActivityInput,
  TaskBucket,
  UpdateActivityInput,
} from "./activities.model";
import {
  type ActivityChanges,
  type ActivityRow,
  type ActivityWithNames,
  activityById,
  activityVersion,
  deleteActivity,
  insertActivityIfAllowed,
  markContactedIfChanged,
  openTasksDue,
  type TimelineTarget,
  tenantMember,
  timelineOf,
  updateActivity,
  visibleContact,
  visibleDeal,
} from "./activities.repo";
import { DEFAULT_TIME_ZONE, todayBounds } from "./calendar-day";

export type { ActivityWithNames, TimelineTarget };

/** Kinds that mean someone spoke to or met the contact: done, they move "last contacted". */
const CONTACT_KINDS: ReadonlySet<ActivityRow["kind"]> = new Set(["call", "visit", "meeting"]);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const msOf = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : Date.parse(value);

export const activityView = (row: ActivityRow): typeof ActivitySchema._zod.output => ({
  id: row.id,
  kind: row.kind,
  contactId: row.contactId,
  dealId: row.dealId,
  title: row.title,
  body: row.body,
  occurredAt: new Date(row.occurredAt).toISOString(),
  dueAt: iso(row.dueAt),
  remindAt: iso(row.remindAt),
  doneAt: iso(row.doneAt),
  assigneeId: row.assigneeId,
  createdBy: row.createdBy,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
  version: row.version,
});

const fieldError = (path: string, message: string): FieldError => ({
  path,
  code: "invalid_reference",
  message,
});

const refused = (errors: FieldError[]) =>
  new ApiError("VALIDATION_FAILED", "The activity refers to records you cannot use.", { errors });

const notFound = () => new ApiError("NOT_FOUND", "No such activity.");

/**
 * Logs an activity in one batch: the lookups of the contact, deal and assignee as the caller may
 * see them, the insert (which happens only when they all check out), its audit record and the
 * contact's "last contacted". When the insert did not happen, the lookups say which field is wrong.
 */
export async function createActivity(ctx: TenantContext, input: CreateActivityInput): Promise<ActivityRow> {
  const { scope, principal, now } = ctx;
  // Visibility is built for the caller's current role, so the session check comes first (the API
  // route has run it already, ahead of idempotency(); a page pays for it here).
  await scope.settle();
  const occurredAt = msOf(input.occurredAt) ?? now;
  const dueAt = msOf(input.dueAt) ?? null;
  const loggedAsHappened = CONTACT_KINDS.has(input.kind) && dueAt === null;
  const done = input.kind !== "note" && (input.done ?? loggedAsHappened);
  const row: ActivityRow = {
    id: newId(idPrefixes.activity),
    tenantId: scope.tenantId,
    kind: input.kind,
    contactId: input.contactId ?? null,
    dealId: input.dealId ?? null,
    title: input.title ?? null,
    body: input.body ?? null,
    occurredAt,
    dueAt,
    remindAt: msOf(input.remindAt) ?? null,
    doneAt: done ? (dueAt === null ? occurredAt : now) : null,
    assigneeId: input.assigneeId ?? (principal.kind === "user" ? principal.userId : null),
    sample: false,
    createdBy: ctx.actor.id,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const audit = auditInsertIfChanged(
    scope.db,
    {
      tenantId: scope.tenantId,
      actor: ctx.actor,
      action: "activity.created",
      target: { type: "activity", id: row.id },
      details: { kind: row.kind, done },
    },
    ctx.origin,
    now,
  );
  const lookups = [
    visibleContact(ctx, input.contactId),
    visibleDeal(ctx, input.dealId),
    tenantMember(scope, input.assigneeId),
    insertActivityIfAllowed(ctx, row, input),
    audit,
  ] as const;
  const contacted = row.doneAt !== null && CONTACT_KINDS.has(row.kind);
  const [contactRows, dealRows, assigneeRows, [inserted]] = contacted
    ? await scope.write([...lookups, markContactedIfChanged(scope, row.id, row.doneAt ?? now)])
    : await scope.write(lookups);
  if (inserted) return inserted;
  const errors: FieldError[] = [];
  if (input.contactId && contactRows.length === 0) errors.push(fieldError("contactId", "No such contact."));
  if (input.dealId && dealRows.length === 0) errors.push(fieldError("dealId", "No such deal."));
  if (input.assigneeId && assigneeRows.length === 0) {
    errors.push(fieldError("assigneeId", "The assignee is not a member of this team."));
  }
  // A record that vanished between the lookups and the insert cannot happen inside one batch.
  if (errors.length === 0) throw new Error("createActivity: insert refused with every reference present");
  throw refused(errors);
}

/** One activity the caller may see, in one round trip with the session check. */
export async function getActivity(ctx: TenantContext, id: string): Promise<ActivityWithNames> {
  const [[row]] = await ctx.scope.read(() => [activityById(ctx, id)] as const);
  if (!row) throw notFound();
  return row;
}

/**
 * Changes an activity of the version the caller read: one read (session check, the activity, the
 * new assignee), then one batch: the guarded update, its audit record and, when a call, visit or
 * meeting becomes done, the contact's "last contacted". A refused update re-reads to answer 404 or 412.
 */
export async function updateActivityOf(
  ctx: TenantContext,
  id: string,
  ifMatch: string | undefined,
  input: UpdateActivityInput,
): Promise<ActivityRow> {
  const { scope, now } = ctx;
  const [[current], assigneeRows] = await scope.read(
    () => [activityById(ctx, id), tenantMember(scope, input.assigneeId)] as const,
  );
  if (!current) throw notFound();
  // After the lookup: another tenant's id (or one the caller cannot see) is a 404 whatever is sent.
  const expected = expectedVersion(ifMatch);
  if (current.version !== expected) throw versionMismatch(current.version);
  if (input.assigneeId && assigneeRows.length === 0) {
    throw refused([fieldError("assigneeId", "The assignee is not a member of this team.")]);
  }

  const changes: ActivityChanges = {};
  if (input.title !== undefined) changes.title = input.title;
  if (input.body !== undefined) changes.body = input.body;
  if (input.dueAt !== undefined) changes.dueAt = msOf(input.dueAt) ?? null;
  if (input.remindAt !== undefined) changes.remindAt = msOf(input.remindAt) ?? null;
  if (input.assigneeId !== undefined) changes.assigneeId = input.assigneeId;
  const becomesDone = input.done === true && current.doneAt === null;
  if (input.done === true && current.doneAt === null) changes.doneAt = now;
  if (input.done === false) changes.doneAt = null;
  checkUpdated({ ...current, ...changes }, input);

  const audit = auditInsertIfChanged(
    scope.db,
    {
      tenantId: scope.tenantId,
      actor: ctx.actor,
      action: "activity.updated",
      target: { type: "activity", id },
      // Which fields changed, never what they say (titles and bodies are about people).
      details: {
        fields: Object.keys(input).sort().join(" "),
        ...(input.done === undefined ? {} : { done: input.done }),
      },
    },
    ctx.origin,
    now,
  );
  const update = updateActivity(scope, id, expected, changes, now);
  const contactedNow = becomesDone && current.contactId !== null && CONTACT_KINDS.has(current.kind);
  const [updated] =
    contactedNow && current.contactId
      ? await scope.write([update, audit, markContactedIfChanged(scope, id, now)])
      : await scope.write([update, audit]);
  const [row] = updated;
  if (row) return row;
  const [[still]] = await scope.read(() => [activityVersion(ctx, id)] as const);
  if (!still) throw notFound();
  throw versionMismatch(still.version);
}

/** What an update must leave true, checked against the activity as it would be. */
function checkUpdated(after: ActivityRow, input: UpdateActivityInput) {
  const errors: FieldError[] = [];
  if (after.kind === "note" && (input.dueAt || input.remindAt || input.done !== undefined)) {
    errors.push({
      path: "dueAt",
      code: "custom",
      message: "A note has no due time, reminder or done state.",
    });
  }
  if (after.kind === "note" && after.body === null) {
    errors.push({ path: "body", code: "custom", message: "A note needs a body." });
  }
  if (after.kind === "task" && after.dueAt === null) {
    errors.push({ path: "dueAt", code: "custom", message: "A task needs a due time." });
  }
  if (after.remindAt !== null && (after.dueAt === null || after.remindAt > after.dueAt)) {
    errors.push({ path: "remindAt", code: "custom", message: "A reminder comes before the due time." });
  }
  if (errors.length > 0)
    throw new ApiError("VALIDATION_FAILED", "The change would leave the activity invalid.", { errors });
}

/** Deletes an activity: its author may, and managers and owners (and API keys, made by them). */
export async function removeActivity(ctx: TenantContext, id: string) {
  const { scope, principal, now } = ctx;
  const [[row]] = await scope.read(() => [activityById(ctx, id)] as const);
  if (!row) throw notFound();
  const mayDelete =
    principal.kind !== "user" || hasRole(principal.role, "manager") || row.createdBy === principal.userId;
  if (!mayDelete) throw new ApiError("FORBIDDEN", "Only its author or a manager can delete an activity.");
  await scope.write([
    deleteActivity(scope, id),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "activity.deleted",
        target: { type: "activity", id },
        details: { kind: row.kind },
      },
      ctx.origin,
      now,
    ),
  ]);
}

/**
 * A page of one record's timeline, newest first, in one round trip with the session check: the
 * record is looked up as the caller may see it in the same batch (404 when they cannot).
 */
export async function timeline(
  ctx: TenantContext,
  target: TimelineTarget,
  cursor: string | undefined,
  limit: number,
) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [record, rows] = await ctx.scope.read(
    () =>
      [
        "contactId" in target ? visibleContact(ctx, target.contactId) : visibleDeal(ctx, target.dealId),
        timelineOf(ctx.scope, target, after, limit),
      ] as const,
  );
  if (record.length === 0) {
    throw new ApiError("NOT_FOUND", "contactId" in target ? "No such contact." : "No such deal.");
  }
  return toPage(rows, limit, (row) => ({ sort: row.occurredAt, id: row.id }));
}

/**
 * The queries a record's page adds to its own read, for a page whose record is already checked
 * as visible (the contact or deal page): timeline in the same round trip as the record.
 */
export const timelineQuery = (ctx: TenantContext, target: TimelineTarget, limit: number) =>
  timelineOf(ctx.scope, target, null, limit);

/** Rows of timelineQuery as a page (limit + 1 rows were asked for). */
export const timelinePage = (rows: ActivityWithNames[], limit: number) =>
  toPage(rows, limit, (row) => ({ sort: row.occurredAt, id: row.id }));

const dueRange = (bucket: TaskBucket, today: { start: number; end: number }) =>
  bucket === "overdue"
    ? { from: null, to: today.start }
    : bucket === "today"
      ? { from: today.start, to: today.end }
      : { from: today.end, to: null };

/**
 * Reads queries that depend on the tenant's calendar day. The zone comes from the session check,
 * which rides with this very read, so the day is first taken in the zone the caller last had (or
 * Riyadh's); a tenant in another zone costs one more round trip, never a wrong day.
 */
async function readOnTenantDay<T extends Readonly<[BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]>>(
  ctx: TenantContext,
  build: (today: { start: number; end: number }) => T,
): Promise<BatchResponse<T>> {
  const zoneOf = () =>
    ctx.principal.kind === "user" ? (ctx.principal.tenantTimeZone ?? DEFAULT_TIME_ZONE) : DEFAULT_TIME_ZONE;
  const assumed = zoneOf();
  const rows = await ctx.scope.read(() => build(todayBounds(ctx.now, assumed)));
  if (zoneOf() === assumed) return rows;
  return ctx.scope.read(() => build(todayBounds(ctx.now, zoneOf())));
}

/** A page of the caller's open tasks in one bucket; API keys have no tasks of their own. */
export async function myTasks(
  ctx: TenantContext,
  bucket: TaskBucket,
  cursor: string | undefined,
  limit: number,
) {
  const { principal, scope } = ctx;
  const after = cursor ? decodeCursor(cursor, "number") : null;
  if (principal.kind !== "user") {
    await scope.settle();
    return { data: [] as ActivityWithNames[], nextCursor: null };
  }
  const [rows] = await readOnTenantDay(
    ctx,
    (today) => [openTasksDue(scope, principal.userId, dueRange(bucket, today), after, limit)] as const,
  );
  return toPage(rows, limit, (row) => ({ sort: row.dueAt ?? 0, id: row.id }));
}

/** The signed-in member's three buckets for the tasks page, the first `limit` of each, in one read. */
export async function myTaskBuckets(ctx: TenantContext, userId: string, limit: number) {
  const { scope } = ctx;
  const [overdue, today, upcoming] = await readOnTenantDay(
    ctx,
    (bounds) =>
      [
        openTasksDue(scope, userId, dueRange("overdue", bounds), null, limit),
        openTasksDue(scope, userId, dueRange("today", bounds), null, limit),
        openTasksDue(scope, userId, dueRange("upcoming", bounds), null, limit),
      ] as const,
  );
  const page = (rows: ActivityWithNames[]) =>
    toPage(rows, limit, (row) => ({ sort: row.dueAt ?? 0, id: row.id }));
  return { overdue: page(overdue), today: page(today), upcoming: page(upcoming) };
}
