import { auditInsert } from "../audit/audit.service";
import type { RequestContext } from "../platform/context";
import { isUniqueViolation } from "../platform/errors";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import type { Role } from "../platform/roles";
import { insertMembershipOf, insertTenant } from "../tenants/tenants.repo";
import { tenantView, userView } from "./account.service";
import type { SignupInput } from "./auth.model";
import { findUserByEmail, findUserByPhone, insertUser } from "./auth.repo";
import { assertPasswordPolicy, hashPassword } from "./password";
import { newSession } from "./session.service";

/** Creates the tenant, its owner, the owner's membership and first session in one atomic batch. */
export async function signup(ctx: RequestContext, input: SignupInput) {
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
      insertTenant(db, tenant),
      insertUser(db, user),
      insertMembershipOf(db, tenant.id, user.id, role, now),
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
