import type { Context } from "hono";
import { API_KEY_PREFIXES } from "../api-keys/api-keys.model";
import { resolveApiKey } from "../api-keys/api-keys.service";
import { PLANS, type PlanId } from "../billing/plans";
import { dbFor } from "../db/client";
import type { PrincipalResolver, ResolvedCredential, SessionCheck } from "../platform/access";
import type { ApiPlanLimits } from "../platform/api-limits";
import type { AppEnv } from "../platform/context";
import { type SessionState, sessionStateQuery } from "./sessions.repo";

const DEFAULT_TIME_ZONE = "Asia/Riyadh";

import { type AccessClaims, verifyAccessToken } from "./tokens";

/**
 * Whether the tenant's subscription leaves it read-only: suspended for non-payment, canceled, or
 * closing (its owner closed the account and the grace period runs). Its people still sign in and
 * see everything; only changes wait.
 */
export const writesRefusedFor = (status: string | null | undefined) =>
  status === "suspended" || status === "canceled" || status === "closing";

/** The plan's API quotas; none (the platform's default) when the plan is not known. */
function apiLimitsOf(plan: PlanId | null | undefined): ApiPlanLimits | undefined {
  if (!plan) return undefined;
  const { apiPerTenantPerMinute, apiPerKeyPerMinute } = PLANS[plan].limits;
  return { perTenantPerMinute: apiPerTenantPerMinute, perApiKeyPerMinute: apiPerKeyPerMinute };
}

/** The role a session still has (and its tenant's time zone), or null when it no longer stands. */
function evaluate(state: SessionState | undefined, claims: AccessClaims) {
  if (
    !state ||
    state.role === null ||
    state.tenantStatus !== "active" ||
    state.familyRevokedAt !== null ||
    claims.issuedAt < state.tokensNotBefore
  ) {
    return null;
  }
  return {
    role: state.role,
    tenantTimeZone: state.tenantTimeZone ?? DEFAULT_TIME_ZONE,
    writesRefused: writesRefusedFor(state.subscriptionStatus),
    paymentDue: state.subscriptionStatus === "past_due",
    accountClosing: state.subscriptionStatus === "closing",
  };
}

/**
 * An access token proves who signed in and where, but not that the session still stands: the
 * check re-reads what may have changed since the token was signed (membership and role, tenant
 * status, session revocation, tokens-not-before), so logout, removal and role changes apply to
 * the very next request.
 */
function sessionCheckFor(c: Context<AppEnv>, claims: AccessClaims): SessionCheck {
  return {
    query: sessionStateQuery(dbFor(c.env.DB), claims.userId, claims.tenantId, claims.familyId),
    evaluate: (rows) => evaluate((rows as SessionState[])[0], claims),
  };
}

/** Bearer access tokens and API keys, as the platform's access guard asks for them. */
export const principalResolver: PrincipalResolver = {
  async resolve(c, credential, now): Promise<ResolvedCredential | null> {
    if (API_KEY_PREFIXES.some((prefix) => credential.startsWith(prefix))) {
      const key = await resolveApiKey(dbFor(c.env.DB), credential, now, c.executionCtx);
      if (!key) return null;
      return {
        principal: { kind: "api_key", apiKeyId: key.id, tenantId: key.tenantId, scopes: key.scopes },
        writesRefused: writesRefusedFor(key.subscriptionStatus),
        accountClosing: key.subscriptionStatus === "closing",
        apiLimits: apiLimitsOf(key.plan),
      };
    }
    const claims = await verifyAccessToken(c.get("config").JWT_SECRET, credential, now);
    if (!claims) return null;
    return {
      principal: {
        kind: "user",
        userId: claims.userId,
        tenantId: claims.tenantId,
        role: claims.role,
        familyId: claims.familyId,
        tenantTimeZone: null,
      },
      sessionCheck: sessionCheckFor(c, claims),
      // From the token, as the quota is counted before the session check's read: a plan change
      // applies once the token is refreshed, within its ten minutes.
      apiLimits: apiLimitsOf(claims.plan),
    };
  },
};
