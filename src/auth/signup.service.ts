import { auditInsert } from "../audit/audit.service";
import { TRIAL_PLAN } from "../billing/plans";
import { insertTrialSubscription } from "../billing/subscriptions.repo";
import { deliver, wasDelivered } from "../outbox/outbox.service";
import type { RequestContext } from "../platform/context";
import { isUniqueViolation } from "../platform/errors";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import type { Role } from "../platform/roles";
import { PRIVACY_NOTICE_VERSION } from "../privacy/processing-records";
import { insertMembershipOf, insertTenant } from "../tenants/tenants.repo";
import { tenantView, userView } from "./account.service";
import type { SignupInput } from "./auth.model";
import { insertUser } from "./auth.repo";
import { assertPasswordPolicy, hashPassword } from "./password";
import { newSession } from "./session.service";
import { newPhoneCode } from "./verification.service";
import { verifiedHolderQuery } from "./verifications.repo";

/**
 * Creates the tenant, its owner, the owner's membership, its trial and first session in one atomic batch.
 * The email and phone are stored unverified: only an account that has proved them blocks a
 * sign-up, so someone who typed another person's email or phone cannot keep its owner out. A
 * phone gets its WhatsApp code at once.
 */
export async function signup(ctx: RequestContext, input: SignupInput) {
  assertPasswordPolicy(input.password, { email: input.email, name: input.name });
  await enforceRateLimit(ctx.env, RATE_LIMITS.signupPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.signupPerEmail, input.email);
  const { db, now } = ctx;
  const [[emailHolder], [phoneHolder]] = await db.batch([
    verifiedHolderQuery(db, "email", input.email),
    verifiedHolderQuery(db, "phone", input.phone ?? ""),
  ]);
  if (emailHolder) throw new ApiError("CONFLICT", "An account with this email exists; sign in instead.");
  if (input.phone && phoneHolder)
    throw new ApiError("CONFLICT", "An account with this phone number exists; sign in instead.");

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
    emailVerifiedAt: null,
    phone: input.phone ?? null,
    phoneVerifiedAt: null,
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
    { userId: user.id, tenantId: tenant.id, role, plan: TRIAL_PLAN },
    now,
  );
  const phoneCode = input.phone
    ? await newPhoneCode(ctx.config, user.id, input.phone, input.locale, now)
    : null;
  try {
    await db.batch([
      insertTenant(db, tenant),
      insertUser(db, user),
      insertMembershipOf(db, tenant.id, user.id, role, now),
      insertTrialSubscription(db, tenant.id, now),
      ...session.inserts,
      ...(phoneCode ? [phoneCode.insert(db)] : []),
      auditInsert(
        db,
        {
          tenantId: tenant.id,
          actor: { type: "user", id: user.id },
          action: "tenant.created",
          target: { type: "tenant", id: tenant.id },
          details: { privacyNotice: PRIVACY_NOTICE_VERSION },
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
  // The account exists either way: a code that did not go out is logged, and the sign-up page
  // says so (the API answer is the session; the account page offers a new code).
  const delivery = phoneCode ? await deliver(ctx, phoneCode.message) : null;
  return {
    tenant: tenantView(tenant),
    user: userView(user),
    role,
    ...session.tokens,
    phoneCode: delivery === null ? null : wasDelivered(delivery) ? ("sent" as const) : ("not_sent" as const),
  };
}
