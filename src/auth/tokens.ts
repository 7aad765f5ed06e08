import { errors, jwtVerify, SignJWT } from "jose";
import { isPlanId, type PlanId } from "../billing/plans";
import { hmacKey } from "../platform/crypto";
import type { Role } from "../platform/roles";

/** Access tokens live ten minutes; revocation is also checked per request (see platform/auth). */
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A session ends 90 days after sign-in however often it is refreshed. */
export const SESSION_MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;

export const TOKEN_ISSUER = "https://dealix.sa";
export const TOKEN_AUDIENCE = "dealix-api";
// RFC 9068 access-token type: a token of another type (an ID token, a link token) is refused.
export const ACCESS_TOKEN_TYPE = "at+jwt";
const ALGORITHM = "HS256";

export interface AccessClaims {
  userId: string;
  tenantId: string;
  role: Role;
  familyId: string;
  /**
   * The tenant's plan when the token was signed (claim `pln`), which sets the API quotas without a
   * D1 read before they are counted. A plan change reaches a person's quota at their next refresh,
   * within the token's ten minutes. Absent (the default quotas) on a token without a known plan.
   */
  plan?: PlanId;
  issuedAt: number;
}

// One imported CryptoKey per secret for the isolate's life; from raw bytes jose imports per call.
const keyFor = hmacKey;

export async function signAccessToken(
  secret: string,
  claims: Omit<AccessClaims, "issuedAt" | "plan"> & { plan: PlanId | null },
  nowMs: number,
): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({
    tid: claims.tenantId,
    role: claims.role,
    fam: claims.familyId,
    ...(claims.plan ? { pln: claims.plan } : {}),
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(claims.userId)
    .setIssuedAt(now)
    .setExpirationTime(now + ACCESS_TOKEN_TTL_SECONDS)
    .sign(await keyFor(secret));
}

/**
 * Verifies signature, algorithm (HS256 only: `none` and every other algorithm are refused),
 * issuer, audience, type and expiry. Returns null for any invalid token; callers answer 401.
 */
export async function verifyAccessToken(
  secret: string,
  token: string,
  nowMs: number,
): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await keyFor(secret), {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ["sub", "iat", "exp", "tid", "role", "fam"],
      currentDate: new Date(nowMs),
    });
    const { sub, tid, role, fam, iat, pln } = payload;
    if (
      typeof sub !== "string" ||
      typeof tid !== "string" ||
      typeof fam !== "string" ||
      typeof iat !== "number" ||
      (role !== "owner" && role !== "manager" && role !== "agent")
    ) {
      return null;
    }
    // An unknown plan (one retired since signing) is ignored rather than refused: the default applies.
    const plan = typeof pln === "string" && isPlanId(pln) ? pln : undefined;
    return { userId: sub, tenantId: tid, role, familyId: fam, plan, issuedAt: iat * 1000 };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
