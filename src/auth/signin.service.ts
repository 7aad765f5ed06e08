import { auditInsert, recordAudit } from "../audit/audit.service";
import { channelAvailable, DeliveryFailedError, deliver, wasDelivered } from "../outbox/outbox.service";
import type { RequestContext } from "../platform/context";
import { randomDigits, timingSafeEqualStrings } from "../platform/crypto";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS, resetRateLimit } from "../platform/rate-limit";
import { findTenant } from "../tenants/tenants.repo";
import { tenantView, userView } from "./account.service";
import type { LoginInput, OtpVerifyInput } from "./auth.model";
import {
  consumeOtp,
  consumeOtpsOfPhone,
  countOtpAttempt,
  findActiveOtp,
  insertOtp,
  listMembershipsOfUser,
  type User,
} from "./auth.repo";
import { codeHash } from "./codes";
import { verifyPassword, verifyPasswordAgainstNothing } from "./password";
import { newSession } from "./session.service";
import { accountsWithEmail, findUserByVerifiedPhone } from "./verifications.repo";

export const OTP_TTL_MS = 5 * 60 * 1000;
export const OTP_MAX_ATTEMPTS = 5;

const INVALID_CREDENTIALS = "The email or password is incorrect.";

// Several accounts hold one email only while nobody has verified it (see auth.schema): a password
// sign-in tries each, so this bounds the PBKDF2 work one attempt can cost.
const MAX_ACCOUNTS_PER_EMAIL = 5;

/** Picks the workspace to sign in to: the one asked for, else the oldest membership. */
async function chooseWorkspace(ctx: RequestContext, userId: string, tenantId: string | undefined) {
  const workspaces = await listMembershipsOfUser(ctx.db, userId);
  const chosen = tenantId ? workspaces.find((w) => w.tenantId === tenantId) : workspaces[0];
  if (!chosen) {
    throw new ApiError(
      "FORBIDDEN",
      tenantId ? "You are not a member of that workspace." : "You are not a member of any workspace.",
    );
  }
  if (chosen.status !== "active") throw new ApiError("FORBIDDEN", "This workspace is suspended.");
  return chosen;
}

/** Starts a session for a verified user and records the sign-in. */
async function startSession(
  ctx: RequestContext,
  user: User,
  tenantId: string | undefined,
  method: "password" | "otp",
) {
  const workspace = await chooseWorkspace(ctx, user.id, tenantId);
  const session = await newSession(
    ctx.db,
    ctx.config.JWT_SECRET,
    { userId: user.id, tenantId: workspace.tenantId, role: workspace.role, plan: workspace.plan },
    ctx.now,
  );
  await ctx.db.batch([
    ...session.inserts,
    auditInsert(
      ctx.db,
      {
        tenantId: workspace.tenantId,
        actor: { type: "user", id: user.id },
        action: "auth.sign_in_succeeded",
        details: { method },
      },
      ctx.origin,
      ctx.now,
    ),
  ]);
  const tenant = await findTenant(ctx.db, workspace.tenantId);
  if (!tenant) throw new Error("startSession: membership points at a missing tenant");
  return { tenant: tenantView(tenant), user: userView(user), role: workspace.role, ...session.tokens };
}

/**
 * Password sign-in. An unknown email and a wrong password get the same answer after the same
 * amount of work, so the endpoint does not reveal which emails have accounts.
 */
export async function login(ctx: RequestContext, input: LoginInput) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.loginPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.loginPerAccount, input.email);
  // The password proves the account, whether or not its email is verified: the verified holder
  // is tried first, so an unverified claim can never shadow the owner's sign-in.
  const accounts = await accountsWithEmail(ctx.db, input.email, MAX_ACCOUNTS_PER_EMAIL);
  let user: User | undefined;
  for (const account of accounts) {
    if (await verifyPassword(input.password, account.passwordHash, ctx.config.PASSWORD_PEPPER)) {
      user = account;
      break;
    }
  }
  if (accounts.length === 0) await verifyPasswordAgainstNothing(input.password, ctx.config.PASSWORD_PEPPER);
  if (!user) {
    const target = accounts[0];
    await recordAudit(
      ctx.db,
      {
        tenantId: null,
        actor: { type: "anonymous" },
        action: "auth.sign_in_failed",
        ...(target ? { target: { type: "user", id: target.id } } : {}),
        details: { method: "password" },
      },
      ctx.origin,
      ctx.now,
    );
    throw new ApiError("UNAUTHENTICATED", INVALID_CREDENTIALS);
  }
  await resetRateLimit(ctx.env, RATE_LIMITS.loginPerAccount, input.email);
  return startSession(ctx, user, input.tenantId, "password");
}

export const CODES_UNAVAILABLE =
  "We cannot send WhatsApp codes right now. Try again in a few minutes, or sign in with your password.";

const otpMessage = (locale: "ar" | "en", code: string) =>
  locale === "ar"
    ? `رمز الدخول إلى ديلكس: ${code}\nصالح لمدة ٥ دقائق. لا تشاركه مع أحد.`
    : `Your Dealix sign-in code: ${code}\nValid for 5 minutes. Do not share it with anyone.`;

/**
 * Sends a one-time sign-in code over WhatsApp when the phone is verified on an account (an
 * unverified phone signs in to nobody). The caller answers 202, known phone or not, after the same
 * work: the lookup. Writing and sending the code happen after the response, so its timing does not
 * tell whether the phone has an account. When WhatsApp cannot take messages at all (its breaker is
 * open, or it is not configured) every request gets 503 instead of a promise nobody keeps; a send
 * that fails after the answer is reported to Sentry.
 */
export async function requestOtp(ctx: RequestContext, phone: string): Promise<void> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.otpRequestPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.otpRequestPerPhone, phone);
  if (!(await channelAvailable(ctx, "whatsapp", ctx.now))) {
    throw new ApiError("UNAVAILABLE", CODES_UNAVAILABLE);
  }
  const user = await findUserByVerifiedPhone(ctx.db, phone);
  if (user) ctx.waitUntil(sendSignInCode(ctx, user, phone));
}

/** Writes a new sign-in code (replacing any earlier unused one) and sends it. */
async function sendSignInCode(ctx: RequestContext, user: User, phone: string) {
  const id = newId(idPrefixes.otp);
  const code = randomDigits(6);
  const { db, now } = ctx;
  await db.batch([
    consumeOtpsOfPhone(db, phone, now),
    insertOtp(db, {
      id,
      phone,
      codeHash: await codeHash(ctx.config, "otp", id, code),
      expiresAt: now + OTP_TTL_MS,
      createdAt: now,
    }),
    auditInsert(
      db,
      {
        tenantId: null,
        actor: { type: "anonymous" },
        action: "auth.otp_requested",
        target: { type: "user", id: user.id },
      },
      ctx.origin,
      now,
    ),
  ]);
  const delivery = await deliver(ctx, {
    channel: "whatsapp",
    recipient: phone,
    locale: user.locale,
    body: otpMessage(user.locale, code),
    template: { kind: "code", code },
  });
  if (!wasDelivered(delivery)) throw new DeliveryFailedError("whatsapp", delivery);
}

const INVALID_CODE = "The code is wrong or has expired; request a new one.";

/** Checks a WhatsApp code: single use, five minutes, at most five attempts, then signs in. */
export async function verifyOtp(ctx: RequestContext, input: OtpVerifyInput) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.otpVerifyPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.otpVerifyPerPhone, input.phone);
  const otp = await findActiveOtp(ctx.db, input.phone, ctx.now);
  const failed = async (reason: string) => {
    await recordAudit(
      ctx.db,
      { tenantId: null, actor: { type: "anonymous" }, action: "auth.otp_failed", details: { reason } },
      ctx.origin,
      ctx.now,
    );
    return new ApiError("UNAUTHENTICATED", INVALID_CODE);
  };
  if (!otp) throw await failed("no_active_code");
  if (otp.attempts >= OTP_MAX_ATTEMPTS) {
    await consumeOtp(ctx.db, otp.id, ctx.now);
    throw await failed("too_many_attempts");
  }
  const matches = timingSafeEqualStrings(await codeHash(ctx.config, "otp", otp.id, input.code), otp.codeHash);
  if (!matches) {
    const counted = await countOtpAttempt(ctx.db, otp.id);
    if ((counted?.attempts ?? OTP_MAX_ATTEMPTS) >= OTP_MAX_ATTEMPTS)
      await consumeOtp(ctx.db, otp.id, ctx.now);
    throw await failed("wrong_code");
  }
  if (!(await consumeOtp(ctx.db, otp.id, ctx.now))) throw await failed("already_used");
  const user = await findUserByVerifiedPhone(ctx.db, input.phone);
  if (!user) throw await failed("no_account");
  return startSession(ctx, user, input.tenantId, "otp");
}
