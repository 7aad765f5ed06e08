import { and, eq, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { activities } from "../activities/activities.schema";
import { auditEvents } from "../audit/audit.schema";
import { users } from "../auth/auth.schema";
import { taxInvoices } from "../billing/tax-invoices.schema";
import { companies } from "../companies/companies.schema";
import { contacts } from "../contacts/contacts.schema";
import { customFieldDefinitions } from "../custom-fields/custom-fields.schema";
import { dealStageHistory, deals } from "../deals/deals.schema";
import { consents, conversations, messages } from "../messaging/messaging.schema";
import { pipelineStages, pipelines } from "../pipelines/pipelines.schema";
import type { TenantScope } from "../platform/tenant-scope";
import { memberships } from "../tenants/tenants.schema";

/**
 * One exported object: its table and the keyset it is read in. The keyset is the columns after
 * tenant_id of an index that starts with tenant_id (all NOT NULL), then rowid, which every SQLite
 * index holds last: each page is one range scan of that index, however large the tenant.
 */
export interface ExportedObject {
  name: string;
  table: SQLiteTable & { tenantId: SQLiteColumn };
  keyset: SQLiteColumn[];
  /** Extra columns computed per row (e.g. a contact's phones and tags). */
  extra?: Record<string, SQL.Aliased>;
}

export const EXPORTED_OBJECTS: ExportedObject[] = [
  {
    name: "contacts",
    table: contacts,
    keyset: [contacts.createdAt],
    extra: {
      phones:
        sql<string>`(SELECT group_concat(cp.phone, ' ') FROM contact_phones cp WHERE cp.contact_id = ${contacts.id})`.as(
          "phones",
        ),
      tags: sql<string>`(SELECT group_concat(ct.tag, ' ') FROM contact_tags ct WHERE ct.contact_id = ${contacts.id})`.as(
        "tags",
      ),
    },
  },
  { name: "companies", table: companies, keyset: [companies.createdAt] },
  { name: "deals", table: deals, keyset: [deals.pipelineId, deals.stageId, deals.boardRank] },
  {
    name: "deal_stage_history",
    table: dealStageHistory,
    keyset: [dealStageHistory.pipelineId, dealStageHistory.at],
  },
  { name: "activities", table: activities, keyset: [activities.createdAt] },
  { name: "conversations", table: conversations, keyset: [conversations.contactId] },
  { name: "messages", table: messages, keyset: [messages.conversationId, messages.createdAt] },
  {
    name: "consents",
    table: consents,
    keyset: [consents.contactId, consents.channel, consents.purpose, consents.createdAt],
  },
  { name: "pipelines", table: pipelines, keyset: [pipelines.position] },
  {
    name: "pipeline_stages",
    table: pipelineStages,
    keyset: [pipelineStages.pipelineId, pipelineStages.position],
  },
  {
    name: "custom_fields",
    table: customFieldDefinitions,
    keyset: [customFieldDefinitions.objectType, customFieldDefinitions.position],
  },
  { name: "audit_events", table: auditEvents as ExportedObject["table"], keyset: [auditEvents.createdAt] },
  { name: "tax_invoices", table: taxInvoices, keyset: [taxInvoices.sequence] },
];

export type Cursor = (string | number)[];

/** One page of an object's rows after `cursor` (the keyset values and rowid of the last row). */
export function exportPage(scope: TenantScope, object: ExportedObject, cursor: Cursor | null, limit: number) {
  const order = [...object.keyset, sql`${object.table}.rowid`];
  const after = cursor
    ? sql`(${sql.join(order, sql`, `)}) > (${sql.join(
        cursor.map((value) => sql`${value}`),
        sql`, `,
      )})`
    : undefined;
  return scope.db
    .select({
      ...getTableColumns(object.table),
      ...object.extra,
      keyset: sql<string>`json_array(${sql.join(order, sql`, `)})`.as("export_keyset"),
    })
    .from(object.table)
    .where(scope.where(object.table.tenantId, after))
    .orderBy(...order)
    .limit(limit);
}

/** The tenant's members: who they are and their role, without credentials. */
export const membersOf = (scope: TenantScope) =>
  scope.db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      phone: users.phone,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, scope.tenantId)))
    .orderBy(memberships.createdAt);
