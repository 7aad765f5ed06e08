import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The search index, created by the hand-written migration `0005_search` (an FTS5 virtual table,
// views and triggers that drizzle-kit cannot express). These declarations only let queries name
// the tables; they are deliberately NOT exported from src/db/schema.ts, or drizzle-kit would try
// to create `search_index` as an ordinary table in the next generated migration.

export const SEARCH_KINDS = ["contact", "company", "deal"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/**
 * One row per indexed record: a stable integer id for the FTS rowid. Contacts, companies and deals
 * have text primary keys, and the implicit rowid of such a table may change on VACUUM.
 */
export const searchDocuments = sqliteTable("search_documents", {
  id: integer("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  kind: text("kind", { enum: SEARCH_KINDS }).notNull(),
  recordId: text("record_id").notNull(),
});

/**
 * The FTS5 table (rowid = search_documents.id). `scope` is one token, kind + tenant id without
 * its underscore (`contactten4f9c…`); `names` is name_norm and name_key (or title_norm); `details`
 * is the email, every phone's digits with their suffixes, and VAT/CR numbers.
 */
export const searchIndex = sqliteTable("search_index", {
  rowid: integer("rowid").notNull(),
  scope: text("scope").notNull(),
  names: text("names").notNull(),
  details: text("details").notNull(),
});
