import { parsePhoneNumberFromString } from "libphonenumber-js/mobile";
import { auditInsert } from "../audit/audit.service";
import type { Db } from "../db/client";
import { ApiError } from "../platform/problem";
import { erasureStatements, linkedDeals, type PersonTraces, personCounts, personRows } from "./erasure.repo";

/*
 * Every table in migrations/ and what erasing one person does to it.
 *
 * | table                                   | decision |
 * |-----------------------------------------|----------|
 * | contacts                                | deleted: the contact and every duplicate merged into it (merges keep the other row) |
 * | contact_phones, contact_tags            | deleted |
 * | custom field values                     | live in contacts.custom: go with the row; definitions are the tenant's, kept |
 * | conversations, messages                 | deleted (bodies, templates' variables, media references, previews) |
 * | dev_whatsapp_sends                      | deleted: the simulator's copies of those messages (by message id) |
 * | outbox_messages                         | deleted where the recipient is one of the person's phones or emails (dev transport; no tenant column, so a dev copy to the same address from another tenant goes too) |
 * | activities                              | deleted when on the contact; on a linked deal, title and body cleared when they name the person |
 * | consents                                | deleted: the ledger proves consent for messaging a person who no longer exists here |
 * | deals                                   | kept, unlinked: title replaced, lost reason and custom values cleared; amount, stage, owner and dates stay (the tenant's revenue) |
 * | deal_stage_history                      | kept: stage ids and times, nothing personal |
 * | companies                               | kept: a business, not the person (PDPL covers natural persons) |
 * | search_documents, search_index (+ FTS5 shadow tables) | removed by the contacts triggers (migrations/0005); secure-delete (migration 0017) makes FTS5 rewrite its pages instead of leaving the old terms behind delete markers |
 * | import_rows                             | raw values and errors blanked for rows of the contact or mentioning them (until the import purge blanks them all) |
 * | imports                                 | kept: counters and the file name, nothing from the rows |
 * | idempotency_keys                        | deleted where the stored response names the person (a replay would disclose them) |
 * | dead_letters                            | deleted where the body names the tenant and the person (bodies are minimised, but older or unsealed ones may carry a phone) |
 * | privacy_requests, privacy_request_events | kept as evidence of how each request was answered; the requester's name, phone, email, details and verification note are cleared (by contact, and by the requester's details for requests never matched), and event notes naming the person |
 * | retention_policies, retention_runs, breach_incidents, breach_notifications, billing_profiles | tenant and platform records: periods, counts, incidents; no customer's personal data |
 * | audit_events                            | kept: ids and non-personal details only (audit.schema.ts); the erasure itself is recorded with counts |
 * | tax_invoices, billing_*, subscriptions, usage_counters, moyasar_webhook_events, dev_moyasar_* | kept: the tenant's own billing with Dealix (ZATCA keeps invoices 6 years); no contact data |
 * | tenants, users, memberships, invitations, api_keys, sessions, otp_codes, password_resets, identity_verifications, refresh_* | staff and tenant records, not the tenant's customers |
 * | operator_*, early_access_requests       | platform records, no tenant customer data |
 * | pipelines, pipeline_stages, custom_field_definitions, crm_settings, assignment_agents, messaging_settings, whatsapp_accounts, whatsapp_templates, dev_whatsapp_simulator | configuration, no personal data of customers |
 */

export interface ErasureActor {
  userId?: string | null;
  requestId?: string | null;
  /** How the erasure was asked for: "staff", "data_subject_request", … (recorded in the audit trail). */
  via: string;
}

export interface ErasureResult {
  /** Rows deleted or scrubbed, per table. */
  erased: Record<string, number>;
  /** What stays and why. */
  kept: { what: string; why: string }[];
}

const KEPT: ErasureResult["kept"] = [
  {
    what: "tax_invoices",
    why: "ZATCA requires tax invoices to be kept for six years; they are the tenant's invoices from Dealix and hold no contact data.",
  },
  {
    what: "audit_events",
    why: "The audit trail holds ids and non-personal details only; the erasure itself is recorded (that it happened, with counts) as evidence of compliance.",
  },
  {
    what: "deals",
    why: "Deal amounts, stages and dates are the tenant's revenue records: the deals stay, unlinked from the person, with their title and custom values cleared.",
  },
  { what: "companies", why: "A company is a business, not a natural person." },
];

function needlesOf(
  rows: { id: string; name: string; phone: string | null; email: string | null; phones: string | null }[],
) {
  const needles = new Set<string>();
  for (const row of rows) {
    needles.add(row.id);
    needles.add(row.name);
    for (const phone of [row.phone, ...(row.phones?.split(" ") ?? [])]) {
      if (!phone) continue;
      needles.add(phone);
      // The national number alone is inside every form the phone is written in: +966…, 966…, 05….
      const national = parsePhoneNumberFromString(phone)?.nationalNumber;
      if (national) needles.add(national);
    }
    if (row.email) {
      needles.add(row.email);
      needles.add(row.email.toLowerCase());
    }
  }
  return [...needles].filter((needle) => needle.length > 0);
}

/**
 * Erases a person (a contact of the tenant) across every table that can hold their name, phone,
 * email or messages, in one read and one atomic batch of writes with its audit event. Throws
 * NOT_FOUND when the tenant has no such contact. Runs even while the account is read-only: the
 * person's right does not wait for the tenant's payment.
 */
export async function erasePerson(
  db: Db,
  tenantId: string,
  contactId: string,
  actor: ErasureActor,
): Promise<ErasureResult> {
  const now = Date.now();
  const [people, deals, [counts]] = await db.batch([
    personRows(db, tenantId, contactId),
    linkedDeals(db, tenantId, contactId),
    personCounts(db, tenantId, contactId),
  ]);
  if (people.length === 0) throw new ApiError("NOT_FOUND", "No such contact.");
  const traces: PersonTraces = {
    contactIds: people.map((row) => row.id),
    dealIds: deals.map((row) => row.id),
    needles: needlesOf(people),
  };
  const statements = erasureStatements(db, tenantId, traces, now);
  const erased: Record<string, number> = {};
  const audit = auditInsert(
    db,
    {
      tenantId,
      actor: actor.userId ? { type: "user", id: actor.userId } : { type: "system" },
      action: "contact.erased",
      target: { type: "contact", id: contactId },
      details: {
        via: actor.via,
        contacts: traces.contactIds.length,
        deals: traces.dealIds.length,
        messages: counts?.messages ?? 0,
        activities: counts?.activities ?? 0,
        consents: counts?.consents ?? 0,
      },
    },
    { requestId: actor.requestId ?? null, ip: null },
    now,
  );
  const results = (await db.batch([audit, ...statements.map(([, query]) => query)])).slice(1);
  statements.forEach(([table], i) => {
    erased[table] = (erased[table] ?? 0) + (results[i] as unknown[]).length;
  });
  return { erased, kept: KEPT };
}
