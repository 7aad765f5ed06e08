import type { BatchItem } from "drizzle-orm/batch";
import { auditInsert } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import {
  effectivePeriods,
  RETENTION_TYPE_NAMES,
  RETENTION_TYPES,
  type RetentionPeriods,
  type RetentionType,
} from "./retention.policy";
import {
  anonymiseMessageChunk,
  clearOldPreviews,
  confirmPolicy,
  countDue,
  deleteAuditChunk,
  deleteImportRowChunk,
  dueDealIds,
  insertRun,
  policyOf,
  type RetentionRunRow,
  recentRuns,
  removeDeals,
  tenantsForRetention,
  upsertPolicy,
} from "./retention.repo";

const DAY_MS = 86_400_000;
/** Rows touched per statement: small batches keep each D1 write short for every other tenant. */
const CHUNK = 100;
/** Deal ids per chunk: each id is a bound parameter, and D1 allows 100 per statement. */
const DEAL_CHUNK = 50;
/** Per type and tenant per day; a backlog beyond it is finished on the following days. */
const MAX_CHUNKS = 100;
const TENANT_PAGE = 100;
const RECENT_RUNS = 10;
const SYSTEM_ORIGIN = { requestId: null, ip: null };

const cutoffOf = (now: number, days: number) => now - days * DAY_MS;

type Counts = Record<RetentionType, number>;

/** How many records of each type are due at `now`, in one round trip. */
async function countsAt(db: Db, tenantId: string, periods: RetentionPeriods, now: number): Promise<Counts> {
  const results = await db.batch(
    RETENTION_TYPE_NAMES.map((type) =>
      countDue(db, type, tenantId, cutoffOf(now, periods[type])),
    ) as unknown as [BatchItem<"sqlite">],
  );
  return Object.fromEntries(
    RETENTION_TYPE_NAMES.map((type, index) => [type, Number((results[index] as { n: number }[])[0]?.n ?? 0)]),
  ) as Counts;
}

const changes = (result: unknown) => (result as { meta: { changes: number } }).meta.changes;

/** Repeats one chunked statement until a chunk comes back short, or the day's cap is reached. */
async function inChunks(step: () => Promise<number>, size: number) {
  let total = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const done = await step();
    total += done;
    if (done < size) break;
  }
  return total;
}

/** Removes (or anonymises) what is due for each type, a small chunk per statement. */
async function enforce(db: Db, tenantId: string, periods: RetentionPeriods, now: number): Promise<Counts> {
  const cutoff = (type: RetentionType) => cutoffOf(now, periods[type]);
  const closed_lost_deals = await inChunks(async () => {
    const ids = (await dueDealIds(db, tenantId, cutoff("closed_lost_deals"), DEAL_CHUNK)).map(
      (row) => row.id,
    );
    if (ids.length === 0) return 0;
    // Counted by ids: D1's change count for the DELETE includes the search-index trigger's rows.
    await db.batch(removeDeals(db, tenantId, ids));
    return ids.length;
  }, DEAL_CHUNK);
  const message_bodies = await inChunks(
    async () => changes(await anonymiseMessageChunk(db, tenantId, cutoff("message_bodies"), CHUNK)),
    CHUNK,
  );
  await clearOldPreviews(db, tenantId, cutoff("message_bodies"));
  const audit_events = await inChunks(
    async () => changes(await deleteAuditChunk(db, tenantId, cutoff("audit_events"), CHUNK)),
    CHUNK,
  );
  const import_rows = await inChunks(
    async () => changes(await deleteImportRowChunk(db, tenantId, cutoff("import_rows"), CHUNK)),
    CHUNK,
  );
  return { closed_lost_deals, message_bodies, audit_events, import_rows };
}

/**
 * Whether the tenant's next run only reports: after any change of its periods (or before its
 * first run ever) the job runs dry once, unless an owner confirmed the current periods.
 */
export function nextRunMode(policy: {
  updatedAt: number | null;
  confirmedAt: number | null;
  lastRunAt: number | null;
}): "dry_run" | "apply" {
  const confirmed =
    policy.updatedAt !== null && policy.confirmedAt !== null && policy.confirmedAt >= policy.updatedAt;
  if (confirmed) return "apply";
  if (policy.lastRunAt === null) return "dry_run";
  return policy.updatedAt !== null && policy.lastRunAt < policy.updatedAt ? "dry_run" : "apply";
}

function recordRun(
  db: Db,
  tenantId: string,
  mode: "dry_run" | "applied",
  counts: Counts,
  periods: RetentionPeriods,
  now: number,
) {
  const run: RetentionRunRow = {
    id: newId(idPrefixes.retentionRun),
    tenantId,
    mode,
    counts,
    periods,
    createdAt: now,
  };
  return db.batch([
    insertRun(db, run),
    auditInsert(
      db,
      {
        tenantId,
        actor: { type: "system" },
        action: mode === "dry_run" ? "retention.dry_run" : "retention.applied",
        target: { type: "retention_run", id: run.id },
        details: { ...counts },
      },
      SYSTEM_ORIGIN,
      now,
    ),
  ]);
}

/**
 * The daily job over every tenant: a dry run where one is due (recorded, nothing removed), else
 * enforcement (recorded when it removed something).
 */
export async function runRetention(db: Db, now: number) {
  const totals = { retentionTenants: 0, retentionDryRuns: 0, retentionRemoved: 0 };
  let afterId = "";
  for (;;) {
    const page = await tenantsForRetention(db, afterId, TENANT_PAGE);
    for (const tenant of page) {
      const periods = effectivePeriods(tenant.periods);
      const mode = nextRunMode({
        updatedAt: tenant.updatedAt,
        confirmedAt: tenant.confirmedAt,
        lastRunAt: tenant.lastRunAt,
      });
      totals.retentionTenants++;
      if (mode === "dry_run") {
        await recordRun(
          db,
          tenant.tenantId,
          "dry_run",
          await countsAt(db, tenant.tenantId, periods, now),
          periods,
          now,
        );
        totals.retentionDryRuns++;
        continue;
      }
      const removed = await enforce(db, tenant.tenantId, periods, now);
      const sum = Object.values(removed).reduce((a, b) => a + b, 0);
      if (sum > 0) await recordRun(db, tenant.tenantId, "applied", removed, periods, now);
      totals.retentionRemoved += sum;
    }
    if (page.length < TENANT_PAGE) break;
    afterId = page[page.length - 1]?.tenantId ?? afterId;
  }
  return totals;
}

const runView = (run: RetentionRunRow) => ({
  id: run.id,
  mode: run.mode,
  counts: run.counts,
  createdAt: new Date(run.createdAt).toISOString(),
});

/** The tenant's periods with their defaults and bounds, what the next run will do, and recent runs. */
export async function retentionSettings(ctx: TenantContext) {
  const { scope } = ctx;
  const [[policy], runs] = await scope.read(
    () => [policyOf(scope.db, scope.tenantId), recentRuns(scope.db, scope.tenantId, RECENT_RUNS)] as const,
  );
  const periods = effectivePeriods(policy?.periods);
  return {
    periods: RETENTION_TYPE_NAMES.map((type) => ({
      type,
      days: periods[type],
      defaultDays: RETENTION_TYPES[type].defaultDays,
      minDays: RETENTION_TYPES[type].minDays,
      maxDays: RETENTION_TYPES[type].maxDays,
      action: RETENTION_TYPES[type].action,
    })),
    updatedAt: policy ? new Date(policy.updatedAt).toISOString() : null,
    confirmedAt: policy?.confirmedAt ? new Date(policy.confirmedAt).toISOString() : null,
    nextRun: nextRunMode({
      updatedAt: policy?.updatedAt ?? null,
      confirmedAt: policy?.confirmedAt ?? null,
      lastRunAt: runs[0]?.createdAt ?? null,
    }),
    runs: runs.map(runView),
  };
}

/** What the job would remove or anonymise if it ran now: counts only, nothing written. */
export async function retentionPreview(ctx: TenantContext) {
  const { scope, now } = ctx;
  await scope.settle();
  const [[policy]] = await scope.db.batch([policyOf(scope.db, scope.tenantId)]);
  const periods = effectivePeriods(policy?.periods);
  return { at: new Date(now).toISOString(), counts: await countsAt(scope.db, scope.tenantId, periods, now) };
}

/** Sets the periods (owners); the next run is a dry run unless `confirm` says to apply directly. Audited. */
export async function updateRetention(
  ctx: TenantContext,
  input: { periods: Partial<RetentionPeriods>; confirm: boolean },
) {
  const { scope, now } = ctx;
  const [[current]] = await scope.read(() => [policyOf(scope.db, scope.tenantId)] as const);
  const periods = { ...(current?.periods ?? {}), ...input.periods };
  await scope.write([
    upsertPolicy(scope.db, {
      tenantId: scope.tenantId,
      periods,
      updatedBy: ctx.actor.id ?? null,
      updatedAt: now,
      confirmedAt: input.confirm ? now : null,
    }),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "retention.updated",
        details: { ...input.periods, confirmed: input.confirm },
      },
      ctx.origin,
      now,
    ),
  ]);
  return retentionSettings(ctx);
}

/** Lets the next run apply the current periods without a dry run first. Audited. */
export async function confirmRetention(ctx: TenantContext) {
  const { scope, now } = ctx;
  const [[current]] = await scope.read(() => [policyOf(scope.db, scope.tenantId)] as const);
  const write = current
    ? confirmPolicy(scope.db, scope.tenantId, now)
    : upsertPolicy(scope.db, {
        tenantId: scope.tenantId,
        periods: {},
        updatedBy: ctx.actor.id ?? null,
        updatedAt: now,
        confirmedAt: now,
      });
  await scope.write([
    write,
    auditInsert(
      scope.db,
      { tenantId: scope.tenantId, actor: ctx.actor, action: "retention.confirmed" },
      ctx.origin,
      now,
    ),
  ]);
  return retentionSettings(ctx);
}
