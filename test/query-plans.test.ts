import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { timelineQuery } from "../src/activities/activities.service";
import { contactById, duplicatesOfStored, listContacts } from "../src/contacts/contacts.repo";
import { dbFor } from "../src/db/client";
import { rankAbove } from "../src/deals/deals.repo";
import { listImports } from "../src/imports/imports.repo";
import { blankFailedRows, deleteProcessedRows } from "../src/imports/imports-purge";
import type { TenantContext } from "../src/platform/context";
import { tenantScope } from "../src/platform/tenant-scope";

/**
 * The hot CRM reads must look rows up by index, whatever the tenant's size: without table
 * statistics SQLite sometimes prefers walking a tenant's rows by a tenant index (it did for
 * duplicates and deal moves, 10× slower at 50,000 contacts). The plans are checked here, on an
 * empty database, because they do not depend on the data.
 */
const scope = tenantScope(dbFor(env.DB), "ten_plans0000000000000000");
const ctx = {
  scope,
  principal: { kind: "user", role: "owner", userId: "usr_x" },
} as unknown as TenantContext;

async function planOf(query: { toSQL(): { sql: string; params: unknown[] } }) {
  const { sql, params } = query.toSQL();
  const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return plan.results.map((row) => row.detail);
}

describe("query plans of the hot CRM reads", () => {
  it("finds a contact's duplicates by id lookups, not by walking the tenant's contacts", async () => {
    const plan = await planOf(duplicatesOfStored(scope, "con_x"));
    expect(plan[0]).toBe("SEARCH contacts USING INDEX sqlite_autoindex_contacts_1 (id=?)");
    expect(plan.join("\n")).toContain("contact_phones_tenant_phone (tenant_id=? AND phone=?)");
    expect(plan.join("\n")).toContain("contacts_tenant_name_key (tenant_id=? AND name_key=?)");
  });

  it("reads a contact, its timeline and a filtered list page through their indexes", async () => {
    expect((await planOf(contactById(scope, "con_x", undefined)))[0]).toContain("(id=?)");
    expect((await planOf(timelineQuery(ctx, { contactId: "con_x" }, 50)))[0]).toBe(
      "SEARCH activities USING INDEX activities_tenant_contact (tenant_id=? AND contact_id=?)",
    );
    const list = listContacts(
      scope,
      { ownerId: "usr_a", status: "qualified" },
      undefined,
      "-createdAt",
      null,
      50,
    );
    expect((await planOf(list))[0]).toBe(
      "SEARCH contacts USING INDEX contacts_tenant_owner_status (tenant_id=? AND owner_id=? AND status=?)",
    );
  });

  it("places a moved deal with the board index", async () => {
    const plan = await planOf(rankAbove(scope, "stg_x", null, "deal_x"));
    expect(plan.join("\n")).toContain("deals_tenant_board (tenant_id=? AND pipeline_id=? AND stage_id=?");
  });

  it("lists past imports by the tenant's created-at index and purges an import's rows by its key", async () => {
    expect((await planOf(listImports(scope, null, 20, undefined))).join("\n")).toContain(
      "imports_tenant_created (tenant_id=?)",
    );
    expect((await planOf(deleteProcessedRows(scope.db, "imp_x"))).join("\n")).toMatch(
      /SEARCH import_rows USING (COVERING )?INDEX (import_rows_import_status|sqlite_autoindex_import_rows_1) \(import_id=\?/,
    );
    expect((await planOf(blankFailedRows(scope.db, "imp_x"))).join("\n")).toContain(
      "import_rows_import_status (import_id=? AND status=?)",
    );
  });
});
