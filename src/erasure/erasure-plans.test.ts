import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dbFor } from "../db/client";
import { tenantScope } from "../platform/tenant-scope";
import {
  deleteSomeAuditEvents,
  deleteSomeImportRows,
  deleteSomeOf,
  deleteSomeSessionFamilies,
  deleteSomeSessions,
  TENANT_TABLES,
} from "../tenant-export/tenant-closure.repo";
import { EXPORTED_OBJECTS, exportPage } from "../tenant-export/tenant-export.repo";
import { erasureStatements, linkedDeals, personCounts, personRows } from "./erasure.repo";

type Built = { sql: string; params: unknown[] };

/**
 * Erasing one person and exporting a tenant must reach rows through indexes, whatever the
 * tenant's size (the speed targets are set at 50,000 contacts and 100,000 activities). The plans
 * do not depend on the data, so they are read on an empty database.
 */
const TENANT = "ten_plans0000000000000000";
const db = dbFor(env.DB);

async function planOf(query: unknown) {
  const built = query as { toSQL?(): Built; getQuery?(): Built };
  const toBuilt = built.toSQL ?? built.getQuery;
  if (!toBuilt) throw new Error("not a drizzle query");
  const { sql, params } = toBuilt.call(built);
  const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return plan.results.map((row) => row.detail);
}

// Full scans erasure accepts: operational tables without a tenant column, kept small by the
// operators' purge (dead letters) and empty outside development (the dev outbox).
const SMALL_TABLES = ["dead_letters", "outbox_messages"];

describe("query plans of erasure and tenant export", () => {
  it("reads the person and their deals by index", async () => {
    for (const query of [
      personRows(db, TENANT, "con_x"),
      linkedDeals(db, TENANT, "con_x"),
      personCounts(db, TENANT, "con_x"),
    ]) {
      const plan = (await planOf(query)).join("\n");
      expect(plan).not.toMatch(/^SCAN (contacts|deals)\b/m);
      expect(plan).toContain("contacts_merged_into");
    }
  });

  it("writes every table through an index but the small operational ones", async () => {
    const statements = erasureStatements(
      db,
      TENANT,
      { contactIds: ["con_x"], dealIds: ["deal_x"], needles: ["Name", "+966550000000", "550000000"] },
      0,
    );
    for (const [table, query] of statements) {
      const scans = (await planOf(query)).filter((line) => /^SCAN \w+/.test(line));
      const scanned = scans.map((line) => line.split(" ")[1] ?? "");
      expect(
        scanned.filter((name) => !SMALL_TABLES.includes(name)),
        `${table}: ${scans.join("; ")}`,
      ).toEqual([]);
    }
  });

  it("pages every exported object along an index, without sorting", async () => {
    const scope = tenantScope(db, TENANT);
    for (const object of EXPORTED_OBJECTS) {
      const plan = await planOf(
        exportPage(scope, object, [..."x".repeat(object.keyset.length)].map(() => 1).concat(1), 500),
      );
      expect(plan[0], object.name).toMatch(/^SEARCH \w+ USING (COVERING )?INDEX/);
      expect(plan.join("\n"), object.name).not.toContain("TEMP B-TREE");
    }
  });

  it("deletes a closed tenant's rows by its indexes, foreign-key checks included", async () => {
    const deletes = [
      ...TENANT_TABLES.map((table) => [table, deleteSomeOf(db, table, TENANT, 2_000)] as const),
      ["import_rows", deleteSomeImportRows(db, TENANT, 2_000)] as const,
      ["refresh_tokens", deleteSomeSessions(db, TENANT, 2_000)] as const,
      ["refresh_families", deleteSomeSessionFamilies(db, TENANT, 2_000)] as const,
      ["audit_events", deleteSomeAuditEvents(db, TENANT, 2_000)] as const,
    ];
    for (const [table, query] of deletes) {
      // A tenant has a few pipelines: checking their stages' foreign key by a scan of the stage
      // index is a few short scans per closure, not one per record.
      const scans = (await planOf(query)).filter(
        (line) =>
          /^SCAN \w+/.test(line) && !(table === "pipelines" && line.startsWith("SCAN pipeline_stages ")),
      );
      expect(scans, `${table}: ${scans.join("; ")}`).toEqual([]);
    }
  });
});
