import type { z } from "@hono/zod-openapi";
import { auditInsert } from "../audit/audit.service";
import { contactById } from "../contacts/contacts.repo";
import { contacts } from "../contacts/contacts.schema";
import { visibleRecords } from "../crm/visibility";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { marketingConsentExpiry, marketingGrantCutoff } from "./consent-validity";
import type { RecordConsentInputSchema } from "./consents.model";
import { type ConsentRow, consentHistory, insertConsent } from "./consents.repo";
import type { CONSENT_SOURCES } from "./messaging.schema";

/** The ledger rows a contact's consents are read from: far more than a person gives or withdraws. */
export const CONSENT_HISTORY_LIMIT = 200;

export const consentView = (row: ConsentRow) => ({
  id: row.id,
  channel: row.channel,
  purpose: row.purpose,
  status: row.status,
  source: row.source,
  evidenceText: row.evidenceText,
  occurredAt: new Date(row.occurredAt).toISOString(),
  recordedBy: row.recordedBy,
  recordedAt: new Date(row.createdAt).toISOString(),
});

/**
 * The newest row per channel and purpose: the state the gate applies, a marketing grant over
 * 12 months old shown as expired (since the day it lapsed) as the gate judges it.
 */
export function currentStates(history: ConsentRow[], now: number) {
  const seen = new Set<string>();
  const current = [];
  for (const row of history) {
    const key = `${row.channel}:${row.purpose}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const lapsed =
      row.purpose === "marketing" && row.status === "granted" && row.occurredAt <= marketingGrantCutoff(now);
    current.push({
      channel: row.channel,
      purpose: row.purpose,
      status: lapsed ? ("expired" as const) : row.status,
      since: new Date(lapsed ? marketingConsentExpiry(row.occurredAt) : row.occurredAt).toISOString(),
      source: lapsed ? ("expiry" as const) : row.source,
    });
  }
  return current;
}

async function visibleContact(ctx: TenantContext, contactId: string) {
  const [contactRows, history] = await ctx.scope.read(
    () =>
      [
        contactById(ctx.scope, contactId, visibleRecords(ctx, contacts.ownerId)),
        consentHistory(ctx.scope, contactId, CONSENT_HISTORY_LIMIT),
      ] as const,
  );
  const contact = contactRows[0];
  if (!contact || contact.mergedIntoId) throw new ApiError("NOT_FOUND", "No such contact.");
  return history;
}

export async function consentsOf(ctx: TenantContext, contactId: string) {
  const history = await visibleContact(ctx, contactId);
  return { current: currentStates(history, ctx.now), history: history.map(consentView) };
}

/** Appends a grant or withdrawal to the ledger, with its evidence, and audits it. */
export async function recordConsent(
  ctx: TenantContext,
  contactId: string,
  input: z.infer<typeof RecordConsentInputSchema>,
) {
  await visibleContact(ctx, contactId);
  const { scope, now } = ctx;
  const occurredAt = input.occurredAt ? Date.parse(input.occurredAt) : now;
  if (occurredAt > now + 60_000) {
    throw new ApiError("VALIDATION_FAILED", "Consent cannot be given in the future.", {
      errors: [{ path: "occurredAt", code: "in_future", message: "Use the time the person agreed." }],
    });
  }
  const id = newId(idPrefixes.consent);
  const [[row]] = await scope.write(
    [
      insertConsent(scope, {
        id,
        contactId,
        channel: input.channel,
        purpose: input.purpose,
        status: input.status,
        source: input.source as (typeof CONSENT_SOURCES)[number],
        evidenceText: input.evidenceText,
        occurredAt,
        recordedBy: ctx.actor.id,
        createdAt: now,
      }),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: input.status === "granted" ? "consent.granted" : "consent.withdrawn",
          target: { type: "contact", id: contactId },
          details: { channel: input.channel, purpose: input.purpose, source: input.source },
        },
        ctx.origin,
        now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  if (!row) throw new Error("recordConsent: not stored");
  return consentView(row);
}
