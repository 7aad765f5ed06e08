import { and, asc, desc, eq, gt, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import { contacts } from "../contacts/contacts.schema";
import type { CursorPosition } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { type PrivacyRequestState, privacyRequestEvents, privacyRequests } from "./privacy-requests.schema";

export type PrivacyRequestRow = typeof privacyRequests.$inferSelect;
export type PrivacyRequestEventRow = typeof privacyRequestEvents.$inferSelect;

/** States in which the request is still owed an answer. */
export const OPEN_STATES: PrivacyRequestState[] = ["received", "verified", "in_progress"];

// Open requests first, by due date (so the overdue ones lead), then answered ones by due date:
// one number per row so a cursor can carry it. Due dates are ms since the epoch (< 10^13).
const CLOSED_OFFSET = 10_000_000_000_000;
export const listOrder = sql<number>`(CASE WHEN ${privacyRequests.state} IN ('done', 'refused') THEN ${CLOSED_OFFSET} ELSE 0 END + ${privacyRequests.dueAt})`;
export const listOrderOf = (row: PrivacyRequestRow) =>
  (OPEN_STATES.includes(row.state) ? 0 : CLOSED_OFFSET) + row.dueAt;

export const listPrivacyRequests = (scope: TenantScope, after: CursorPosition | null, limit: number) =>
  scope.db
    .select()
    .from(privacyRequests)
    .where(
      scope.where(
        privacyRequests.tenantId,
        after
          ? or(
              gt(listOrder, after.sort as number),
              and(eq(listOrder, after.sort as number), gt(privacyRequests.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(listOrder), asc(privacyRequests.id))
    .limit(limit + 1);

export const privacyRequestById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(privacyRequests)
    .where(scope.where(privacyRequests.tenantId, eq(privacyRequests.id, id)));

export const eventsOfRequest = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(privacyRequestEvents)
    .where(scope.where(privacyRequestEvents.tenantId, eq(privacyRequestEvents.requestId, id)))
    .orderBy(asc(privacyRequestEvents.at), asc(sql`${privacyRequestEvents}.rowid`));

export const insertPrivacyRequest = (scope: TenantScope, row: Omit<PrivacyRequestRow, "tenantId">) =>
  scope.db
    .insert(privacyRequests)
    .values({ ...row, tenantId: scope.tenantId })
    .returning();

export const insertRequestEvent = (scope: TenantScope, row: Omit<PrivacyRequestEventRow, "tenantId">) =>
  scope.db.insert(privacyRequestEvents).values({ ...row, tenantId: scope.tenantId });

/**
 * The history row of a change made by the statement just before it in the batch, only when that
 * statement changed a row (a guarded update that lost a race leaves no history). The SELECT lists
 * every column in the table's order.
 */
export const insertRequestEventIfChanged = (
  scope: TenantScope,
  row: Omit<PrivacyRequestEventRow, "tenantId">,
) =>
  scope.db
    .insert(privacyRequestEvents)
    .select(
      sql`SELECT ${row.id}, ${scope.tenantId}, ${row.requestId}, ${row.action}, ${row.fromState}, ${row.toState}, ${row.actorType}, ${row.actorId}, ${row.note}, ${row.at} WHERE changes() > 0`,
    );

/**
 * Changes a request only while it is still in one of `from`: of two staff acting at once, the
 * second changes nothing and sees no row back.
 */
export const updateRequestIn = (
  scope: TenantScope,
  id: string,
  from: PrivacyRequestState[],
  changes: Partial<Omit<PrivacyRequestRow, "id" | "tenantId">>,
  extra?: SQL,
) =>
  scope.db
    .update(privacyRequests)
    .set(changes)
    .where(
      scope.where(
        privacyRequests.tenantId,
        eq(privacyRequests.id, id),
        inArray(privacyRequests.state, from),
        extra,
      ),
    )
    .returning();

/** The extension is granted once: only a request that has none yet. */
export const notExtended = () => isNull(privacyRequests.extendedAt);

export const countCodeAttempt = (scope: TenantScope, id: string) =>
  scope.db
    .update(privacyRequests)
    .set({ codeAttempts: sql`${privacyRequests.codeAttempts} + 1` })
    .where(scope.where(privacyRequests.tenantId, eq(privacyRequests.id, id)))
    .returning({ attempts: privacyRequests.codeAttempts });

export const endCode = (scope: TenantScope, id: string) =>
  scope.db
    .update(privacyRequests)
    .set({ codeHash: null, codeExpiresAt: null })
    .where(scope.where(privacyRequests.tenantId, eq(privacyRequests.id, id)));

/** The live contact with this id, with what a code can be sent to. */
export const contactOnRecord = (scope: TenantScope, id: string) =>
  scope.db
    .select({ id: contacts.id, name: contacts.name, phone: contacts.phone, email: contacts.email })
    .from(contacts)
    .where(scope.where(contacts.tenantId, eq(contacts.id, id), isNull(contacts.mergedIntoId)));

/** The live contact holding this email, oldest first (the one the tenant has known longest). */
export const contactIdByEmail = (scope: TenantScope, email: string) =>
  scope.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(scope.where(contacts.tenantId, eq(contacts.email, email), isNull(contacts.mergedIntoId)))
    .orderBy(asc(contacts.createdAt))
    .limit(1);

/** A copy token's request, for the public download. */
export const requestByCopyToken = (scope: TenantScope, tokenHash: string) =>
  scope.db
    .select()
    .from(privacyRequests)
    .where(scope.where(privacyRequests.tenantId, eq(privacyRequests.copyTokenHash, tokenHash)))
    .orderBy(desc(privacyRequests.receivedAt))
    .limit(1);
