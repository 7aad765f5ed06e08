import { type AuditActor, auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { codeHash } from "../auth/codes";
import { contactById } from "../contacts/contacts.repo";
import { updateContactFor } from "../contacts/contacts.service";
import type { Bindings, Config } from "../env";
import { erasePerson } from "../erasure/erasure.service";
import { withdrawIfNotWithdrawn } from "../messaging/consents.repo";
import { contactIdByPhone } from "../messaging/messaging.repo";
import { CONSENT_CHANNELS } from "../messaging/messaging.schema";
import { type Bilingual, deliver, type OutboundMessage } from "../outbox/outbox.service";
import type { RequestOrigin, TenantContext } from "../platform/context";
import { randomDigits } from "../platform/crypto";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import type { TenantScope } from "../platform/tenant-scope";
import { tenantById } from "../tenants/tenants.repo";
import { personCopy } from "./person-copy";
import {
  ANSWER_DAYS,
  type CompletePrivacyRequestInput,
  DAY_MS,
  type OpenPrivacyRequestInput,
} from "./privacy-requests.model";
import {
  contactIdByEmail,
  contactOnRecord,
  eventsOfRequest,
  insertPrivacyRequest,
  insertRequestEvent,
  insertRequestEventIfChanged,
  listOrderOf,
  listPrivacyRequests,
  notExtended,
  OPEN_STATES,
  type PrivacyRequestEventRow,
  type PrivacyRequestRow,
  privacyRequestById,
  updateRequestIn,
} from "./privacy-requests.repo";
import type {
  PrivacyRequestChannel,
  PrivacyRequestState,
  PrivacyRequestType,
} from "./privacy-requests.schema";

export const CODE_TTL_MS = 15 * 60 * 1000;
export const CODE_MAX_ATTEMPTS = 5;
/** How long a verified person may download their copy from the public page. */
export const COPY_TTL_MS = 24 * 60 * 60 * 1000;

/** Who acts on a request: staff (a tenant context), the person on the public page, or the system. */
export interface Doer {
  scope: TenantScope;
  actor: AuditActor;
  origin: RequestOrigin;
  now: number;
}

/** What sending a code or notice needs. */
export interface Sender {
  config: Config;
  env: Pick<Bindings, "CIRCUIT_BREAKER">;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const isOverdue = (row: PrivacyRequestRow, now: number) =>
  OPEN_STATES.includes(row.state) && row.dueAt < now;

export const privacyRequestView = (row: PrivacyRequestRow, now: number) => ({
  id: row.id,
  type: row.type,
  channel: row.channel,
  state: row.state,
  overdue: isOverdue(row, now),
  requesterName: row.requesterName,
  phone: row.requesterPhone,
  email: row.requesterEmail,
  contactId: row.contactId,
  details: row.details,
  receivedAt: iso(row.receivedAt),
  dueAt: iso(row.dueAt),
  extension:
    row.extendedAt !== null && row.extensionDays !== null
      ? { days: row.extensionDays, reason: row.extensionReason ?? "", at: iso(row.extendedAt) }
      : null,
  verification:
    row.verifiedAt !== null && row.verificationMethod !== null
      ? { method: row.verificationMethod, note: row.verificationNote, at: iso(row.verifiedAt) }
      : null,
  refusedReason: row.refusedReason,
  completedAt: row.completedAt === null ? null : iso(row.completedAt),
  result: row.result ?? null,
});
export type PrivacyRequestView = ReturnType<typeof privacyRequestView>;

const historyView = (event: PrivacyRequestEventRow) => ({
  action: event.action,
  fromState: event.fromState,
  toState: event.toState,
  actor: { type: event.actorType, id: event.actorId },
  note: event.note,
  at: iso(event.at),
});

export const notFound = () => new ApiError("NOT_FOUND", "No such privacy request.");

export const conflict = (detail: string) => new ApiError("CONFLICT", detail);

const notVerified = () =>
  conflict("The person's identity is not verified yet: nothing is disclosed or erased before it is.");

/** The history row and audit event of a change, both written only if the change happened. */
export function recordChange(
  doer: Doer,
  row: PrivacyRequestRow,
  action: string,
  toState: PrivacyRequestState,
  note: string | null,
  details: Record<string, string | number | boolean | null> = {},
) {
  const { scope, actor, origin, now } = doer;
  return [
    insertRequestEventIfChanged(scope, {
      id: newId(idPrefixes.privacyRequestEvent),
      requestId: row.id,
      action,
      fromState: row.state,
      toState,
      actorType: actor.type,
      actorId: actor.id ?? null,
      note,
      at: now,
    }),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor,
        action: `privacy_request.${action}`,
        target: { type: "privacy_request", id: row.id },
        details: { type: row.type, from: row.state, to: toState, ...details },
      },
      origin,
      now,
    ),
  ] as const;
}

/**
 * Applies a change to a request still in one of `from`, with its history and audit rows, in one
 * batch. A request that moved on meanwhile is a 409.
 */
export async function change(
  doer: Doer,
  row: PrivacyRequestRow,
  from: PrivacyRequestState[],
  changes: Partial<PrivacyRequestRow>,
  action: string,
  note: string | null,
  details?: Record<string, string | number | boolean | null>,
  options: { onlyIfNotExtended?: boolean } = {},
) {
  const toState = changes.state ?? row.state;
  const [[updated]] = await doer.scope.write([
    updateRequestIn(
      doer.scope,
      row.id,
      from,
      { ...changes, updatedAt: doer.now },
      options.onlyIfNotExtended ? notExtended() : undefined,
    ),
    ...recordChange(doer, row, action, toState, note, details),
  ]);
  if (!updated) throw conflict("The request changed meanwhile; reload it.");
  return updated;
}

export async function requestOf(doer: Doer, id: string) {
  const [[row]] = await doer.scope.read(() => [privacyRequestById(doer.scope, id)] as const);
  if (!row) throw notFound();
  return row;
}

function requireState(row: PrivacyRequestRow, allowed: PrivacyRequestState[], what: string) {
  if (allowed.includes(row.state)) return;
  if (row.state === "received") throw notVerified();
  throw conflict(`The request is ${row.state}: it cannot be ${what}.`);
}

// Codes -----------------------------------------------------------------------------------------

const codeText = (code: string) => ({
  subject: "رمز التحقق لطلب بياناتك · Your privacy request code",
  body: `رمز التحقق من هويتك لطلبك المتعلق ببياناتك الشخصية: ${code}\nصالح لمدة ١٥ دقيقة. لا تشاركه مع أحد.\n\nYour code to confirm your identity for your personal data request: ${code}\nValid for 15 minutes. Do not share it with anyone.`,
});

/** A fresh code for a request, as the columns to store and the message to send. */
export async function newCode(
  config: Config,
  requestId: string,
  recipient: { channel: "phone" | "email"; value: string },
  now: number,
) {
  const code = randomDigits(6);
  const text = codeText(code);
  const message: OutboundMessage =
    recipient.channel === "email"
      ? { channel: "email", recipient: recipient.value, locale: null, subject: text.subject, body: text.body }
      : {
          channel: "whatsapp",
          recipient: recipient.value,
          locale: null,
          body: text.body,
          template: { kind: "code", code },
        };
  return {
    columns: {
      codeHash: await codeHash(config, "privacy_request", requestId, code),
      codeExpiresAt: now + CODE_TTL_MS,
      codeAttempts: 0,
    },
    message,
  };
}

/**
 * Where a code for this contact goes: the phone or email the requester gave when it is one the
 * contact has on record; for staff, else the contact's own first phone, else their email. Never an
 * address only the requester typed.
 */
export function codeRecipient(
  record: { phone: string | null; email: string | null; phones: string[] },
  stated: { phone?: string | undefined; email?: string | undefined },
  fallBackToRecord: boolean,
): { channel: "phone" | "email"; value: string } | null {
  if (stated.phone && record.phones.includes(stated.phone)) return { channel: "phone", value: stated.phone };
  if (stated.email && record.email === stated.email) return { channel: "email", value: stated.email };
  if (!fallBackToRecord) return null;
  if (record.phone) return { channel: "phone", value: record.phone };
  if (record.email) return { channel: "email", value: record.email };
  return null;
}

// Opening ---------------------------------------------------------------------------------------

export function newRequestRow(
  input: {
    type: PrivacyRequestType;
    requesterName: string;
    phone?: string | undefined;
    email?: string | undefined;
    details?: string | undefined;
  },
  channel: PrivacyRequestChannel,
  contactId: string | null,
  now: number,
  createdBy: string | null,
): Omit<PrivacyRequestRow, "tenantId"> {
  return {
    id: newId(idPrefixes.privacyRequest),
    type: input.type,
    channel,
    state: "received",
    requesterName: input.requesterName,
    requesterPhone: input.phone ?? null,
    requesterEmail: input.email ?? null,
    contactId,
    details: input.details ?? null,
    receivedAt: now,
    dueAt: now + ANSWER_DAYS * DAY_MS,
    extendedAt: null,
    extensionDays: null,
    extensionReason: null,
    verifiedAt: null,
    verificationMethod: null,
    verificationNote: null,
    codeHash: null,
    codeExpiresAt: null,
    codeAttempts: 0,
    copyTokenHash: null,
    copyTokenExpiresAt: null,
    refusedReason: null,
    completedAt: null,
    result: null,
    createdBy,
    updatedAt: now,
  };
}

/** The insert of a new request with its first history row and audit event. */
export function openStatements(doer: Doer, row: Omit<PrivacyRequestRow, "tenantId">) {
  const { scope, actor, origin, now } = doer;
  return [
    insertPrivacyRequest(scope, row),
    insertRequestEventIfChanged(scope, {
      id: newId(idPrefixes.privacyRequestEvent),
      requestId: row.id,
      action: "opened",
      fromState: null,
      toState: row.state,
      actorType: actor.type,
      actorId: actor.id ?? null,
      note: null,
      at: now,
    }),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor,
        action: "privacy_request.opened",
        target: { type: "privacy_request", id: row.id },
        details: { type: row.type, channel: row.channel, matched: row.contactId !== null },
      },
      origin,
      now,
    ),
  ] as const;
}

/** The contact a request is about: the one staff named, else the one holding the phone, else the email. */
export async function matchContact(
  scope: TenantScope,
  input: { contactId?: string | undefined; phone?: string | undefined; email?: string | undefined },
) {
  const [named, byPhone, byEmail] = await scope.read(
    () =>
      [
        contactOnRecord(scope, input.contactId ?? ""),
        contactIdByPhone(scope, input.phone ?? ""),
        contactIdByEmail(scope, input.email ?? ""),
      ] as const,
  );
  if (input.contactId) return { id: input.contactId, found: named.length > 0 };
  const id = byPhone[0]?.id ?? byEmail[0]?.id ?? null;
  return { id, found: id !== null };
}

/** The contact's phones and email on record, for choosing where a code may go. */
export async function recordOf(scope: TenantScope, contactId: string) {
  const [[contact]] = await scope.db.batch([contactById(scope, contactId, undefined)]);
  if (!contact) return null;
  return { phone: contact.phone, email: contact.email, phones: JSON.parse(contact.phonesJson) as string[] };
}

/**
 * Staff open a request for a person (who called, wrote or came in). When it names or matches a
 * contact with a phone or email, a code goes there for the person to read back.
 */
export async function openPrivacyRequest(ctx: TenantContext, input: OpenPrivacyRequestInput) {
  const { scope, now } = ctx;
  const match = await matchContact(scope, input);
  if (input.contactId && !match.found) {
    throw new ApiError("VALIDATION_FAILED", "No such contact; nothing was saved.", {
      errors: [{ path: "contactId", code: "not_found", message: "No such contact." }],
    });
  }
  const row = newRequestRow(input, "staff", match.id, now, ctx.actor.id);
  const onRecord = match.id ? await recordOf(scope, match.id) : null;
  const recipient = onRecord ? codeRecipient(onRecord, input, true) : null;
  const code = recipient ? await newCode(ctx.config, row.id, recipient, now) : null;
  const [[stored]] = await scope.write(openStatements(ctx, { ...row, ...(code?.columns ?? {}) }));
  if (!stored) throw new Error("openPrivacyRequest: not stored");
  if (code) ctx.waitUntil(deliver({ ...ctx, db: scope.db }, code.message));
  return privacyRequestView(stored, now);
}

export async function listRequests(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(() => [listPrivacyRequests(ctx.scope, after, limit)] as const);
  const page = toPage(rows, limit, (row) => ({ sort: listOrderOf(row), id: row.id }));
  return { data: page.data.map((row) => privacyRequestView(row, ctx.now)), nextCursor: page.nextCursor };
}

export async function requestDetail(ctx: TenantContext, id: string) {
  const { scope } = ctx;
  const [[row], history] = await scope.read(
    () => [privacyRequestById(scope, id), eventsOfRequest(scope, id)] as const,
  );
  if (!row) throw notFound();
  return { ...privacyRequestView(row, ctx.now), history: history.map(historyView) };
}

const EXTENSION_NOTICE = (days: number, dueAt: number, reason: string): Bilingual => {
  const date = new Date(dueAt).toISOString().slice(0, 10);
  return {
    ar: `نحتاج ${days} يومًا إضافيًا للرد على طلبك المتعلق ببياناتك الشخصية، وسنرد قبل ${date}. السبب: ${reason}`,
    en: `We need ${days} more days to answer your personal data request; we will answer by ${date}. Reason: ${reason}`,
  };
};

/** Tells the person of the extension: by email or WhatsApp, on record first, else as they gave it. */
async function sendExtensionNotice(ctx: TenantContext, row: PrivacyRequestRow) {
  const { scope } = ctx;
  const [[contact], tenantRows] = await scope.read(
    () => [contactOnRecord(scope, row.contactId ?? ""), tenantById(scope.db, scope.tenantId)] as const,
  );
  const email = contact?.email ?? row.requesterEmail;
  const phone = contact?.phone ?? row.requesterPhone;
  const tenant = tenantRows[0];
  const workspace = { ar: tenant?.nameAr ?? "", en: tenant?.nameEn ?? "" };
  const notice = EXTENSION_NOTICE(row.extensionDays ?? 0, row.dueAt, row.extensionReason ?? "");
  const link = `${ctx.config.APP_ORIGIN}/privacy/${scope.tenantId}/request`;
  const body = `${workspace.ar}: ${notice.ar}\n\n${workspace.en}: ${notice.en}`;
  const message: OutboundMessage | null = email
    ? {
        channel: "email",
        recipient: email,
        locale: null,
        subject: "تمديد مهلة الرد على طلبك · Your privacy request: more time",
        body,
      }
    : phone
      ? {
          channel: "whatsapp",
          recipient: phone,
          locale: null,
          body,
          template: { kind: "privacy_notice", workspace, notice, link },
        }
      : null;
  if (!message) return "none";
  const delivery = await deliver({ ...ctx, db: scope.db }, message);
  return delivery.status === "sent" || delivery.status === "dev_outbox" ? message.channel : "failed";
}

/**
 * The one extension the law allows: up to 30 more days, with a reason, told to the person. The
 * notice goes once the extension is stored, and what became of it is kept in the history.
 */
export async function extendPrivacyRequest(
  ctx: TenantContext,
  id: string,
  input: { days: number; reason: string },
) {
  const row = await requestOf(ctx, id);
  if (!OPEN_STATES.includes(row.state))
    throw conflict(`The request is ${row.state}: there is nothing to extend.`);
  if (row.extendedAt !== null)
    throw conflict("The request was extended already; the law allows one extension.");
  const updated = await change(
    ctx,
    row,
    OPEN_STATES,
    {
      dueAt: row.dueAt + input.days * DAY_MS,
      extendedAt: ctx.now,
      extensionDays: input.days,
      extensionReason: input.reason,
    },
    "extended",
    input.reason,
    { days: input.days },
    { onlyIfNotExtended: true },
  );
  const sentBy = await sendExtensionNotice(ctx, updated);
  await ctx.scope.write([insertRequestEventForNotice(ctx, updated, sentBy)]);
  return privacyRequestView(updated, ctx.now);
}

const insertRequestEventForNotice = (ctx: TenantContext, row: PrivacyRequestRow, sentBy: string) =>
  insertRequestEvent(ctx.scope, {
    id: newId(idPrefixes.privacyRequestEvent),
    requestId: row.id,
    action: "notice_sent",
    fromState: row.state,
    toState: row.state,
    actorType: "system",
    actorId: null,
    note: `extension notice: ${sentBy}`,
    at: ctx.now,
  });

export async function refusePrivacyRequest(ctx: TenantContext, id: string, reason: string) {
  const row = await requestOf(ctx, id);
  if (!OPEN_STATES.includes(row.state)) throw conflict(`The request is ${row.state} already.`);
  const updated = await change(
    ctx,
    row,
    OPEN_STATES,
    { state: "refused", refusedReason: reason, completedAt: ctx.now, codeHash: null, codeExpiresAt: null },
    "refused",
    reason,
  );
  return privacyRequestView(updated, ctx.now);
}

/** Staff take a verified request in hand (a correction to check, an erasure to review). */
export async function startPrivacyRequest(ctx: TenantContext, id: string) {
  const row = await requestOf(ctx, id);
  requireState(row, ["verified"], "started");
  const updated = await change(ctx, row, ["verified"], { state: "in_progress" }, "started", null);
  return privacyRequestView(updated, ctx.now);
}

/** Withdraws every marketing consent of the contact, on every channel, citing the request. */
async function withdrawMarketing(ctx: TenantContext, row: PrivacyRequestRow, contactId: string) {
  const source =
    row.channel === "whatsapp" ? "whatsapp" : row.channel === "public_page" ? "web_form" : "in_person";
  const [first, ...rest] = CONSENT_CHANNELS.map((channel) =>
    withdrawIfNotWithdrawn(ctx.scope, {
      id: newId(idPrefixes.consent),
      contactId,
      channel,
      purpose: "marketing",
      source,
      evidenceText: `Privacy request ${row.id}: withdrawal of consent (${row.channel})`,
      occurredAt: row.receivedAt,
      recordedBy: ctx.actor.id,
      createdAt: ctx.now,
    }),
  );
  if (!first) return { withdrawn: 0 };
  const results = (await ctx.scope.write([first, ...rest], { evenWhenReadOnly: true })) as unknown as {
    id: string;
  }[][];
  return { withdrawn: results.reduce((sum, rows) => sum + rows.length, 0) };
}

/**
 * Does what the request asks, for its type, and closes it: access records that the copy was
 * prepared (staff download it from /copy), correction applies the corrected fields through the
 * contact service, consent withdrawal writes withdrawn rows to the ledger, erasure runs the
 * erasure engine and forgets the requester's stated details, keeping the request as evidence.
 */
export async function completePrivacyRequest(
  ctx: TenantContext,
  id: string,
  input: CompletePrivacyRequestInput,
) {
  const row = await requestOf(ctx, id);
  requireState(row, ["verified", "in_progress"], "completed");
  if (input.corrections !== undefined && row.type !== "correction") {
    throw new ApiError("VALIDATION_FAILED", "Only a correction request takes corrections.", {
      errors: [{ path: "corrections", code: "not_allowed", message: "Only for correction requests." }],
    });
  }
  if (row.type === "correction" && !input.corrections && row.contactId) {
    throw new ApiError("VALIDATION_FAILED", "Give the corrected fields.", {
      errors: [{ path: "corrections", code: "required", message: "Give the corrected fields." }],
    });
  }
  const contactId = row.contactId;
  let result: Record<string, unknown> = { contactFound: contactId !== null };
  let forget = false;
  if (contactId) {
    if (row.type === "access") {
      const copy = await personCopy(ctx.scope, contactId, ctx.now);
      if (!copy) throw conflict("The contact no longer exists.");
      result = {
        contactFound: true,
        copy: {
          deals: copy.deals.length,
          activities: copy.activities.length,
          messages: copy.messages.length,
          consents: copy.consents.length,
        },
      };
    } else if (row.type === "correction" && input.corrections) {
      const [[contact]] = await ctx.scope.read(() => [contactById(ctx.scope, contactId, undefined)] as const);
      if (!contact || contact.mergedIntoId) throw conflict("The contact no longer exists.");
      await updateContactFor(ctx, contactId, `"${contact.version}"`, input.corrections);
      result = { contactFound: true, corrected: Object.keys(input.corrections).sort() };
    } else if (row.type === "consent_withdrawal") {
      result = { contactFound: true, ...(await withdrawMarketing(ctx, row, contactId)) };
    } else if (row.type === "erasure") {
      const erasure = await erasePerson(ctx.scope.db, ctx.scope.tenantId, contactId, {
        userId: ctx.actor.type === "user" ? ctx.actor.id : null,
        requestId: row.id,
        via: "data_subject_request",
      });
      result = { contactFound: true, ...erasure };
      forget = true;
    }
  }
  if (input.note) result.note = input.note;
  const updated = await change(
    ctx,
    row,
    ["verified", "in_progress"],
    {
      state: "done",
      completedAt: ctx.now,
      result,
      ...(forget ? { requesterName: "—", requesterPhone: null, requesterEmail: null, details: null } : {}),
    },
    "completed",
    input.note ?? null,
  );
  return privacyRequestView(updated, ctx.now);
}

/** The person's copy for staff to hand over: only once their identity is verified. */
export async function staffCopy(ctx: TenantContext, id: string) {
  const row = await requestOf(ctx, id);
  if (row.type !== "access") throw conflict("Only an access request has a copy.");
  requireState(row, ["verified", "in_progress", "done"], "disclosed");
  if (!row.contactId) throw conflict("The request matched no contact: the tenant holds no data to copy.");
  const copy = await personCopy(ctx.scope, row.contactId, ctx.now);
  if (!copy) throw conflict("The contact no longer exists.");
  await ctx.scope.write(
    [
      auditInsert(
        ctx.scope.db,
        {
          tenantId: ctx.scope.tenantId,
          actor: ctx.actor,
          action: "privacy_request.copy_disclosed",
          target: { type: "privacy_request", id: row.id },
          details: { to: "staff" },
        },
        ctx.origin,
        ctx.now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  return copy;
}
