import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { DeliveryFailedError, deliver, wasDelivered } from "../outbox/outbox.service";
import type { RequestContext } from "../platform/context";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import {
  claimPasswordReset,
  findPasswordReset,
  findUserByEmail,
  findUserById,
  insertPasswordReset,
  passwordResetUsable,
  updatePassword,
} from "./auth.repo";
import { assertPasswordPolicy, hashPassword } from "./password";
import { revokeFamiliesOfUser } from "./sessions.repo";

export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;

const resetMessage = (locale: "ar" | "en", link: string) =>
  locale === "ar"
    ? {
        subject: "إعادة تعيين كلمة المرور في ديلكس",
        body: `لإعادة تعيين كلمة المرور افتح الرابط التالي خلال ساعة:\n${link}\nإن لم تطلب ذلك فتجاهل هذه الرسالة.`,
      }
    : {
        subject: "Reset your Dealix password",
        body: `To reset your password, open this link within an hour:\n${link}\nIf you did not ask for this, ignore this message.`,
      };

/**
 * Emails a single-use reset link when the email has an account; the caller always answers 202.
 * The request itself only counts the attempt: looking the email up, storing the link and sending
 * it happen after the answer (waitUntil), so known and unknown emails take the same time. For the
 * same reason a failed send cannot change the answer: it is logged and reported to Sentry.
 */
export async function forgotPassword(ctx: RequestContext, email: string): Promise<void> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.passwordResetPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.passwordResetPerEmail, email);
  ctx.waitUntil(sendResetLink(ctx, email));
}

async function sendResetLink(ctx: RequestContext, email: string): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user) return;
  const token = newSecret();
  const { db, now } = ctx;
  await db.batch([
    insertPasswordReset(db, {
      id: newId(idPrefixes.passwordReset),
      userId: user.id,
      tokenHash: await sha256Hex(token),
      expiresAt: now + PASSWORD_RESET_TTL_MS,
      createdAt: now,
    }),
    auditInsert(
      db,
      {
        tenantId: null,
        actor: { type: "anonymous" },
        action: "auth.password_reset_requested",
        target: { type: "user", id: user.id },
      },
      ctx.origin,
      now,
    ),
  ]);
  const message = resetMessage(
    user.locale,
    `${ctx.config.APP_ORIGIN}/reset-password?token=${encodeURIComponent(token)}`,
  );
  const delivery = await deliver(ctx, {
    channel: "email",
    recipient: user.email,
    locale: user.locale,
    ...message,
  });
  if (!wasDelivered(delivery)) throw new DeliveryFailedError("email", delivery);
}

const invalidResetLink = () =>
  new ApiError("VALIDATION_FAILED", "The reset link is invalid or has expired.", {
    errors: [{ path: "token", code: "invalid_token", message: "Request a new reset link." }],
  });

/**
 * Sets a new password from a reset link and signs the user out everywhere. The link is single
 * use even under concurrency: one batch claims it and makes the change, and every write in that
 * batch carries the claim's own condition (unused, unexpired), so of two requests racing with the
 * same link exactly one changes the password.
 */
export async function resetPassword(ctx: RequestContext, token: string, password: string): Promise<void> {
  const { db, now } = ctx;
  const reset = await findPasswordReset(db, await sha256Hex(token));
  if (!reset || reset.usedAt !== null || reset.expiresAt <= now) throw invalidResetLink();
  const user = await findUserById(db, reset.userId);
  if (!user) throw new Error("resetPassword: reset points at a missing user");
  assertPasswordPolicy(password, { email: user.email, name: user.name });
  const passwordHash = await hashPassword(password, ctx.config.PASSWORD_PEPPER);
  // Whole seconds: access tokens carry `iat` in seconds (see auth/credentials).
  const notBefore = Math.floor(now / 1000) * 1000;
  const usable = passwordResetUsable(db, reset.id, now);
  // The claim runs last: until it, the link is still unused, so the writes before it see exactly
  // the condition the claim decides on (one transaction; D1 runs batches one at a time).
  const [, , , claimed] = await db.batch([
    updatePassword(db, user.id, passwordHash, notBefore, now, usable),
    auditInsertIfChanged(
      db,
      { tenantId: null, actor: { type: "user", id: user.id }, action: "auth.password_reset" },
      ctx.origin,
      now,
    ),
    revokeFamiliesOfUser(db, user.id, "password_reset", now, { onlyIf: usable }),
    claimPasswordReset(db, reset.id, now),
  ]);
  if (claimed.length === 0) throw invalidResetLink();
}
