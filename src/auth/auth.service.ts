import { eq } from "drizzle-orm";
import type { AuditOrigin } from "../audit/audit.service";
import { auditInsert, recordAudit } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { deliver } from "../outbox/outbox.service";
import { hmacSha256Hex, randomDigits, sha256Hex, timingSafeEqualStrings } from "../platform/crypto";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS, resetRateLimit } from "../platform/rate-limit";
import { memberships, type Role, tenants } from "../tenants/tenants.schema";
import type { LoginInput, OtpVerifyInput, SignupInput } from "./auth.model";
import {
  claimRefreshToken,
  consumeOtp,
  countOtpAttempt,
  findAccount,
  findActiveOtp,
  findPasswordReset,
  findRefreshToken,
  findSessionState,
  findTenant,
  findUserByEmail,
  findUserById,
  findUserByPhone,
  listMembershipsOfUser,
  revokeFamiliesOfUser,
  revokeFamily,
  type User,
} from "./auth.repo";
import { otpCodes, passwordResets, users } from "./auth.schema";
import { checkPasswordPolicy, hashPassword, verifyPassword, verifyPasswordAgainstNothing } from "./password";
import { newSession, nextRefreshToken, type TokenPair } from "./session.service";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "./tokens";

export const OTP_TTL_MS = 5 * 60 * 1000;
export const OTP_MAX_ATTEMPTS = 5;
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
// Two tabs refreshing at once present the same token twice within moments; that second use is
// refused but does not end the session. Any later reuse is treated as theft (ASVS 10.4.5).
export const REFRESH_REUSE_GRACE_MS = 10_000;

/** What every auth operation needs: storage, config, rate limiter, where the request came from. */
export interface AuthContext {
  db: Db;
  config: Config;
  env: Pick<Bindings, "RATE_LIMITER">;
  origin: AuditOrigin;
  request: Request;
  now: number;
}

const INVALID_CREDENTIALS = "The email or password is incorrect.";

export const tenantView = (tenant: typeof tenants.$inferSelect) => ({
  id: tenant.id,
  name: { ar: tenant.nameAr, en: tenant.nameEn },
  locale: tenant.locale,
  timezone: tenant.timezone,
  status: tenant.status,
});

export const userView = (user: Pick<User, "id" | "name" | "email" | "phone" | "locale">) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  phone: user.phone,
  locale: user.locale,
});

/** Throws the 422 problem naming each way the password fails the policy. */
export function assertPasswordPolicy(password: string, context: { email?: string; name?: string }) {
  const problems = checkPasswordPolicy(password, context);
  if (problems.length > 0) {
    throw new ApiError("VALIDATION_FAILED", "The password does not meet the policy.", {
      errors: problems.map((code) => ({ path: "password", code, message: PASSWORD_MESSAGES[code] })),
    });
  }
}

const PASSWORD_MESSAGES: Record<ReturnType<typeof checkPasswordPolicy>[number], string> = {
  too_short: "Use at least 10 characters.",
  too_long: "Use at most 128 characters.",
  common: "This password is too common; choose another.",
  contains_email: "Do not use your email address in the password.",
};

const isUniqueViolation = (error: unknown) =>
  error instanceof Error &&
  /UNIQUE constraint failed/.test(String(error.message) + String((error as { cause?: unknown }).cause ?? ""));

/** Creates the tenant, its owner, the owner's membership and first session in one atomic batch. */
export async function signup(ctx: AuthContext, input: SignupInput) {
  assertPasswordPolicy(input.password, { email: input.email, name: input.name });
  const { db, now } = ctx;
  const [byEmail, byPhone] = await Promise.all([
    findUserByEmail(db, input.email),
    input.phone ? findUserByPhone(db, input.phone) : undefined,
  ]);
  if (byEmail) throw new ApiError("CONFLICT", "An account with this email exists; sign in instead.");
  if (byPhone) throw new ApiError("CONFLICT", "An account with this phone number exists; sign in instead.");

  const tenant = {
    id: newId(idPrefixes.tenant),
    nameAr: input.company,
    nameEn: input.company,
    locale: input.locale,
    timezone: "Asia/Riyadh",
    status: "active" as const,
    createdAt: now,
  };
  const user = {
    id: newId(idPrefixes.user),
    name: input.name,
    email: input.email,
    phone: input.phone ?? null,
    passwordHash: await hashPassword(input.password, ctx.config.PASSWORD_PEPPER),
    locale: input.locale,
    isPlatformAdmin: false,
    tokensNotBefore: 0,
    createdAt: now,
    updatedAt: now,
  };
  const role: Role = "owner";
  const session = await newSession(
    db,
    ctx.config.JWT_SECRET,
    { userId: user.id, tenantId: tenant.id, role },
    now,
  );
  try {
    await db.batch([
      db.insert(tenants).values(tenant),
      db.insert(users).values(user),
      db.insert(memberships).values({ tenantId: tenant.id, userId: user.id, role, createdAt: now }),
      ...session.inserts,
      auditInsert(
        db,
        {
          tenantId: tenant.id,
          actor: { type: "user", id: user.id },
          action: "tenant.created",
          target: { type: "tenant", id: tenant.id },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError("CONFLICT", "An account with this email or phone exists.");
    throw error;
  }
  return { tenant: tenantView(tenant), user: userView(user), role, ...session.tokens };
}

/** Picks the workspace to sign in to: the one asked for, else the oldest membership. */
async function chooseWorkspace(db: Db, userId: string, tenantId: string | undefined) {
  const workspaces = await listMembershipsOfUser(db, userId);
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
async function signIn(
  ctx: AuthContext,
  user: User,
  tenantId: string | undefined,
  method: "password" | "otp",
) {
  const workspace = await chooseWorkspace(ctx.db, user.id, tenantId);
  const session = await newSession(
    ctx.db,
    ctx.config.JWT_SECRET,
    { userId: user.id, tenantId: workspace.tenantId, role: workspace.role },
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
  if (!tenant) throw new Error("signIn: membership points at a missing tenant");
  return { tenant: tenantView(tenant), user: userView(user), role: workspace.role, ...session.tokens };
}

/**
 * Password sign-in. An unknown email and a wrong password get the same answer after the same
 * amount of work, so the endpoint does not reveal which emails have accounts.
 */
export async function login(ctx: AuthContext, input: LoginInput) {
  await enforceRateLimit(ctx.env, RATE_LIMITS.loginPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.loginPerAccount, input.email);
  const user = await findUserByEmail(ctx.db, input.email);
  const valid = user
    ? await verifyPassword(input.password, user.passwordHash, ctx.config.PASSWORD_PEPPER)
    : await verifyPasswordAgainstNothing(input.password, ctx.config.PASSWORD_PEPPER);
  if (!user || !valid) {
    await recordAudit(
      ctx.db,
      {
        tenantId: null,
        actor: { type: "anonymous" },
        action: "auth.sign_in_failed",
        ...(user ? { target: { type: "user", id: user.id } } : {}),
        details: { method: "password" },
      },
      ctx.origin,
      ctx.now,
    );
    throw new ApiError("UNAUTHENTICATED", INVALID_CREDENTIALS);
  }
  await resetRateLimit(ctx.env, RATE_LIMITS.loginPerAccount, input.email);
  return signIn(ctx, user, input.tenantId, "password");
}

const otpHash = (secret: string, otpId: string, code: string) =>
  hmacSha256Hex(secret, `otp:${otpId}:${code}`);

const otpMessage = (locale: "ar" | "en", code: string) =>
  locale === "ar"
    ? `رمز الدخول إلى ديلكس: ${code}\nصالح لمدة ٥ دقائق. لا تشاركه مع أحد.`
    : `Your Dealix sign-in code: ${code}\nValid for 5 minutes. Do not share it with anyone.`;

/**
 * Sends a one-time sign-in code over WhatsApp when the phone belongs to an account. The caller
 * always answers 202, known phone or not. A new code replaces any earlier unused one.
 */
export async function requestOtp(ctx: AuthContext, phone: string): Promise<void> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.otpRequestPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.otpRequestPerPhone, phone);
  const user = await findUserByPhone(ctx.db, phone);
  if (!user) return;
  const id = newId(idPrefixes.otp);
  const code = randomDigits(6);
  const { db, now } = ctx;
  await db.batch([
    db.update(otpCodes).set({ consumedAt: now }).where(eq(otpCodes.phone, phone)),
    db.insert(otpCodes).values({
      id,
      phone,
      codeHash: await otpHash(ctx.config.PASSWORD_PEPPER, id, code),
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
  await deliver(db, ctx.config, {
    channel: "whatsapp",
    recipient: phone,
    body: otpMessage(user.locale, code),
  });
}

const INVALID_CODE = "The code is wrong or has expired; request a new one.";

/** Checks a WhatsApp code: single use, five minutes, at most five attempts, then signs in. */
export async function verifyOtp(ctx: AuthContext, input: OtpVerifyInput) {
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
  const matches = timingSafeEqualStrings(
    await otpHash(ctx.config.PASSWORD_PEPPER, otp.id, input.code),
    otp.codeHash,
  );
  if (!matches) {
    const counted = await countOtpAttempt(ctx.db, otp.id);
    if ((counted?.attempts ?? OTP_MAX_ATTEMPTS) >= OTP_MAX_ATTEMPTS)
      await consumeOtp(ctx.db, otp.id, ctx.now);
    throw await failed("wrong_code");
  }
  if (!(await consumeOtp(ctx.db, otp.id, ctx.now))) throw await failed("already_used");
  const user = await findUserByPhone(ctx.db, input.phone);
  if (!user) throw await failed("no_account");
  return signIn(ctx, user, input.tenantId, "otp");
}

const SESSION_ENDED = "The session has ended; sign in again.";

/**
 * A refresh token that another request exchanged moments ago (two tabs renewing at once). Refused
 * like any used token, but the session stands: the other request holds its newer tokens, so a
 * browser must keep its cookies rather than sign out.
 */
export class ConcurrentRefreshError extends ApiError {
  constructor() {
    super("UNAUTHENTICATED", SESSION_ENDED);
  }
}

/**
 * Exchanges a refresh token for a new pair (rotation). Presenting a token that was already
 * exchanged revokes its whole family: whoever holds the newer token is signed out too.
 */
export async function refresh(ctx: AuthContext, refreshToken: string): Promise<TokenPair> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.refreshPerIp, clientIp(ctx.request));
  const { db, now } = ctx;
  const token = await findRefreshToken(db, await sha256Hex(refreshToken));
  if (!token || token.familyRevokedAt !== null) throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
  if (token.usedAt !== null) {
    if (now - token.usedAt > REFRESH_REUSE_GRACE_MS) {
      await db.batch([
        revokeFamily(db, token.familyId, "refresh_token_reuse", now),
        auditInsert(
          db,
          {
            tenantId: token.tenantId,
            actor: { type: "anonymous" },
            action: "auth.refresh_reuse_detected",
            target: { type: "user", id: token.userId },
          },
          ctx.origin,
          now,
        ),
      ]);
      throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
    }
    throw new ConcurrentRefreshError();
  }
  if (token.expiresAt <= now || token.familyExpiresAt <= now)
    throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
  if (!(await claimRefreshToken(db, token.id, now))) throw new ConcurrentRefreshError();

  const state = await findSessionState(db, token.userId, token.tenantId, token.familyId);
  if (!state || state.role === null || state.tenantStatus !== "active") {
    await revokeFamily(db, token.familyId, "membership_ended", now);
    throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
  }
  const next = await nextRefreshToken(db, token.familyId, token.familyExpiresAt, now);
  await next.insert;
  return {
    accessToken: await signAccessToken(
      ctx.config.JWT_SECRET,
      { userId: token.userId, tenantId: token.tenantId, role: state.role, familyId: token.familyId },
      now,
    ),
    refreshToken: next.refreshToken,
    tokenType: "Bearer",
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
}

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export async function logout(ctx: AuthContext, refreshToken: string): Promise<void> {
  const token = await findRefreshToken(ctx.db, await sha256Hex(refreshToken));
  if (!token || token.familyRevokedAt !== null) return;
  await ctx.db.batch([
    revokeFamily(ctx.db, token.familyId, "logout", ctx.now),
    auditInsert(
      ctx.db,
      { tenantId: token.tenantId, actor: { type: "user", id: token.userId }, action: "auth.signed_out" },
      ctx.origin,
      ctx.now,
    ),
  ]);
}

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

/** Emails a single-use reset link when the email has an account; the caller always answers 202. */
export async function forgotPassword(ctx: AuthContext, email: string, appOrigin: string): Promise<void> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.passwordResetPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.passwordResetPerEmail, email);
  const user = await findUserByEmail(ctx.db, email);
  if (!user) return;
  const token = newSecret();
  const { db, now } = ctx;
  await db.batch([
    db.insert(passwordResets).values({
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
  const message = resetMessage(user.locale, `${appOrigin}/reset-password?token=${encodeURIComponent(token)}`);
  await deliver(db, ctx.config, { channel: "email", recipient: user.email, ...message });
}

/** Sets a new password from a reset link and signs the user out everywhere. */
export async function resetPassword(ctx: AuthContext, token: string, password: string): Promise<void> {
  const { db, now } = ctx;
  const reset = await findPasswordReset(db, await sha256Hex(token));
  if (!reset || reset.usedAt !== null || reset.expiresAt <= now) {
    throw new ApiError("VALIDATION_FAILED", "The reset link is invalid or has expired.", {
      errors: [{ path: "token", code: "invalid_token", message: "Request a new reset link." }],
    });
  }
  const user = await findUserById(db, reset.userId);
  if (!user) throw new Error("resetPassword: reset points at a missing user");
  assertPasswordPolicy(password, { email: user.email, name: user.name });
  const passwordHash = await hashPassword(password, ctx.config.PASSWORD_PEPPER);
  // Whole seconds: access tokens carry `iat` in seconds (see platform/auth).
  const notBefore = Math.floor(now / 1000) * 1000;
  await db.batch([
    db.update(passwordResets).set({ usedAt: now }).where(eq(passwordResets.id, reset.id)),
    db
      .update(users)
      .set({ passwordHash, tokensNotBefore: notBefore, updatedAt: now })
      .where(eq(users.id, user.id)),
    revokeFamiliesOfUser(db, user.id, "password_reset", now),
    auditInsert(
      db,
      { tenantId: null, actor: { type: "user", id: user.id }, action: "auth.password_reset" },
      ctx.origin,
      now,
    ),
  ]);
}

/** The signed-in user's account: who, where, and which other workspaces they can switch to. */
export async function account(db: Db, userId: string, tenantId: string, role: Role) {
  const { user, tenant, workspaces } = await findAccount(db, userId, tenantId);
  if (!user || !tenant) throw new ApiError("UNAUTHENTICATED", SESSION_ENDED);
  return {
    user: userView(user),
    tenant: tenantView(tenant),
    role,
    workspaces: workspaces.map((w) => ({
      tenantId: w.tenantId,
      name: { ar: w.nameAr, en: w.nameEn },
      role: w.role,
    })),
  };
}
