import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "../tenants/tenants.schema";

/**
 * uploaded: parsed and stored, waiting for a mapping; mapped: ready to start; queued: start was
 * asked, the queue has not picked it up yet; processing: chunks are being written; done; failed
 * (a chunk exhausted its retries and reached the dead-letter queue).
 */
export const IMPORT_STATUSES = ["uploaded", "mapped", "queued", "processing", "done", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const DUPLICATE_ACTIONS = ["skip", "update", "create"] as const;
export type DuplicateAction = (typeof DUPLICATE_ACTIONS)[number];

/** The built-in contact fields a CSV column can be mapped to. */
export const IMPORT_FIELDS = ["name", "phone", "email", "source", "status", "tags", "notes"] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** A contact custom field as a mapping target: `custom.<key>`. */
export type CustomTarget = `custom.${string}`;
export const CUSTOM_TARGET_PREFIX = "custom.";
export const isCustomTarget = (target: string): target is CustomTarget =>
  target.startsWith(CUSTOM_TARGET_PREFIX);

/** Column index (as a string, JSON object keys) → contact field or `custom.<key>`. */
export type ImportMapping = Record<string, ImportField | CustomTarget>;

export const IMPORT_ROW_STATUSES = ["pending", "created", "updated", "skipped", "failed"] as const;
export type ImportRowStatus = (typeof IMPORT_ROW_STATUSES)[number];

/**
 * One CSV upload of contacts and its progress. The counters are updated in the same D1 batch as
 * the rows and contacts of each chunk, so they are never ahead of or behind what was written.
 */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    status: text("status", { enum: IMPORT_STATUSES }).notNull(),
    fileName: text("file_name"),
    // "utf-8", "utf-8-bom" or "windows-1256": what the file was decoded from.
    encoding: text("encoding").notNull(),
    headers: text("headers", { mode: "json" }).$type<string[]>().notNull(),
    mapping: text("mapping", { mode: "json" }).$type<ImportMapping>(),
    duplicateAction: text("duplicate_action", { enum: DUPLICATE_ACTIONS }),
    totalRows: integer("total_rows").notNull(),
    processedRows: integer("processed_rows").notNull().default(0),
    createdCount: integer("created_count").notNull().default(0),
    updatedCount: integer("updated_count").notNull().default(0),
    skippedCount: integer("skipped_count").notNull().default(0),
    errorCount: integer("error_count").notNull().default(0),
    failureReason: text("failure_reason"),
    createdBy: text("created_by").notNull(),
    // "user" or "api_key": who started it decides the owner rule (agents keep their own leads).
    createdByType: text("created_by_type").notNull(),
    createdByRole: text("created_by_role"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    // When the daily purge removed the file's values (RUNBOOK: import data retention).
    rowsPurgedAt: integer("rows_purged_at"),
  },
  (t) => [
    index("imports_tenant_created").on(t.tenantId, t.createdAt),
    // Finished imports whose raw rows are still stored: what the daily purge looks for.
    index("imports_rows_to_purge").on(t.finishedAt).where(sql`${t.rowsPurgedAt} IS NULL`),
    // Imports never started (uploaded or mapped): the purge expires them after the same retention.
    index("imports_unstarted").on(t.createdAt).where(sql`${t.status} IN ('uploaded', 'mapped')`),
  ],
);

/**
 * The raw values of each data row (row_number 1 is the first row after the header), with what
 * became of it. `duplicate_of_row` is set when the file repeats an earlier row (same phone, email
 * or name key); `error` holds the row's field errors as JSON.
 */
export const importRows = sqliteTable(
  "import_rows",
  {
    tenantId: text("tenant_id").notNull(),
    importId: text("import_id")
      .notNull()
      .references(() => imports.id),
    rowNumber: integer("row_number").notNull(),
    raw: text("raw", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: IMPORT_ROW_STATUSES }).notNull().default("pending"),
    duplicateOfRow: integer("duplicate_of_row"),
    contactId: text("contact_id"),
    error: text("error", { mode: "json" }).$type<{ field: string; code: string; message: string }[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.importId, t.rowNumber] }),
    index("import_rows_import_status").on(t.importId, t.status, t.rowNumber),
  ],
);
