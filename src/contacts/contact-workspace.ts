import { timelinePage, timelineQuery } from "../activities/activities.service";
import { visibleRecords } from "../crm/visibility";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { listMembers } from "../members/members.repo";
import { consentHistory } from "../messaging/consents.repo";
import { CONSENT_HISTORY_LIMIT, currentStates } from "../messaging/consents.service";
import { conversationOfContact } from "../messaging/messaging.repo";
import type { TenantContext } from "../platform/context";
import { contactNotFound, contactView } from "./contact-view";
import { type ContactWithListsRow, contactById, duplicatesOfStored } from "./contacts.repo";
import { contacts } from "./contacts.schema";
import { type DuplicateRow, visibleDuplicates } from "./duplicates.service";

/**
 * Everything the contact page shows, in one D1 round trip with the session check: the contact,
 * its likely duplicates, its timeline, the team (for owner names), the contact fields, its consent
 * ledger and its WhatsApp thread. The rows beside the contact are read with the visibility check
 * and dropped when the contact is not visible.
 */
export async function contactWorkspace(ctx: TenantContext, id: string, timelineLimit: number) {
  const { scope } = ctx;
  const [[row], candidates, timelineRows, team, definitions, consentRows, [conversation]] = await scope.read(
    () =>
      [
        contactById(scope, id, visibleRecords(ctx, contacts.ownerId)),
        duplicatesOfStored(scope, id),
        timelineQuery(ctx, { contactId: id }, timelineLimit),
        listMembers(scope, null, WORKSPACE_MEMBERS),
        customFieldDefinitionsFor(scope, "contact"),
        consentHistory(scope, id, CONSENT_HISTORY_LIMIT),
        conversationOfContact(scope, id),
      ] as const,
  );
  if (!row) throw contactNotFound();
  const contact = contactView(row as ContactWithListsRow);
  return {
    contact,
    duplicates: contact.mergedIntoId ? [] : visibleDuplicates(ctx, candidates as DuplicateRow[]),
    timeline: timelinePage(timelineRows, timelineLimit).data,
    members: team.map((member) => ({ userId: member.userId, name: member.name })),
    definitions,
    consents: currentStates(consentRows, ctx.now),
    conversationId: conversation?.id ?? null,
  };
}

/** The team members a record page names (owners, assignees); larger teams page through /team. */
const WORKSPACE_MEMBERS = 100;
