// How a person proves who they are before anything is disclosed (a code to the phone or e-mail on
// record, or staff checking an ID in person), and the public request page's flow: open, verify,
// download the copy. The staff workflow and the fulfilment are in privacy-requests.service.ts.
import { codeHash } from "../auth/codes";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { deliver } from "../outbox/outbox.service";
import type { RequestOrigin, TenantContext } from "../platform/context";
import { sha256Hex, timingSafeEqualStrings } from "../platform/crypto";
import { newSecret } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import type { TenantScope } from "../platform/tenant-scope";
import { findTenant } from "../tenants/tenants.repo";
import { personCopy } from "./person-copy";
import type { VerifyPrivacyRequestInput } from "./privacy-requests.model";
import {
  countCodeAttempt,
  endCode,
  type PrivacyRequestRow,
  privacyRequestById,
  requestByCopyToken,
  updateRequestIn,
} from "./privacy-requests.repo";
import type { PrivacyRequestChannel, PrivacyRequestType } from "./privacy-requests.schema";
import {
  CODE_MAX_ATTEMPTS,
  COPY_TTL_MS,
  change,
  codeRecipient,
  conflict,
  type Doer,
  matchContact,
  newCode,
  newRequestRow,
  notFound,
  openStatements,
  privacyRequestView,
  recordChange,
  recordOf,
  requestOf,
  type Sender,
} from "./privacy-requests.service";

/** What the public page needs to act for a tenant without a session. */
export interface PublicContext extends Sender {
  db: Db;
  env: Pick<Bindings, "CIRCUIT_BREAKER" | "RATE_LIMITER">;
  origin: RequestOrigin;
  clientIp: string;
  now: number;
  waitUntil(task: Promise<unknown>): void;
}

const publicDoer = (ctx: PublicContext, scope: TenantScope): Doer => ({
  scope,
  actor: { type: "anonymous" },
  origin: ctx.origin,
  now: ctx.now,
});

/** The tenant of a public privacy page; an unknown tenant is a 404 like any unknown page. */
export async function publicTenant(db: Db, tenantId: string) {
  const tenant = await findTenant(db, tenantId);
  if (!tenant) throw new ApiError("NOT_FOUND");
  return tenant;
}

/**
 * A person's request from the tenant's public page. The answer is the same whether or not the
 * tenant holds a contact with that phone or email: the request is always recorded (the tenant
 * must answer it either way), the limits count every attempt alike, and a code is sent, after the
 * response, only to a matched contact's own phone or email.
 */
export async function openPublicPrivacyRequest(
  ctx: PublicContext,
  scope: TenantScope,
  input: {
    type: PrivacyRequestType;
    requesterName: string;
    phone?: string | undefined;
    email?: string | undefined;
    details?: string | undefined;
  },
) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.privacyRequestPerIp, ctx.clientIp);
  await enforceRateLimit(ctx.env, RATE_LIMITS.privacyRequestPerTarget, input.phone ?? input.email ?? "");
  const { now } = ctx;
  const match = await matchContact(scope, { phone: input.phone, email: input.email });
  const row = newRequestRow(input, "public_page", match.id, now, null);
  // The same reads and hashing for everyone, so the answer's timing does not tell who is on record.
  const onRecord = await recordOf(scope, match.id ?? "");
  // Only to what the person typed and the contact holds: a stranger who types a known name gets
  // no code sent to that person's other number.
  const recipient = onRecord ? codeRecipient(onRecord, input, false) : null;
  const code = await newCode(
    ctx.config,
    row.id,
    recipient ?? { channel: "phone", value: input.phone ?? input.email ?? "" },
    now,
  );
  await scope.write(openStatements(publicDoer(ctx, scope), { ...row, ...(recipient ? code.columns : {}) }));
  if (recipient) ctx.waitUntil(deliver({ ...ctx, db: scope.db }, code.message));
  return { id: row.id };
}

// Verifying -------------------------------------------------------------------------------------

const invalidCode = () =>
  new ApiError("VALIDATION_FAILED", "The code is wrong or has expired.", {
    errors: [{ path: "code", code: "invalid_code", message: "The code is wrong or has expired." }],
  });

/**
 * Checks a code against the request's: single use, expiring, five wrong tries and it is gone. A
 * request without a code (nobody matched, or it was used up) fails the same way as a wrong code.
 */
async function checkCode(doer: Doer, config: Config, row: PrivacyRequestRow, code: string) {
  if (row.state !== "received" || !row.codeHash || (row.codeExpiresAt ?? 0) <= doer.now) throw invalidCode();
  if (row.codeAttempts >= CODE_MAX_ATTEMPTS) {
    await doer.scope.write([endCode(doer.scope, row.id)], { evenWhenReadOnly: true });
    throw invalidCode();
  }
  const matches = timingSafeEqualStrings(
    await codeHash(config, "privacy_request", row.id, code),
    row.codeHash,
  );
  if (!matches) {
    const [[counted]] = await doer.scope.write([countCodeAttempt(doer.scope, row.id)], {
      evenWhenReadOnly: true,
    });
    if ((counted?.attempts ?? CODE_MAX_ATTEMPTS) >= CODE_MAX_ATTEMPTS) {
      await doer.scope.write([endCode(doer.scope, row.id)], { evenWhenReadOnly: true });
    }
    throw invalidCode();
  }
}

const verifiedColumns = (
  now: number,
  method: "code" | "in_person" | "whatsapp_inbound",
  note: string | null,
) => ({
  state: "verified" as const,
  verifiedAt: now,
  verificationMethod: method,
  verificationNote: note,
  codeHash: null,
  codeExpiresAt: null,
});

/** Staff verify a request: with the code the person reads back, or after checking ID in person. */
export async function verifyPrivacyRequest(ctx: TenantContext, id: string, input: VerifyPrivacyRequestInput) {
  const row = await requestOf(ctx, id);
  if (row.state !== "received") throw conflict(`The request is ${row.state}, not waiting for verification.`);
  if (input.method === "code") {
    await enforceRateLimit(ctx.env, RATE_LIMITS.verificationCheckPerIp, ctx.origin.ip ?? "unknown");
    await checkCode(ctx, ctx.config, row, input.code);
  }
  const note = input.method === "in_person" ? input.reason : null;
  const updated = await change(
    ctx,
    row,
    ["received"],
    verifiedColumns(ctx.now, input.method, note),
    "verified",
    note,
    { method: input.method },
  );
  return privacyRequestView(updated, ctx.now);
}

/**
 * The person enters their code on the public page. For an access request a copy token is issued
 * (returned once, kept as a hash) so the page can offer the download.
 */
export async function verifyPublicPrivacyRequest(
  ctx: PublicContext,
  scope: TenantScope,
  id: string,
  code: string,
) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.verificationCheckPerIp, ctx.clientIp);
  const doer = publicDoer(ctx, scope);
  const [[row]] = await scope.db.batch([privacyRequestById(scope, id)]);
  if (!row) throw notFound();
  await checkCode(doer, ctx.config, row, code);
  const copyToken = row.type === "access" && row.contactId ? newSecret() : null;
  const updated = await change(
    doer,
    row,
    ["received"],
    {
      ...verifiedColumns(ctx.now, "code", null),
      ...(copyToken
        ? { copyTokenHash: await sha256Hex(copyToken), copyTokenExpiresAt: ctx.now + COPY_TTL_MS }
        : {}),
    },
    "verified",
    null,
    { method: "code" },
  );
  return { request: updated, copyToken };
}

// Staff actions ---------------------------------------------------------------------------------

/**
 * The copy a verified person downloads from the public page, by the token issued at
 * verification. The first download answers the request (done).
 */
export async function publicCopy(ctx: PublicContext, scope: TenantScope, token: string) {
  const [[row]] = await scope.db.batch([requestByCopyToken(scope, await sha256Hex(token))]);
  if (!row?.contactId || (row.copyTokenExpiresAt ?? 0) <= ctx.now) throw notFound();
  const copy = await personCopy(scope, row.contactId, ctx.now);
  if (!copy) throw notFound();
  const doer = publicDoer(ctx, scope);
  await scope.write([
    updateRequestIn(scope, row.id, ["verified", "in_progress"], {
      state: "done",
      completedAt: ctx.now,
      updatedAt: ctx.now,
      result: { contactFound: true, disclosedVia: "public_page" },
    }),
    ...recordChange(doer, row, "completed", "done", "copy downloaded by the person"),
  ]);
  return copy;
}

/** A request that arrives verified (a keyword from the contact's own WhatsApp number). */
export const verifiedRequestRow = (
  input: { type: PrivacyRequestType; requesterName: string; phone: string },
  channel: PrivacyRequestChannel,
  contactId: string,
  now: number,
) => ({
  ...newRequestRow(input, channel, contactId, now, null),
  ...verifiedColumns(now, "whatsapp_inbound", null),
});
