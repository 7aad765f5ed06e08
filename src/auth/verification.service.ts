import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { Config } from "../env";
import { type Delivery, deliver, wasDelivered } from "../outbox/outbox.service";
import type { TenantContext } from "../platform/context";
import { randomDigits, sha256Hex, timingSafeEqualStrings } from "../platform/crypto";
import { isUniqueViolation } from "../platform/errors";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import { userView } from "./account.service";
import { codeHash } from "./codes";
import {
  activePhoneVerificationQuery,
  type Channel,
  claimVerification,
  consumeVerification,
  countVerificationAttempt,
  emailVerificationQuery,
  endPendingVerifications,
  insertVerification,
  releasePhoneFromOthers,
  setVerifiedIdentifier,
  userByIdQuery,
  verifiedHolderQuery,
} from "./verifications.repo";

export const PHONE_CODE_TTL_MS = 10 * 60 * 1000;
export const EMAIL_LINK_TTL_MS = 24 * 60 * 60 * 1000;
export const VERIFICATION_MAX_ATTEMPTS = 5;

const phoneCodeMessage = (locale: "ar" | "en", code: string) =>
  locale === "ar"
    ? `رمز تأكيد رقمك في ديلكس: ${code}\nصالح لمدة ١٠ دقائق. أدخله في صفحة حسابك فقط، ولا تشاركه مع أحد.`
    : `Your Dealix code to confirm this number: ${code}\nValid for 10 minutes. Enter it on your account page only; do not share it with anyone.`;

const emailLinkMessage = (locale: "ar" | "en", link: string) =>
  locale === "ar"
    ? {
        subject: "أكّد بريدك الإلكتروني في ديلكس",
        body: `لتأكيد أن هذا البريد لك افتح الرابط التالي خلال ٢٤ ساعة، وأنت مسجّل الدخول إلى حسابك:\n${link}\nإن لم تطلب ذلك فتجاهل هذه الرسالة، ولن يُربط بريدك بأي حساب.`,
      }
    : {
        subject: "Confirm your email for Dealix",
        body: `To confirm this address is yours, open this link within 24 hours while signed in to your account:\n${link}\nIf you did not ask for this, ignore this message; the address will not be linked to any account.`,
      };

/**
 * A new phone code for `userId`, as the insert for the caller's batch and the message to deliver
 * once that batch has committed. Sign-up and invitations use it for the phone they store unverified.
 */
export async function newPhoneCode(
  config: Config,
  userId: string,
  phone: string,
  locale: "ar" | "en",
  now: number,
) {
  const id = newId(idPrefixes.verification);
  const code = randomDigits(6);
  const row = {
    id,
    userId,
    channel: "phone" as const,
    value: phone,
    secretHash: await codeHash(config, "verify", id, code),
    expiresAt: now + PHONE_CODE_TTL_MS,
    createdAt: now,
  };
  return {
    insert: (db: Db) => insertVerification(db, row),
    message: {
      channel: "whatsapp" as const,
      recipient: phone,
      locale,
      body: phoneCodeMessage(locale, code),
      template: { kind: "code" as const, code },
    },
  };
}

function signedInUserId(ctx: TenantContext): string {
  if (ctx.principal.kind !== "user") throw new Error("verification: only people have an email or phone");
  return ctx.principal.userId;
}

const clientIpOf = (ctx: TenantContext) => ctx.origin.ip ?? "unknown";

const TAKEN = {
  phone: "This number is verified on another account. Sign in to that account with WhatsApp instead.",
  email: "This email is verified on another account. Use another address, or sign in to that account.",
};
const ALREADY_YOURS = {
  phone: "This number is already verified on your account.",
  email: "This email is already verified on your account.",
};

const taken = (channel: Channel) =>
  new ApiError("CONFLICT", TAKEN[channel], {
    errors: [{ path: channel, code: "taken", message: TAKEN[channel] }],
  });

/** Counts an attempt to send a code or link: per client, per account and per recipient. */
async function limitSending(ctx: TenantContext, userId: string, target: string) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.verificationSendPerIp, clientIpOf(ctx));
  await enforceRateLimit(ctx.env, RATE_LIMITS.verificationSendPerUser, userId);
  await enforceRateLimit(ctx.env, RATE_LIMITS.verificationSendPerTarget, target);
}

async function limitChecking(ctx: TenantContext, userId: string) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.verificationCheckPerIp, clientIpOf(ctx));
  await enforceRateLimit(ctx.env, RATE_LIMITS.verificationCheckPerUser, userId);
}

/** Reads the caller's account and who (if anyone) has verified `value`, with the session check. */
async function accountAndHolder(ctx: TenantContext, userId: string, channel: Channel, value: string) {
  const { scope } = ctx;
  const [[user], [holder]] = await scope.read(
    () => [userByIdQuery(scope.db, userId), verifiedHolderQuery(scope.db, channel, value)] as const,
  );
  if (!user) throw new ApiError("UNAUTHENTICATED", "The session has ended; sign in again.");
  if (holder && holder.id !== userId) throw taken(channel);
  if (holder)
    throw new ApiError("CONFLICT", ALREADY_YOURS[channel], {
      errors: [{ path: channel, code: "already_verified", message: ALREADY_YOURS[channel] }],
    });
  return user;
}

/**
 * Sends a WhatsApp code to prove `phone` (the account's own, or a new one it wants). The account's
 * phone changes only once the code comes back, so a typo never costs a working number.
 */
export async function sendPhoneCode(ctx: TenantContext, phone: string) {
  const userId = signedInUserId(ctx);
  await limitSending(ctx, userId, phone);
  const user = await accountAndHolder(ctx, userId, "phone", phone);
  const { scope, now } = ctx;
  const code = await newPhoneCode(ctx.config, userId, phone, user.locale, now);
  await scope.write([
    endPendingVerifications(scope.db, userId, "phone", now),
    code.insert(scope.db),
    auditInsert(
      scope.db,
      { tenantId: null, actor: ctx.actor, action: "auth.phone_verification_sent" },
      ctx.origin,
      now,
    ),
  ]);
  sentOrUnavailable(await deliver({ ...ctx, db: scope.db }, code.message), "code");
}

/** Emails a link that proves `email` (the account's own, or a new sign-in email) when opened. */
export async function sendEmailLink(ctx: TenantContext, email: string) {
  const userId = signedInUserId(ctx);
  await limitSending(ctx, userId, email);
  const user = await accountAndHolder(ctx, userId, "email", email);
  const { scope, now } = ctx;
  const token = newSecret();
  await scope.write([
    endPendingVerifications(scope.db, userId, "email", now),
    insertVerification(scope.db, {
      id: newId(idPrefixes.verification),
      userId,
      channel: "email",
      value: email,
      secretHash: await sha256Hex(token),
      expiresAt: now + EMAIL_LINK_TTL_MS,
      createdAt: now,
    }),
    auditInsert(
      scope.db,
      { tenantId: null, actor: ctx.actor, action: "auth.email_verification_sent" },
      ctx.origin,
      now,
    ),
  ]);
  const link = `${ctx.config.APP_ORIGIN}/account/email/verify?token=${encodeURIComponent(token)}`;
  sentOrUnavailable(
    await deliver(
      { ...ctx, db: scope.db },
      { channel: "email", recipient: email, locale: user.locale, ...emailLinkMessage(user.locale, link) },
    ),
    "link",
  );
}

// The person is signed in and waiting on the page: a message that did not go out is a 503 they
// can retry (the unused code or link simply expires), never a 202 that promises one.
function sentOrUnavailable(delivery: Delivery, what: "code" | "link") {
  if (wasDelivered(delivery)) return;
  throw new ApiError(
    "UNAVAILABLE",
    what === "code"
      ? "We could not send the WhatsApp code. Try again in a few minutes."
      : "We could not send the confirmation email. Try again in a few minutes.",
  );
}

const invalidCode = () =>
  new ApiError("VALIDATION_FAILED", "The code is wrong or has expired; request a new one.", {
    errors: [{ path: "code", code: "invalid_code", message: "The code is wrong or has expired." }],
  });

const invalidLink = () =>
  new ApiError("VALIDATION_FAILED", "The link is invalid, used or expired; request a new one.", {
    errors: [{ path: "token", code: "invalid_token", message: "Request a new link." }],
  });

/**
 * Applies a proof in one batch: the value becomes the user's, verified; a phone is taken from every
 * other account that held it unverified (an email stays on such accounts as their sign-in name, but
 * counts for nothing there any more); the verification is claimed, and the event audited only for the
 * request that claimed it. Another account verifying the same value at the same moment loses on
 * the unique index: 409.
 */
async function applyProof(
  ctx: TenantContext,
  userId: string,
  verification: { id: string; channel: Channel; value: string },
) {
  const { scope, now } = ctx;
  const { id, channel, value } = verification;
  try {
    const results = await scope.write([
      setVerifiedIdentifier(scope.db, userId, channel, value, id, now),
      ...(channel === "phone" ? [releasePhoneFromOthers(scope.db, value, userId, id, now)] : []),
      claimVerification(scope.db, id, now),
      auditInsertIfChanged(
        scope.db,
        {
          tenantId: null,
          actor: ctx.actor,
          action: channel === "phone" ? "auth.phone_verified" : "auth.email_verified",
          target: { type: "user", id: userId },
        },
        ctx.origin,
        now,
      ),
    ]);
    const claimed = results.at(-2) as { id: string }[];
    return claimed.length === 1;
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(channel);
    throw error;
  }
}

/** Checks a phone code sent to the caller: five attempts, ten minutes, single use, theirs only. */
export async function confirmPhone(ctx: TenantContext, phone: string, code: string) {
  const userId = signedInUserId(ctx);
  await limitChecking(ctx, userId);
  const { scope, now } = ctx;
  const [[user], [verification], [holder]] = await scope.read(
    () =>
      [
        userByIdQuery(scope.db, userId),
        activePhoneVerificationQuery(scope.db, userId, phone, now),
        verifiedHolderQuery(scope.db, "phone", phone),
      ] as const,
  );
  if (!user) throw new ApiError("UNAUTHENTICATED", "The session has ended; sign in again.");
  if (!verification) throw invalidCode();
  if (verification.attempts >= VERIFICATION_MAX_ATTEMPTS) {
    await consumeVerification(scope.db, verification.id, now);
    throw invalidCode();
  }
  const matches = timingSafeEqualStrings(
    await codeHash(ctx.config, "verify", verification.id, code),
    verification.secretHash,
  );
  if (!matches) {
    const counted = await countVerificationAttempt(scope.db, verification.id);
    if ((counted?.attempts ?? VERIFICATION_MAX_ATTEMPTS) >= VERIFICATION_MAX_ATTEMPTS)
      await consumeVerification(scope.db, verification.id, now);
    throw invalidCode();
  }
  if (holder && holder.id !== userId) throw taken("phone");
  if (!(await applyProof(ctx, userId, verification))) throw invalidCode();
  return userView({ ...user, phone, phoneVerifiedAt: now });
}

/** Checks an email link: it must have been sent to the caller's account, unused and in date. */
export async function confirmEmail(ctx: TenantContext, token: string) {
  const userId = signedInUserId(ctx);
  await limitChecking(ctx, userId);
  const { scope, now } = ctx;
  const tokenHash = await sha256Hex(token);
  const [[user], [verification]] = await scope.read(
    () => [userByIdQuery(scope.db, userId), emailVerificationQuery(scope.db, tokenHash)] as const,
  );
  if (!user) throw new ApiError("UNAUTHENTICATED", "The session has ended; sign in again.");
  // Another account's link is refused like an unknown one: it proves the address for them, not you.
  if (
    !verification ||
    verification.userId !== userId ||
    verification.consumedAt !== null ||
    verification.expiresAt <= now
  ) {
    throw invalidLink();
  }
  if (verification.verifiedHolderId && verification.verifiedHolderId !== userId) throw taken("email");
  if (!(await applyProof(ctx, userId, verification))) throw invalidLink();
  return userView({ ...user, email: verification.value, emailVerifiedAt: now });
}
