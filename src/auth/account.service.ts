import type { TenantContext } from "../platform/context";
import { ApiError } from "../platform/problem";
import type { Tenant } from "../tenants/tenants.repo";
import { accountQueries, type User } from "./auth.repo";

export const tenantView = (
  tenant: Pick<Tenant, "id" | "nameAr" | "nameEn" | "locale" | "timezone" | "status">,
) => ({
  id: tenant.id,
  name: { ar: tenant.nameAr, en: tenant.nameEn },
  locale: tenant.locale,
  timezone: tenant.timezone,
  status: tenant.status,
});

export const userView = (
  user: Pick<User, "id" | "name" | "email" | "emailVerifiedAt" | "phone" | "phoneVerifiedAt" | "locale">,
) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  emailVerified: user.emailVerifiedAt !== null,
  phone: user.phone,
  phoneVerified: user.phone !== null && user.phoneVerifiedAt !== null,
  locale: user.locale,
});

/** The signed-in user's account: who, where, and which other workspaces they can switch to. */
export async function account(ctx: TenantContext) {
  const { scope, principal } = ctx;
  if (principal.kind !== "user") throw new Error("account: only people have an account");
  const [users, tenants, workspaces] = await scope.read(() =>
    accountQueries(scope.db, principal.userId, scope.tenantId),
  );
  const [user, tenant] = [users[0], tenants[0]];
  if (!user || !tenant) throw new ApiError("UNAUTHENTICATED", "The session has ended; sign in again.");
  return {
    user: userView(user),
    tenant: tenantView(tenant),
    // Read after the session check: the current role, even if the token carries an older one.
    role: principal.role,
    workspaces: workspaces.map((w) => ({
      tenantId: w.tenantId,
      name: { ar: w.nameAr, en: w.nameEn },
      role: w.role,
    })),
  };
}
