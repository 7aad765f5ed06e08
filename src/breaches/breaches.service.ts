import type { OperatorAct } from "../admin/operations.service";
import { operatorAudit } from "../admin/operator-audit";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError, type FieldError } from "../platform/problem";
import { breachClock } from "./breach-clock";
import {
  type BreachNotificationRow,
  type BreachRow,
  breachById,
  breachList,
  existingTenantIds,
  insertBreach,
  insertNotification,
  notificationsOf,
  stampRegulatorNotice,
  updateBreach,
} from "./breaches.repo";
import {
  type BREACH_CHANNELS,
  BREACH_CHECKLIST,
  type BREACH_RECIPIENTS,
  type BreachChecklistItem,
} from "./breaches.schema";

const LIST_LIMIT = 100;
/** A clock a minute fast is not "the future"; anything more is a typing error. */
const CLOCK_SKEW_MS = 60_000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface BreachInput {
  title: string;
  description: string;
  awareAt: string;
  dataCategories: string[];
  subjectCategories: string[];
  approxSubjects: number;
  affectedTenantIds: string[];
  risks?: string | undefined;
  remedialActions?: string | undefined;
  contactPoint?: string | undefined;
}

export type BreachChanges = Partial<Omit<BreachInput, "risks" | "remedialActions" | "contactPoint">> & {
  risks?: string | null | undefined;
  remedialActions?: string | null | undefined;
  contactPoint?: string | null | undefined;
  checklist?: Partial<Record<BreachChecklistItem, boolean>> | undefined;
  closed?: boolean | undefined;
};

export interface NotificationInput {
  recipient: (typeof BREACH_RECIPIENTS)[number];
  tenantId?: string | undefined;
  channel: (typeof BREACH_CHANNELS)[number];
  reference?: string | undefined;
  notifiedAt?: string | undefined;
}

/** The checklist items not yet ticked: the regulator notice waits for none to be left. */
export const missingFromNotice = (row: Pick<BreachRow, "checklist">) =>
  BREACH_CHECKLIST.filter((item) => row.checklist[item] !== true);

const notificationView = (row: BreachNotificationRow) => ({
  id: row.id,
  recipient: row.recipient,
  tenantId: row.tenantId,
  channel: row.channel,
  reference: row.reference,
  notifiedAt: new Date(row.notifiedAt).toISOString(),
  recordedBy: row.recordedBy,
});

export function breachView(row: BreachRow, now: number, notifications: BreachNotificationRow[] = []) {
  const clock = breachClock(row.awareAt, row.regulatorNotifiedAt, now);
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    awareAt: new Date(row.awareAt).toISOString(),
    dataCategories: row.dataCategories,
    subjectCategories: row.subjectCategories,
    approxSubjects: row.approxSubjects,
    affectedTenantIds: row.affectedTenantIds,
    risks: row.risks,
    remedialActions: row.remedialActions,
    contactPoint: row.contactPoint,
    checklist: Object.fromEntries(
      BREACH_CHECKLIST.map((item) => [item, row.checklist[item] === true]),
    ) as Record<BreachChecklistItem, boolean>,
    missingFromNotice: missingFromNotice(row),
    regulatorClock: {
      deadline: new Date(clock.deadline).toISOString(),
      state: clock.state,
      minutesLeft: clock.minutesLeft,
    },
    regulatorNotifiedAt: iso(row.regulatorNotifiedAt),
    closedAt: iso(row.closedAt),
    openedBy: row.openedBy,
    createdAt: new Date(row.createdAt).toISOString(),
    notifications: notifications.map(notificationView),
  };
}

const noSuchBreach = () => new ApiError("NOT_FOUND", "No such incident.");

function notInFuture(ms: number, now: number, path: string): FieldError[] {
  return ms > now + CLOCK_SKEW_MS
    ? [{ path, code: "in_future", message: "Use a time that has passed." }]
    : [];
}

async function checkTenants(act: OperatorAct, ids: readonly string[]) {
  if (ids.length === 0) return;
  const [found] = await act.db.batch([existingTenantIds(act.db, ids)]);
  const known = new Set(found.map((row) => row.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new ApiError("VALIDATION_FAILED", "Some affected tenants do not exist.", {
      errors: unknown.map((id) => ({ path: "affectedTenantIds", code: "unknown_tenant", message: id })),
    });
  }
}

export async function listBreaches(act: OperatorAct, now = Date.now()) {
  const [rows] = await act.db.batch([breachList(act.db, LIST_LIMIT)]);
  return { data: rows.map((row) => breachView(row, now)) };
}

export async function breachDetail(act: OperatorAct, id: string, now = Date.now()) {
  const [[row], notifications] = await act.db.batch([breachById(act.db, id), notificationsOf(act.db, id)]);
  if (!row) throw noSuchBreach();
  return breachView(row, now, notifications);
}

/** Opens an incident; the 72-hour clock runs from the time of awareness given. Audited. */
export async function openBreach(act: OperatorAct, input: BreachInput, now = Date.now()) {
  const awareAt = Date.parse(input.awareAt);
  const errors = notInFuture(awareAt, now, "awareAt");
  if (errors.length > 0)
    throw new ApiError("VALIDATION_FAILED", "The time of awareness is in the future.", { errors });
  const affected = [...new Set(input.affectedTenantIds)];
  await checkTenants(act, affected);
  const row: BreachRow = {
    id: newId(idPrefixes.breach),
    title: input.title,
    description: input.description,
    awareAt,
    dataCategories: input.dataCategories,
    subjectCategories: input.subjectCategories,
    approxSubjects: input.approxSubjects,
    affectedTenantIds: affected,
    risks: input.risks ?? null,
    remedialActions: input.remedialActions ?? null,
    contactPoint: input.contactPoint ?? null,
    checklist: {},
    regulatorNotifiedAt: null,
    closedAt: null,
    openedBy: act.operator.userId,
    createdAt: now,
    updatedAt: now,
  };
  await act.db.batch([
    insertBreach(act.db, row),
    operatorAudit(
      act.db,
      {
        operatorId: act.operator.userId,
        action: "operator.breach_opened",
        target: { type: "breach", id: row.id },
        details: {
          awareAt: new Date(awareAt).toISOString(),
          approxSubjects: input.approxSubjects,
          affectedTenants: affected.length,
        },
      },
      act.origin,
      now,
    ),
  ]);
  return breachView(row, now);
}

/** Edits the assessment and ticks (or unticks) checklist items. Audited with what changed. */
export async function updateBreachRecord(
  act: OperatorAct,
  id: string,
  changes: BreachChanges,
  now = Date.now(),
) {
  const [[row]] = await act.db.batch([breachById(act.db, id)]);
  if (!row) throw noSuchBreach();
  const awareAt = changes.awareAt === undefined ? undefined : Date.parse(changes.awareAt);
  if (awareAt !== undefined) {
    const errors = notInFuture(awareAt, now, "awareAt");
    if (errors.length > 0)
      throw new ApiError("VALIDATION_FAILED", "The time of awareness is in the future.", { errors });
  }
  const affected = changes.affectedTenantIds ? [...new Set(changes.affectedTenantIds)] : undefined;
  if (affected) await checkTenants(act, affected);
  const { checklist, closed, awareAt: _aware, affectedTenantIds: _affected, ...fields } = changes;
  const next: Partial<BreachRow> = {
    ...fields,
    ...(awareAt !== undefined ? { awareAt } : {}),
    ...(affected ? { affectedTenantIds: affected } : {}),
    ...(checklist ? { checklist: { ...row.checklist, ...checklist } } : {}),
    ...(closed !== undefined ? { closedAt: closed ? (row.closedAt ?? now) : null } : {}),
    updatedAt: Math.max(now, row.updatedAt + 1),
  };
  const [updated] = await act.db.batch([
    updateBreach(act.db, id, row.updatedAt, next),
    operatorAudit(
      act.db,
      {
        operatorId: act.operator.userId,
        action: "operator.breach_updated",
        target: { type: "breach", id },
        details: {
          fields: Object.keys(changes).sort().join(","),
          ...(awareAt !== undefined ? { previousAwareAt: iso(row.awareAt), awareAt: iso(awareAt) } : {}),
          ...(checklist ? { checklist: JSON.stringify(checklist) } : {}),
        },
      },
      act.origin,
      now,
    ),
  ]);
  if (updated.meta.changes === 0)
    throw new ApiError("CONFLICT", "The incident changed meanwhile; reload and try again.");
  return breachDetail(act, id, now);
}

/**
 * Records a notice given: to SDAIA (only once every checklist item is ticked; the first one stops
 * the 72-hour clock), to an affected tenant, or to the data subjects. Audited.
 */
export async function recordBreachNotification(
  act: OperatorAct,
  id: string,
  input: NotificationInput,
  now = Date.now(),
) {
  const [[row]] = await act.db.batch([breachById(act.db, id)]);
  if (!row) throw noSuchBreach();
  const notifiedAt = input.notifiedAt ? Date.parse(input.notifiedAt) : now;
  const errors: FieldError[] = [
    ...notInFuture(notifiedAt, now, "notifiedAt"),
    ...(notifiedAt < row.awareAt
      ? [{ path: "notifiedAt", code: "before_awareness", message: "A notice follows the time of awareness." }]
      : []),
  ];
  if (input.recipient === "tenant") {
    if (!input.tenantId || !row.affectedTenantIds.includes(input.tenantId)) {
      errors.push({
        path: "tenantId",
        code: "not_affected",
        message: "Name one of the incident's affected tenants.",
      });
    }
  } else if (input.tenantId) {
    errors.push({ path: "tenantId", code: "not_allowed", message: "Only a tenant notice names a tenant." });
  }
  if (input.recipient === "regulator") {
    for (const item of missingFromNotice(row)) {
      errors.push({
        path: `checklist.${item}`,
        code: "unticked",
        message: "The notice must contain this first.",
      });
    }
  }
  if (errors.length > 0) {
    throw new ApiError("VALIDATION_FAILED", "The notice cannot be recorded yet.", { errors });
  }
  const notification: BreachNotificationRow = {
    id: newId(idPrefixes.breachNotification),
    incidentId: id,
    recipient: input.recipient,
    tenantId: input.tenantId ?? null,
    channel: input.channel,
    reference: input.reference ?? null,
    notifiedAt,
    recordedBy: act.operator.userId,
    createdAt: now,
  };
  const audit = operatorAudit(
    act.db,
    {
      operatorId: act.operator.userId,
      action: "operator.breach_notified",
      target: { type: "breach", id },
      details: {
        recipient: input.recipient,
        tenantId: input.tenantId ?? null,
        channel: input.channel,
        notifiedAt: iso(notifiedAt),
      },
    },
    act.origin,
    now,
  );
  if (input.recipient === "regulator") {
    await act.db.batch([
      insertNotification(act.db, notification),
      stampRegulatorNotice(act.db, id, notifiedAt, now),
      audit,
    ]);
  } else {
    await act.db.batch([insertNotification(act.db, notification), audit]);
  }
  return notificationView(notification);
}
