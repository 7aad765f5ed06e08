import { activities } from "../activities/activities.schema";
import { DEFAULT_TIME_ZONE, todayBounds } from "../activities/calendar-day";
import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { companies } from "../companies/companies.schema";
import { contactPhones, contacts, contactTags } from "../contacts/contacts.schema";
import { dealStageHistory, deals } from "../deals/deals.schema";
import { listMembers } from "../members/members.repo";
import { listStages } from "../pipelines/pipelines.repo";
import { ensureDefaultPipeline } from "../pipelines/pipelines.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { nameKey, normaliseText } from "../platform/text-normalise";
import { SAMPLE_ACTIVITIES, SAMPLE_COMPANIES, SAMPLE_CONTACTS, SAMPLE_DEALS } from "./sample-data.catalogue";
import {
  contactExists,
  insertRowsAsJson,
  noSampleRowsBut,
  realActivitiesOnlyOnSampleRecords,
  removeSampleRows,
  sampleCounts,
} from "./sample-data.repo";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

export interface SampleDataCounts {
  contacts: number;
  companies: number;
  deals: number;
  activities: number;
}

const alreadyLoaded = () =>
  new ApiError("CONFLICT", "Sample data is already loaded; remove it first to load it again.");

/**
 * Who owns the sample records: the tenant's agents in turn when it has any (so each agent sees
 * some under "own" visibility), else the caller, else every member.
 */
function ownersFrom(ctx: TenantContext, members: { userId: string; role: string }[]) {
  const agents = members.filter((member) => member.role === "agent").map((member) => member.userId);
  if (agents.length > 0) return agents;
  if (ctx.principal.kind === "user") return [ctx.principal.userId];
  return members.map((member) => member.userId);
}

/**
 * Fills the tenant with fictional contacts, companies, deals across the default pipeline's stages,
 * and activities (some tasks overdue, some due today, some upcoming), all flagged `sample`, in one
 * batch with one audit row. Refused with 409 while sample rows exist, so it never duplicates.
 */
export async function loadSampleData(ctx: TenantContext, locale: "ar" | "en"): Promise<SampleDataCounts> {
  const { scope, now } = ctx;
  const [[existing]] = await scope.read(() => [sampleCounts(scope)] as const);
  if (existing && Object.values(existing).some((n) => n > 0)) throw alreadyLoaded();
  const pipelineId = await ensureDefaultPipeline(ctx, locale);
  const [stages, members, taken] = await scope.read(
    () =>
      [
        listStages(scope, pipelineId),
        listMembers(scope, null, 100),
        scope.db
          .select({ vatNumber: companies.vatNumber })
          .from(companies)
          .where(scope.where(companies.tenantId)),
      ] as const,
  );
  const owners = ownersFrom(ctx, members);
  const ownerAt = (index: number) => owners[index % owners.length] ?? null;
  const createdBy = ctx.actor.type === "user" ? ctx.actor.id : null;
  const takenVat = new Set(taken.map((row) => row.vatNumber));

  const companyRows = SAMPLE_COMPANIES.map((company, index) => ({
    id: newId(idPrefixes.company),
    tenantId: scope.tenantId,
    name: company.name,
    nameNorm: normaliseText(company.name),
    // A real company of the tenant may hold the same number (unique per tenant): leave it out then.
    vatNumber: takenVat.has(company.vatNumber) ? null : company.vatNumber,
    crNumber: company.crNumber,
    nationalAddress: { city: company.city },
    website: null,
    ownerId: ownerAt(index),
    custom: {},
    sample: true,
    createdBy,
    createdAt: now - (30 - index) * DAY,
    updatedAt: now,
    version: 1,
  }));
  const contactRows = SAMPLE_CONTACTS.map((contact, index) => ({
    id: newId(idPrefixes.contact),
    tenantId: scope.tenantId,
    name: contact.name,
    nameNorm: normaliseText(contact.name),
    nameKey: nameKey(contact.name),
    phone: contact.phone,
    email: contact.email,
    source: contact.source,
    status: contact.status,
    ownerId: ownerAt(index),
    companyId: contact.company === null ? null : (companyRows[contact.company]?.id ?? null),
    notes: null,
    custom: {},
    sample: true,
    mergedIntoId: null,
    createdBy,
    createdAt: now - (20 - index) * DAY,
    updatedAt: now,
    lastContactedAt: contact.status === "new" ? null : now - (index % 5) * DAY,
    version: 1,
  }));
  const phoneRows = contactRows.map((contact) => ({
    tenantId: scope.tenantId,
    contactId: contact.id,
    phone: contact.phone,
    position: 0,
  }));
  const tagRows = SAMPLE_CONTACTS.flatMap((contact, index) =>
    contact.tags.map((tag) => ({ tenantId: scope.tenantId, contactId: contactRows[index]?.id, tag })),
  );
  const dealRows = SAMPLE_DEALS.map((deal, index) => {
    const stage = stages[index % stages.length];
    if (!stage) throw new Error("loadSampleData: the default pipeline has no stages");
    const contact = contactRows[deal.contact];
    return {
      id: newId(idPrefixes.deal),
      tenantId: scope.tenantId,
      title: deal.title,
      titleNorm: normaliseText(deal.title),
      contactId: contact?.id ?? null,
      companyId: contact?.companyId ?? null,
      pipelineId,
      stageId: stage.id,
      amountHalalas: deal.sar * 100,
      expectedCloseOn: new Date(now + ((index % 6) + 1) * 7 * DAY).toISOString().slice(0, 10),
      ownerId: contact?.ownerId ?? ownerAt(index),
      lostReason:
        stage.kind === "lost" ? (locale === "ar" ? "اختار عقارًا آخر" : "Chose another property") : null,
      boardRank: now + index,
      custom: {},
      sample: true,
      createdBy,
      createdAt: now - (15 - index) * DAY,
      updatedAt: now,
      stageChangedAt: now - (index % 4) * DAY,
      closedAt: stage.kind === "open" ? null : now - DAY,
      version: 1,
    };
  });
  const historyRows = dealRows.map((deal) => ({
    id: newId(idPrefixes.stageChange),
    tenantId: scope.tenantId,
    dealId: deal.id,
    pipelineId,
    fromStageId: null,
    toStageId: deal.stageId,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    at: deal.createdAt,
  }));
  const today = todayBounds(
    now,
    ctx.principal.kind === "user" ? (ctx.principal.tenantTimeZone ?? DEFAULT_TIME_ZONE) : DEFAULT_TIME_ZONE,
  );
  const activityRows = SAMPLE_ACTIVITIES.map((activity, index) => {
    const contact = contactRows[activity.contact];
    const due =
      activity.timing === "overdue"
        ? now - (2 + (index % 3)) * DAY
        : activity.timing === "today"
          ? Math.max(now, Math.min(now + 2 * HOUR, today.end - HOUR))
          : activity.timing === "upcoming"
            ? now + (2 + (index % 4)) * DAY
            : activity.timing === "done"
              ? now - DAY
              : null;
    const scheduled = due !== null;
    return {
      id: newId(idPrefixes.activity),
      tenantId: scope.tenantId,
      kind: activity.kind,
      contactId: contact?.id ?? null,
      dealId: activity.deal === null ? null : (dealRows[activity.deal]?.id ?? null),
      title: activity.title,
      body: activity.body,
      occurredAt: scheduled ? now - 3 * DAY : now - ((index % 7) + 1) * DAY,
      dueAt: due,
      remindAt: null,
      doneAt: activity.timing === "done" ? now - DAY : null,
      assigneeId: scheduled ? (contact?.ownerId ?? null) : null,
      sample: true,
      createdBy,
      createdAt: now - 3 * DAY,
      updatedAt: now,
      version: 1,
    };
  });

  // The contacts go first and only while the tenant has no sample rows; every later insert
  // follows the first contact, so two loads racing each other write one set.
  const first = contactRows[0]?.id ?? "";
  const follows = contactExists(first);
  const counts = {
    contacts: contactRows.length,
    companies: companyRows.length,
    deals: dealRows.length,
    activities: activityRows.length,
  };
  const [contactsInserted] = await scope.write([
    insertRowsAsJson(
      scope,
      contacts,
      contactRows,
      noSampleRowsBut(
        scope,
        contactRows.map((row) => row.id),
      ),
    ),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "sample_data.loaded",
        target: { type: "tenant", id: scope.tenantId },
        details: counts,
      },
      ctx.origin,
      now,
    ),
    insertRowsAsJson(scope, companies, companyRows, follows),
    insertRowsAsJson(scope, contactPhones, phoneRows, follows),
    insertRowsAsJson(scope, contactTags, tagRows, follows),
    insertRowsAsJson(scope, deals, dealRows, follows),
    insertRowsAsJson(scope, dealStageHistory, historyRows, follows),
    insertRowsAsJson(scope, activities, activityRows, follows),
  ]);
  if (contactsInserted.meta.changes === 0) throw alreadyLoaded();
  return counts;
}

/**
 * Removes exactly the tenant's sample rows and what hangs off them; real records stay, their links
 * to sample records cleared. Refused with 409 while a real activity hangs only off sample records
 * (it would be left on no record: move or delete it first). Nothing to remove is a no-op.
 */
export async function removeSampleData(ctx: TenantContext): Promise<SampleDataCounts> {
  const { scope, now } = ctx;
  const [[counts], [orphans]] = await scope.read(
    () => [sampleCounts(scope), realActivitiesOnlyOnSampleRecords(scope)] as const,
  );
  const removed = {
    contacts: counts?.contacts ?? 0,
    companies: counts?.companies ?? 0,
    deals: counts?.deals ?? 0,
    activities: counts?.activities ?? 0,
  };
  if (Object.values(removed).every((n) => n === 0)) return removed;
  const blocking = orphans?.activities ?? 0;
  if (blocking > 0) {
    throw new ApiError(
      "CONFLICT",
      `${blocking} of your own activities are only on sample contacts or deals; move them to a real record or delete them first.`,
    );
  }
  await scope.write([
    ...removeSampleRows(scope, now),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "sample_data.removed",
        target: { type: "tenant", id: scope.tenantId },
        details: removed,
      },
      ctx.origin,
      now,
    ),
  ]);
  return removed;
}
