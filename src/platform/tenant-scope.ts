import { and, eq, type SQL } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { ApiError } from "./problem";

type Query = BatchItem<"sqlite">;
type Queries = Readonly<[Query, ...Query[]]>;

/**
 * The caller's session check, still to run. It travels with the first D1 read of the request so
 * that checking the session costs no round trip of its own.
 */
export interface SessionGate {
  /** The check's query, handed out once; null once handed out; throws again once it has failed. */
  take(): Query | null;
  /** Applies the check's rows: throws 401/403 when the session no longer allows the request;
   * returns "role_changed" when the caller's role differs from the credential's (re-read). */
  settle(rows: unknown): "ok" | "role_changed";
}

/**
 * The only way repos reach tenant data: a db handle bound to one tenant, taken from the
 * principal. Repos build every WHERE with `scope.where(table.tenantId, …)`, so a query without
 * the tenant filter has to be written on purpose. Services run repo queries through `read` and
 * `write`, which put the caller's session check in the same round trip.
 */
export interface TenantScope {
  readonly db: Db;
  readonly tenantId: string;
  where(tenantColumn: SQLiteColumn, ...conditions: (SQL | undefined)[]): SQL;
  /**
   * Runs the queries `build` returns in one D1 round trip (with the pending session check). When
   * the check finds the caller's role changed, `build` runs again for the current role: a second
   * round trip, never an answer for the stale role.
   */
  read<T extends Queries>(build: () => T): Promise<BatchResponse<T>>;
  /**
   * Runs writes atomically in one batch, once the session check has passed; refused (402
   * ACCOUNT_SUSPENDED) while the tenant's account is read-only, except the writes that must go on
   * (`evenWhenReadOnly`: paying, marking a thread read, recording a consent withdrawal).
   */
  write<T extends Queries>(queries: T, options?: { evenWhenReadOnly?: boolean }): Promise<BatchResponse<T>>;
  /** Runs the session check now if no read has carried it yet. */
  settle(): Promise<void>;
}

/** Why a tenant's account refuses writes: unpaid (suspended, canceled), or closing at its owner's request. */
export type ReadOnlyReason = "unpaid" | "closing";

const READ_ONLY_DETAIL: Record<ReadOnlyReason, string> = {
  unpaid:
    "The account is read-only until it is paid for: its owner can pay on the billing page, and everything is kept.",
  closing:
    "The account is closing at its owner's request and is read-only until its data is deleted; the owner can still export it or cancel the closure.",
};

export function tenantScope(
  db: Db,
  tenantId: string,
  gate: SessionGate | null = null,
  readOnly: () => ReadOnlyReason | null = () => null,
): TenantScope {
  const settle = async () => {
    const check = gate?.take();
    if (gate && check) gate.settle((await db.batch([check]))[0]);
  };
  return {
    db,
    tenantId,
    where(tenantColumn, ...conditions) {
      return and(eq(tenantColumn, tenantId), ...conditions) as SQL;
    },
    async read(build) {
      const check = gate?.take();
      if (!gate || !check) return db.batch(build());
      const [state, ...rows] = await db.batch([check, ...build()]);
      if (gate.settle(state) === "role_changed") return db.batch(build());
      return rows as BatchResponse<ReturnType<typeof build>>;
    },
    async write(queries, options) {
      await settle();
      const reason = options?.evenWhenReadOnly ? null : readOnly();
      if (reason) throw new ApiError("ACCOUNT_SUSPENDED", READ_ONLY_DETAIL[reason]);
      return db.batch(queries);
    },
    settle,
  };
}
