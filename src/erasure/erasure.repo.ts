import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type SQLiteColumn, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { activities } from "../activities/activities.schema";
import { contactPhones, contacts, contactTags } from "../contacts/contacts.schema";
import type { Db } from "../db/client";
import { deadLetters } from "../dead-letters/dead-letters.schema";
import { deals } from "../deals/deals.schema";
import { importRows, imports } from "../imports/imports.schema";
import { consents, conversations, messages } from "../messaging/messaging.schema";
import { outboxMessages } from "../outbox/outbox.schema";
import { idempotencyKeys } from "../platform/idempotency.schema";
import { privacyRequestEvents, privacyRequests } from "../privacy-requests/privacy-requests.schema";
import { tenants } from "../tenants/tenants.schema";

/** What identifies the person once their rows are read. */
export interface PersonTraces {
  /** The contact asked for and every contact merged into it. */
  contactIds: string[];
  dealIds: string[];
  /** Names, phones (E.164, digits, local form), emails and contact ids: what free text is searched for. */
  needles: string[];
}

// The contact and every contact merged into it, at any depth: a merge keeps the other row with its
// own name and phones. Walks the partial index on merged_into_id (the unary + keeps the planner
// from walking the tenant's contacts by a tenant index instead); the callers' outer queries look
// the ids up by primary key, the tenant being checked here.
const personIds = (tenantId: string, contactId: string) => sql`(
  WITH RECURSIVE person(id) AS (
    SELECT id FROM contacts WHERE id = ${contactId} AND tenant_id = ${tenantId}
    UNION
    SELECT c.id FROM person p JOIN contacts c ON c.merged_into_id = p.id AND +c.tenant_id = ${tenantId}
  )
  SELECT id FROM person)`;

/** The person's contact rows with all their phones. */
export const personRows = (db: Db, tenantId: string, contactId: string) =>
  db
    .select({
      id: contacts.id,
      name: contacts.name,
      phone: contacts.phone,
      email: contacts.email,
      phones: sql<
        string | null
      >`(SELECT group_concat(cp.phone, ' ') FROM contact_phones cp WHERE cp.contact_id = ${contacts.id})`,
    })
    .from(contacts)
    .where(sql`${contacts.id} IN ${personIds(tenantId, contactId)}`);

/** Deals linked to the person: unlinked and scrubbed, never deleted (amounts are the tenant's revenue). */
export const linkedDeals = (db: Db, tenantId: string, contactId: string) =>
  db
    .select({ id: deals.id })
    .from(deals)
    .where(and(eq(deals.tenantId, tenantId), sql`${deals.contactId} IN ${personIds(tenantId, contactId)}`));

/**
 * How many messages, activities and consents the person has, read with their rows: the audit
 * event, written in the same batch as the erasure, records these counts.
 */
export const personCounts = (db: Db, tenantId: string, contactId: string) => {
  const person = personIds(tenantId, contactId);
  return db
    .select({
      messages: sql<number>`(SELECT count(*) FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.tenant_id = ${tenantId} AND c.contact_id IN ${person})`,
      activities: sql<number>`(SELECT count(*) FROM activities a WHERE a.tenant_id = ${tenantId} AND a.contact_id IN ${person})`,
      consents: sql<number>`(SELECT count(*) FROM consents k WHERE k.tenant_id = ${tenantId} AND k.contact_id IN ${person})`,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
};

// A dev-only table (src/dev/whatsapp-simulator.schema.ts), named here by its one column erasure
// needs, so the production bundle does not take in the dev tools' schema.
const devWhatsappSends = sqliteTable("dev_whatsapp_sends", { callbackData: text("callback_data") });

/** What the statements put in place of a deal title that may hold the person's name. */
export const ERASED_DEAL_TITLE = "—";

// D1 binds at most 100 parameters per statement; a statement searching text for the needles binds
// each needle up to twice, plus a few ids.
const NEEDLES_PER_STATEMENT = 20;
const IDS_PER_STATEMENT = 40;

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

// A tenant condition SQLite checks on each row but never picks an index by (the unary +): the
// primary key by contact id is the one to walk, not the tenant's every tag or phone.
const checkedTenant = (column: SQLiteColumn, tenantId: string) => sql`+${column} = ${tenantId}`;

const mentions = (column: SQL, needles: string[]) =>
  sql`(${sql.join(
    needles.map((needle) => sql`instr(${column}, ${needle}) > 0`),
    sql` OR `,
  )})`;

/**
 * The writes that erase the person, in an order D1's foreign keys accept (children first), each
 * named by the table it changes so the caller can report rows changed per table. Every statement
 * reaches its rows through an index on the tenant and contact, conversation, deal or import, except
 * the three small operational tables named in the service's table of decisions.
 */
export function erasureStatements(db: Db, tenantId: string, traces: PersonTraces, now: number) {
  const needleGroups = chunks(traces.needles, NEEDLES_PER_STATEMENT);
  const statements: [table: string, query: BatchItem<"sqlite">][] = [];
  // Rows are counted from RETURNING: D1's `changes` also counts what the search index triggers
  // and FTS5 wrote.
  const add = (table: string, query: { returning(fields: { one: SQL }): BatchItem<"sqlite"> }) =>
    statements.push([table, query.returning({ one: sql`1` })]);

  for (const ids of chunks(traces.contactIds, IDS_PER_STATEMENT)) {
    const conversationIds = db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), inArray(conversations.contactId, ids)));
    const messageIds = db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), inArray(messages.conversationId, conversationIds)));
    add(
      "dev_whatsapp_sends",
      db.delete(devWhatsappSends).where(inArray(devWhatsappSends.callbackData, messageIds)),
    );
    add(
      "messages",
      db
        .delete(messages)
        .where(and(eq(messages.tenantId, tenantId), inArray(messages.conversationId, conversationIds))),
    );
    add(
      "conversations",
      db
        .delete(conversations)
        .where(and(eq(conversations.tenantId, tenantId), inArray(conversations.contactId, ids))),
    );
    add(
      "consents",
      db.delete(consents).where(and(eq(consents.tenantId, tenantId), inArray(consents.contactId, ids))),
    );
    add(
      "activities",
      db.delete(activities).where(and(eq(activities.tenantId, tenantId), inArray(activities.contactId, ids))),
    );
    add(
      "import_rows",
      db
        .update(importRows)
        .set({ raw: [], error: null, contactId: null })
        .where(
          and(
            eq(importRows.tenantId, tenantId),
            inArray(importRows.importId, unpurgedImports(db, tenantId)),
            inArray(importRows.contactId, ids),
          ),
        ),
    );
    // The person's privacy requests stay as evidence of how each was answered, without who asked.
    add(
      "privacy_requests",
      db
        .update(privacyRequests)
        .set(FORGOTTEN_REQUESTER)
        .where(and(eq(privacyRequests.tenantId, tenantId), inArray(privacyRequests.contactId, ids))),
    );
  }

  for (const needles of needleGroups) {
    for (const dealIds of chunks(traces.dealIds, IDS_PER_STATEMENT)) {
      add(
        "activities",
        db
          .update(activities)
          .set({ title: null, body: null, updatedAt: now, version: sql`${activities.version} + 1` })
          .where(
            and(
              eq(activities.tenantId, tenantId),
              inArray(activities.dealId, dealIds),
              sql`(${mentions(sql`${activities.title}`, needles)} OR ${mentions(sql`${activities.body}`, needles)})`,
            ),
          ),
      );
    }
    add(
      "import_rows",
      db
        .update(importRows)
        .set({ raw: [], error: null, contactId: null })
        .where(
          and(
            eq(importRows.tenantId, tenantId),
            inArray(importRows.importId, unpurgedImports(db, tenantId)),
            mentions(sql`${importRows.raw}`, needles),
          ),
        ),
    );
    add(
      "idempotency_keys",
      db.delete(idempotencyKeys).where(
        and(
          // The tenant's keys: every scope of a tenant's caller starts with "<tenant id>:".
          sql`${idempotencyKeys.scope} >= ${`${tenantId}:`}`,
          sql`${idempotencyKeys.scope} < ${`${tenantId};`}`,
          mentions(sql`${idempotencyKeys.responseBody}`, needles),
        ),
      ),
    );
    add(
      "dead_letters",
      db
        .delete(deadLetters)
        .where(
          and(sql`instr(${deadLetters.body}, ${tenantId}) > 0`, mentions(sql`${deadLetters.body}`, needles)),
        ),
    );
    add("outbox_messages", db.delete(outboxMessages).where(inArray(outboxMessages.recipient, needles)));
    // Requests the person made before the CRM knew them (no contact matched) still name them.
    add(
      "privacy_requests",
      db
        .update(privacyRequests)
        .set(FORGOTTEN_REQUESTER)
        .where(
          and(
            eq(privacyRequests.tenantId, tenantId),
            sql`(${inArray(privacyRequests.requesterPhone, needles)} OR ${inArray(privacyRequests.requesterEmail, needles)} OR ${inArray(privacyRequests.requesterName, needles)})`,
          ),
        ),
    );
    add(
      "privacy_request_events",
      db
        .update(privacyRequestEvents)
        .set({ note: null })
        .where(
          and(
            // Through the tenant's requests, so the events are found by their index.
            inArray(
              privacyRequestEvents.requestId,
              db
                .select({ id: privacyRequests.id })
                .from(privacyRequests)
                .where(eq(privacyRequests.tenantId, tenantId)),
            ),
            eq(privacyRequestEvents.tenantId, tenantId),
            mentions(sql`${privacyRequestEvents.note}`, needles),
          ),
        ),
    );
  }

  for (const dealIds of chunks(traces.dealIds, IDS_PER_STATEMENT)) {
    add(
      "deals",
      db
        .update(deals)
        .set({
          contactId: null,
          title: ERASED_DEAL_TITLE,
          titleNorm: "",
          lostReason: null,
          custom: {},
          updatedAt: now,
          version: sql`${deals.version} + 1`,
        })
        .where(and(eq(deals.tenantId, tenantId), inArray(deals.id, dealIds))),
    );
  }

  for (const ids of chunks(traces.contactIds, IDS_PER_STATEMENT)) {
    add(
      "contact_tags",
      db
        .delete(contactTags)
        .where(and(inArray(contactTags.contactId, ids), checkedTenant(contactTags.tenantId, tenantId))),
    );
    add(
      "contact_phones",
      db
        .delete(contactPhones)
        .where(and(inArray(contactPhones.contactId, ids), checkedTenant(contactPhones.tenantId, tenantId))),
    );
    add(
      "contacts",
      db.delete(contacts).where(and(eq(contacts.tenantId, tenantId), inArray(contacts.id, ids))),
    );
  }
  return statements;
}

const FORGOTTEN_REQUESTER = {
  requesterName: "—",
  requesterPhone: null,
  requesterEmail: null,
  details: null,
  verificationNote: null,
};

const unpurgedImports = (db: Db, tenantId: string) =>
  db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.tenantId, tenantId), sql`${imports.rowsPurgedAt} IS NULL`));
