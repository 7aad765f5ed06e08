import { and, eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";

/**
 * The only way repos reach tenant data: a db handle bound to one tenant, taken from the
 * principal. Repos build every WHERE with `scope.where(table.tenantId, …)`, so a query without
 * the tenant filter has to be written on purpose.
 */
export interface TenantScope {
  readonly db: Db;
  readonly tenantId: string;
  where(tenantColumn: SQLiteColumn, ...conditions: (SQL | undefined)[]): SQL;
}

export function tenantScope(db: Db, tenantId: string): TenantScope {
  return {
    db,
    tenantId,
    where(tenantColumn, ...conditions) {
      return and(eq(tenantColumn, tenantId), ...conditions) as SQL;
    },
  };
}
