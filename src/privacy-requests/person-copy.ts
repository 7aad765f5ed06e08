import { asc, eq } from "drizzle-orm";
import { activities } from "../activities/activities.schema";
import { companies } from "../companies/companies.schema";
import { contactView } from "../contacts/contact-view";
import { contactById } from "../contacts/contacts.repo";
import { contacts } from "../contacts/contacts.schema";
import { deals } from "../deals/deals.schema";
import { consentHistory } from "../messaging/consents.repo";
import { consentView } from "../messaging/consents.service";
import { messages } from "../messaging/messaging.schema";
import type { TenantScope } from "../platform/tenant-scope";

/**
 * Rows per kind in one copy. A person with more than this many messages or activities is rare;
 * the copy says when a list was cut, so the tenant can send the rest by hand.
 */
export const COPY_LIMIT = 1000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Everything the tenant holds about one contact, in one D1 round trip: the contact (phones, tags,
 * custom fields), their company's name, deals, activities, WhatsApp messages and consent ledger.
 * Null when there is no such contact.
 */
export async function personCopy(scope: TenantScope, contactId: string, now: number) {
  const [[contact], companyRows, dealRows, activityRows, messageRows, consentRows] = await scope.db.batch([
    contactById(scope, contactId, undefined),
    scope.db
      .select({ name: companies.name })
      .from(companies)
      .innerJoin(contacts, eq(companies.id, contacts.companyId))
      .where(scope.where(companies.tenantId, eq(contacts.id, contactId))),
    scope.db
      .select()
      .from(deals)
      .where(scope.where(deals.tenantId, eq(deals.contactId, contactId)))
      .orderBy(asc(deals.createdAt))
      .limit(COPY_LIMIT + 1),
    scope.db
      .select()
      .from(activities)
      .where(scope.where(activities.tenantId, eq(activities.contactId, contactId)))
      .orderBy(asc(activities.occurredAt))
      .limit(COPY_LIMIT + 1),
    scope.db
      .select()
      .from(messages)
      .where(scope.where(messages.tenantId, eq(messages.contactId, contactId)))
      .orderBy(asc(messages.createdAt))
      .limit(COPY_LIMIT + 1),
    consentHistory(scope, contactId, COPY_LIMIT + 1),
  ]);
  if (!contact) return null;
  const view = contactView(contact);
  const truncated = {
    deals: dealRows.length > COPY_LIMIT,
    activities: activityRows.length > COPY_LIMIT,
    messages: messageRows.length > COPY_LIMIT,
    consents: consentRows.length > COPY_LIMIT,
  };
  return {
    generatedAt: new Date(now).toISOString(),
    person: {
      name: view.name,
      phones: view.phones,
      email: view.email,
      company: companyRows[0]?.name ?? null,
      source: view.source,
      status: view.status,
      tags: view.tags,
      notes: view.notes,
      customFields: view.custom,
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
    },
    deals: dealRows.slice(0, COPY_LIMIT).map((deal) => ({
      title: deal.title,
      amountHalalas: deal.amountHalalas,
      expectedCloseOn: deal.expectedCloseOn,
      lostReason: deal.lostReason,
      customFields: deal.custom,
      createdAt: iso(deal.createdAt),
      closedAt: iso(deal.closedAt),
    })),
    activities: activityRows.slice(0, COPY_LIMIT).map((activity) => ({
      kind: activity.kind,
      title: activity.title,
      body: activity.body,
      occurredAt: iso(activity.occurredAt),
      dueAt: iso(activity.dueAt),
      doneAt: iso(activity.doneAt),
    })),
    messages: messageRows.slice(0, COPY_LIMIT).map((message) => ({
      direction: message.direction,
      purpose: message.purpose,
      body: message.body,
      template: message.template?.name ?? null,
      state: message.state,
      at: iso(message.providerTime ?? message.createdAt),
    })),
    consents: consentRows.slice(0, COPY_LIMIT).map(consentView),
    truncated,
  };
}
export type PersonCopy = NonNullable<Awaited<ReturnType<typeof personCopy>>>;
