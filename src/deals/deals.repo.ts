import { and, asc, desc, eq, getTableColumns, isNull, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { companies } from "../companies/companies.schema";
import { contacts } from "../contacts/contacts.schema";
import { pipelineStages } from "../pipelines/pipelines.schema";
import type { Actor } from "../platform/context";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { memberships } from "../tenants/tenants.schema";
import type { DealSort } from "./deals.model";
import { dealStageHistory, deals } from "./deals.schema";

export type DealRow = typeof deals.$inferSelect;

/** Deal columns plus its stage's kind (the deal's status). */
const dealColumns = { ...getTableColumns(deals), status: pipelineStages.kind };

const withStage = (scope: TenantScope) =>
  scope.db
    .select(dealColumns)
    .from(deals)
    .innerJoin(
      pipelineStages,
      and(eq(pipelineStages.tenantId, deals.tenantId), eq(pipelineStages.id, deals.stageId)),
    );

export type DealWithStatus = DealRow & { status: "open" | "won" | "lost" };

/** One deal the caller may see (`visible` from visibleRecords). */
export const dealById = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  withStage(scope).where(scope.where(deals.tenantId, eq(deals.id, id), visible));

export interface DealFilters {
  pipelineId?: string;
  stageId?: string;
  ownerId?: string;
  contactId?: string;
  companyId?: string;
  status?: "open" | "won" | "lost";
  /** Extra conditions built by other capabilities (custom field filters). */
  conditions?: SQL[] | undefined;
}

const SORT_COLUMNS = {
  updatedAt: deals.updatedAt,
  createdAt: deals.createdAt,
  amountHalalas: deals.amountHalalas,
} as const;

export const sortColumnOf = (sort: DealSort) => {
  const descending = sort.startsWith("-");
  const field = (descending ? sort.slice(1) : sort) as keyof typeof SORT_COLUMNS;
  return { field, column: SORT_COLUMNS[field], order: descending ? ("desc" as const) : ("asc" as const) };
};

export function listDeals(
  scope: TenantScope,
  filters: DealFilters,
  visible: SQL | undefined,
  sort: DealSort,
  after: CursorPosition | null,
  limit: number,
) {
  const { column, order } = sortColumnOf(sort);
  const by = order === "desc" ? desc : asc;
  return withStage(scope)
    .where(
      scope.where(
        deals.tenantId,
        visible,
        filters.pipelineId ? eq(deals.pipelineId, filters.pipelineId) : undefined,
        filters.stageId ? eq(deals.stageId, filters.stageId) : undefined,
        // A stage implies its pipeline: naming it lets the board index serve a stage filter.
        filters.stageId && !filters.pipelineId
          ? sql`${deals.pipelineId} = (SELECT s.pipeline_id FROM pipeline_stages s WHERE s.id = ${filters.stageId})`
          : undefined,
        filters.ownerId ? eq(deals.ownerId, filters.ownerId) : undefined,
        filters.contactId ? eq(deals.contactId, filters.contactId) : undefined,
        filters.companyId ? eq(deals.companyId, filters.companyId) : undefined,
        filters.status ? eq(pipelineStages.kind, filters.status) : undefined,
        ...(filters.conditions ?? []),
        continuingAfter(column, deals.id, after, order),
      ),
    )
    .orderBy(by(column), by(deals.id))
    .limit(limit + 1);
}

/** The id of the tenant's default pipeline as a subquery, for reads that must not wait for it. */
export const defaultPipelineId = (scope: TenantScope) =>
  sql`(SELECT p.id FROM pipelines p WHERE p.tenant_id = ${scope.tenantId} AND p.archived_at IS NULL
       ORDER BY p.is_default DESC, p.position, p.created_at LIMIT 1)`;

/** The board: a pipeline's deals the caller may see, per stage in rank order (capped per board). */
export const boardDeals = (
  scope: TenantScope,
  pipelineId: string | SQL,
  visible: SQL | undefined,
  cap: number,
) =>
  withStage(scope)
    .where(scope.where(deals.tenantId, eq(deals.pipelineId, pipelineId), visible))
    .orderBy(asc(deals.stageId), asc(deals.boardRank), asc(deals.id))
    .limit(cap);

/** Per stage of a pipeline: how many visible deals and their total amount. */
export const stageTotals = (scope: TenantScope, pipelineId: string | SQL, visible: SQL | undefined) =>
  scope.db
    .select({
      stageId: deals.stageId,
      deals: sql<number>`count(*)`,
      amountHalalas: sql<number>`coalesce(sum(${deals.amountHalalas}), 0)`,
    })
    .from(deals)
    .where(scope.where(deals.tenantId, eq(deals.pipelineId, pipelineId), visible))
    .groupBy(deals.stageId);

/** A contact the caller may link a deal to: in the tenant, not merged away, visible to them. */
export const visibleContact = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  scope.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(scope.where(contacts.tenantId, eq(contacts.id, id), isNull(contacts.mergedIntoId), visible));

export const visibleCompany = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  scope.db
    .select({ id: companies.id })
    .from(companies)
    .where(scope.where(companies.tenantId, eq(companies.id, id), visible));

/** The board rank of a deal in a given stage (the place a moved deal goes above). */
export const rankInStage = (scope: TenantScope, dealId: string, stageId: string) =>
  scope.db
    .select({ boardRank: deals.boardRank })
    .from(deals)
    .where(scope.where(deals.tenantId, eq(deals.id, dealId), eq(deals.stageId, stageId)));

/**
 * The rank of the neighbour above a place in a stage column, leaving out the deal being moved:
 * the highest rank below `beforeDealId`'s, or the column's last rank when no place is named.
 */
export const rankAbove = (
  scope: TenantScope,
  stageId: string,
  beforeDealId: string | null,
  movingDealId: string,
) =>
  scope.db
    .select({ boardRank: deals.boardRank })
    .from(deals)
    .where(
      scope.where(
        deals.tenantId,
        // The stage's pipeline too, so the board index (tenant, pipeline, stage, rank) serves the
        // lookup instead of a scan of every deal of the tenant.
        sql`${deals.pipelineId} = (SELECT s.pipeline_id FROM pipeline_stages s WHERE s.id = ${stageId})`,
        eq(deals.stageId, stageId),
        sql`${deals.id} <> ${movingDealId}`,
        beforeDealId === null
          ? undefined
          : sql`${deals.boardRank} < (SELECT d.board_rank FROM deals d WHERE d.tenant_id = ${scope.tenantId} AND d.id = ${beforeDealId})`,
      ),
    )
    .orderBy(desc(deals.boardRank))
    .limit(1);

export const insertDeal = (scope: TenantScope, row: Omit<typeof deals.$inferInsert, "tenantId">) =>
  scope.db.insert(deals).values({ ...row, tenantId: scope.tenantId });

export const insertStageChange = (
  scope: TenantScope,
  row: Omit<typeof dealStageHistory.$inferInsert, "tenantId">,
) => scope.db.insert(dealStageHistory).values({ ...row, tenantId: scope.tenantId });

/** The guard every deal update shares: the row, visible to the caller, at the expected version. */
const updatable = (scope: TenantScope, id: string, visible: SQL | undefined, version: number | null) =>
  scope.where(
    deals.tenantId,
    eq(deals.id, id),
    visible,
    version === null ? undefined : eq(deals.version, version),
  );

export const updateDeal = (
  scope: TenantScope,
  id: string,
  visible: SQL | undefined,
  version: number,
  changes: Partial<DealRow>,
) =>
  scope.db
    .update(deals)
    .set({ ...changes, version: sql`${deals.version} + 1` })
    .where(updatable(scope, id, visible, version))
    .returning();

/**
 * A stage move as statements for one batch: the history row first, its `from` read from the deal
 * as the batch runs (so two concurrent moves each record the stage the other left it in), then
 * the update. Both carry the same guard, so a stale version writes neither.
 */
export function moveDealStatements(
  scope: TenantScope,
  move: {
    id: string;
    visible: SQL | undefined;
    version: number | null;
    toStageId: string;
    toPipelineId: string;
    closes: boolean;
    boardRank: number;
  },
  actor: Actor,
  now: number,
) {
  const guard = updatable(scope, move.id, move.visible, move.version);
  return [
    scope.db.insert(dealStageHistory).select(
      scope.db
        .select({
          id: sql<string>`'dsh_' || lower(hex(randomblob(10)))`.as("id"),
          tenantId: deals.tenantId,
          dealId: deals.id,
          pipelineId: sql<string>`${move.toPipelineId}`.as("pipeline_id"),
          fromStageId: deals.stageId,
          toStageId: sql<string>`${move.toStageId}`.as("to_stage_id"),
          actorType: sql<"user" | "api_key">`${actor.type}`.as("actor_type"),
          actorId: sql<string>`${actor.id}`.as("actor_id"),
          at: sql<number>`${now}`.as("at"),
        })
        .from(deals)
        .where(and(guard, sql`${deals.stageId} <> ${move.toStageId}`)),
    ),
    scope.db
      .update(deals)
      .set({
        stageId: move.toStageId,
        pipelineId: move.toPipelineId,
        boardRank: move.boardRank,
        // Only a real stage change restarts the stage clock; a reorder within a column does not.
        stageChangedAt: sql`CASE WHEN ${deals.stageId} <> ${move.toStageId} THEN ${now} ELSE ${deals.stageChangedAt} END`,
        closedAt: move.closes ? sql`COALESCE(${deals.closedAt}, ${now})` : null,
        updatedAt: now,
        version: sql`${deals.version} + 1`,
      })
      .where(guard)
      .returning({ version: deals.version }),
  ] as const;
}

/** The current version of a deal the caller may see (to tell 404 from 412 after a failed update). */
export const dealVersion = (scope: TenantScope, id: string, visible: SQL | undefined) =>
  scope.db
    .select({ version: deals.version })
    .from(deals)
    .where(scope.where(deals.tenantId, eq(deals.id, id), visible));

const fromStage = alias(pipelineStages, "from_stage");
const toStage = alias(pipelineStages, "to_stage");

/** A deal's stage changes, newest first, with the stages' names. */
export const stageHistory = (
  scope: TenantScope,
  dealId: string,
  after: CursorPosition | null,
  limit: number,
) =>
  scope.db
    .select({
      ...getTableColumns(dealStageHistory),
      // Aliased: D1 returns rows keyed by column name, and both joins have a "name".
      fromStageName: sql<string | null>`${fromStage.name}`.as("from_stage_name"),
      toStageName: sql<string | null>`${toStage.name}`.as("to_stage_name"),
    })
    .from(dealStageHistory)
    .leftJoin(fromStage, eq(fromStage.id, dealStageHistory.fromStageId))
    .leftJoin(toStage, eq(toStage.id, dealStageHistory.toStageId))
    .where(
      scope.where(
        dealStageHistory.tenantId,
        eq(dealStageHistory.dealId, dealId),
        continuingAfter(dealStageHistory.at, dealStageHistory.id, after, "desc"),
      ),
    )
    .orderBy(desc(dealStageHistory.at), desc(dealStageHistory.id))
    .limit(limit + 1);

/** The tenant's members by name, for owner pickers. */
export const tenantMembers = (scope: TenantScope) =>
  scope.db
    .select({ userId: memberships.userId, name: users.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(scope.where(memberships.tenantId))
    .orderBy(asc(users.name));
