import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { TenantContext } from "../platform/context";
import { ApiError } from "../platform/problem";
import {
  cancelClosure,
  closureStateOf,
  deleteRestOf,
  deleteSomeAuditEvents,
  deleteSomeImportRows,
  deleteSomeOf,
  deleteSomeSessionFamilies,
  deleteSomeSessions,
  markClosed,
  startClosure,
  TENANT_TABLES,
  tenantsDueForDeletion,
} from "./tenant-closure.repo";

/** How long a closed account waits before its data is deleted: the owner can still export or cancel. */
export const CLOSURE_GRACE_MS = 30 * 24 * 60 * 60 * 1000;

export interface ClosureView {
  status: "active" | "closing";
  closeRequestedAt: string | null;
  deleteAfter: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const viewOf = (row: { closeRequestedAt: number | null; deleteAfter: number | null }): ClosureView => ({
  status: row.deleteAfter === null ? "active" : "closing",
  closeRequestedAt: iso(row.closeRequestedAt),
  deleteAfter: iso(row.deleteAfter),
});

async function stateOf(ctx: TenantContext) {
  const [[row]] = await ctx.scope.read(() => [closureStateOf(ctx.scope.db, ctx.scope.tenantId)] as const);
  if (!row) throw new ApiError("NOT_FOUND", "No such tenant.");
  return row;
}

export async function closureOf(ctx: TenantContext) {
  return viewOf(await stateOf(ctx));
}

/**
 * Closes the account: typed confirmation of the tenant's name (Arabic or English), then a grace
 * period during which the account is read-only (as when suspended), the owner can still export and
 * can cancel; the daily job deletes the data afterwards. Allowed while suspended: leaving must not
 * wait for a payment.
 */
export async function requestClosure(ctx: TenantContext, confirmName: string) {
  const row = await stateOf(ctx);
  const typed = confirmName.trim();
  if (typed !== row.nameAr.trim() && typed !== row.nameEn.trim()) {
    throw new ApiError("VALIDATION_FAILED", "Type the account's name exactly to close it.", {
      errors: [{ path: "confirmName", code: "mismatch", message: "Does not match the account's name." }],
    });
  }
  if (row.deleteAfter !== null) throw new ApiError("CONFLICT", "The account is already closing.");
  const deleteAfter = ctx.now + CLOSURE_GRACE_MS;
  const [started] = await ctx.scope.write(
    [
      startClosure(ctx.scope.db, ctx.scope.tenantId, ctx.now, deleteAfter),
      auditInsertIfChanged(
        ctx.scope.db,
        {
          tenantId: ctx.scope.tenantId,
          actor: ctx.actor,
          action: "tenant.close_requested",
          details: { deleteAfter: new Date(deleteAfter).toISOString() },
        },
        ctx.origin,
        ctx.now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  if (started.meta.changes === 0) throw new ApiError("CONFLICT", "The account is already closing.");
  return viewOf({ closeRequestedAt: ctx.now, deleteAfter });
}

export async function cancelClosureOf(ctx: TenantContext) {
  const [canceled] = await ctx.scope.write(
    [
      cancelClosure(ctx.scope.db, ctx.scope.tenantId, ctx.now),
      auditInsertIfChanged(
        ctx.scope.db,
        { tenantId: ctx.scope.tenantId, actor: ctx.actor, action: "tenant.close_canceled" },
        ctx.origin,
        ctx.now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  if (canceled.meta.changes === 0) throw new ApiError("CONFLICT", "The account is not closing.");
  return viewOf({ closeRequestedAt: null, deleteAfter: null });
}

/** Rows per delete statement, and statements per run: a big tenant finishes over several days. */
const DELETE_CHUNK = 2_000;
const STATEMENTS_PER_RUN = 400;

/**
 * The daily job: deletes the data of every tenant whose grace period has passed, in bounded
 * deletes; a tenant is marked closed (and its sign-ins end) once nothing but the retained records
 * is left, with an audit event counting what went. What is kept: the tenant row, tax invoices and
 * billing records, and the closure's audit events (tenant-closure.repo.ts).
 */
export async function deleteClosedTenants(db: Db, now: number) {
  let statements = 0;
  const run = async (query: ReturnType<typeof deleteSomeOf>) => {
    statements++;
    return (await query).meta.changes;
  };
  const closed: string[] = [];
  for (const { id } of await tenantsDueForDeletion(db, now)) {
    const startedWith = statements;
    // meta.changes also counts what triggers wrote (the search index): a table is drained once a
    // statement deletes nothing more, at the cost of one last empty statement.
    const drain = async (once: () => ReturnType<typeof deleteSomeOf>) => {
      for (;;) {
        if (statements >= STATEMENTS_PER_RUN) return false;
        if ((await run(once())) === 0) return true;
      }
    };
    let done = await drain(() => deleteSomeImportRows(db, id, DELETE_CHUNK));
    done &&= await drain(() => deleteSomeSessions(db, id, DELETE_CHUNK));
    done &&= await drain(() => deleteSomeSessionFamilies(db, id, DELETE_CHUNK));
    for (const table of TENANT_TABLES) {
      done &&= await drain(() => deleteSomeOf(db, table, id, DELETE_CHUNK));
    }
    done &&= await drain(() => deleteSomeAuditEvents(db, id, DELETE_CHUNK));
    if (!done) break;
    for (const query of deleteRestOf(db, id)) await query;
    await db.batch([
      markClosed(db, id, now),
      auditInsert(
        db,
        {
          tenantId: id,
          actor: { type: "system" },
          action: "tenant.closed",
          details: { statements: statements - startedWith },
        },
        { requestId: null, ip: null },
        now,
      ),
    ]);
    closed.push(id);
  }
  return { tenantsClosed: closed.length };
}
