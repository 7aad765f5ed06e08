import type { Bindings } from "../env";
import { sha256Hex } from "./crypto";
import { log } from "./logger";
import { ApiError } from "./problem";

/** What the RateLimiter Durable Object answers for one hit. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Hits still allowed in the current window after this one. */
  remaining: number;
  /** Seconds until the next hit would be allowed; 0 when this one was. */
  retryAfterSeconds: number;
}

export interface RateLimitRule {
  /** The bucket family; the first part of every bucket's Durable Object name. */
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
  /** `ip` rules count per client network (an IPv6 /64, an IPv4 address); `identity` rules per email, phone or account. */
  readonly keyedBy: "ip" | "identity";
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

// Per identity, the limits sit just above what a person gets wrong honestly (a few mistyped
// passwords, a resent code) and far below what guessing needs: 10 sign-ins per account per 15 min
// allows under 1,000 guesses a day against passwords that already avoid the top lists; 10 code checks
// per phone per 15 min make a 6-digit code a 1-in-100,000 shot per window. Sending an OTP or a reset
// email costs money and can be used to flood someone, hence 3 per phone per 15 min and 3 per email
// per hour. Per IP, the limits are several times higher because offices and Saudi mobile carriers
// put many users behind one IPv4 address (carrier-grade NAT); they stop one client spraying many
// accounts. A refresh happens about once per access-token lifetime per device, so 60 per minute per
// IP only stops floods.
export const RATE_LIMITS = {
  // Early access costs a D1 write and nothing else: a person asks once or twice, so 3 per phone
  // per hour; 20 per IP per hour leaves room for an office or a carrier NAT and stops a script
  // filling the list.
  earlyAccessPerPhone: { name: "early-access-phone", limit: 3, windowSeconds: HOUR, keyedBy: "identity" },
  earlyAccessPerIp: { name: "early-access-ip", limit: 20, windowSeconds: HOUR, keyedBy: "ip" },
  loginPerAccount: { name: "login-account", limit: 10, windowSeconds: 15 * MINUTE, keyedBy: "identity" },
  loginPerIp: { name: "login-ip", limit: 50, windowSeconds: 15 * MINUTE, keyedBy: "ip" },
  otpRequestPerPhone: {
    name: "otp-request-phone",
    limit: 3,
    windowSeconds: 15 * MINUTE,
    keyedBy: "identity",
  },
  otpRequestPerIp: { name: "otp-request-ip", limit: 20, windowSeconds: 15 * MINUTE, keyedBy: "ip" },
  otpVerifyPerPhone: { name: "otp-verify-phone", limit: 10, windowSeconds: 15 * MINUTE, keyedBy: "identity" },
  refreshPerIp: { name: "refresh-ip", limit: 60, windowSeconds: MINUTE, keyedBy: "ip" },
  passwordResetPerEmail: { name: "password-reset-email", limit: 3, windowSeconds: HOUR, keyedBy: "identity" },
  passwordResetPerIp: { name: "password-reset-ip", limit: 10, windowSeconds: HOUR, keyedBy: "ip" },
  // Creating an account costs a PBKDF2 hash at 100,000 iterations (and, for sign-up, a tenant):
  // nobody creates more than a couple an hour, so these stop scripted account and tenant creation
  // and cap how many unverified claims one email can collect.
  signupPerIp: { name: "signup-ip", limit: 10, windowSeconds: HOUR, keyedBy: "ip" },
  signupPerEmail: { name: "signup-email", limit: 3, windowSeconds: HOUR, keyedBy: "identity" },
  invitationAcceptPerIp: { name: "invitation-accept-ip", limit: 10, windowSeconds: HOUR, keyedBy: "ip" },
  invitationAcceptPerInvitation: {
    name: "invitation-accept-link",
    limit: 5,
    windowSeconds: HOUR,
    keyedBy: "identity",
  },
  // One client guessing codes for many phones at once gets no more tries than one sign-in client.
  otpVerifyPerIp: { name: "otp-verify-ip", limit: 50, windowSeconds: 15 * MINUTE, keyedBy: "ip" },
  // Proving an email or phone: sending costs a message and must not flood the recipient (per
  // target, whoever asks), nor let one account or client spray codes and links.
  verificationSendPerIp: {
    name: "verification-send-ip",
    limit: 20,
    windowSeconds: 15 * MINUTE,
    keyedBy: "ip",
  },
  verificationSendPerUser: {
    name: "verification-send-user",
    limit: 5,
    windowSeconds: HOUR,
    keyedBy: "identity",
  },
  verificationSendPerTarget: {
    name: "verification-send-target",
    limit: 3,
    windowSeconds: HOUR,
    keyedBy: "identity",
  },
  verificationCheckPerUser: {
    name: "verification-check-user",
    limit: 10,
    windowSeconds: 15 * MINUTE,
    keyedBy: "identity",
  },
  verificationCheckPerIp: {
    name: "verification-check-ip",
    limit: 50,
    windowSeconds: 15 * MINUTE,
    keyedBy: "ip",
  },
  // A person's privacy request (PDPL) from a tenant's public page: it writes a request and may send
  // a code, so a person asks a few times an hour at most; per IP it stops a script filling the list.
  privacyRequestPerIp: { name: "privacy-request-ip", limit: 10, windowSeconds: HOUR, keyedBy: "ip" },
  privacyRequestPerTarget: {
    name: "privacy-request-target",
    limit: 3,
    windowSeconds: HOUR,
    keyedBy: "identity",
  },
  // Platform operators are a handful of Dealix staff whose session reaches every tenant: tighter
  // than tenant sign-in. 5 password tries per operator email per 15 min; per IP 20, which only a
  // client spraying guesses reaches. A correct password sends a code, which costs a message and
  // could flood the operator's phone: 3 per operator per 15 min. Code checks are also bounded per
  // challenge (5 attempts), so these stop a client cycling through fresh challenges.
  operatorLoginPerAccount: {
    name: "operator-login-account",
    limit: 5,
    windowSeconds: 15 * MINUTE,
    keyedBy: "identity",
  },
  operatorLoginPerIp: { name: "operator-login-ip", limit: 20, windowSeconds: 15 * MINUTE, keyedBy: "ip" },
  operatorCodeSendPerOperator: {
    name: "operator-code-send",
    limit: 3,
    windowSeconds: 15 * MINUTE,
    keyedBy: "identity",
  },
  operatorCodeVerifyPerOperator: {
    name: "operator-code-verify",
    limit: 10,
    windowSeconds: 15 * MINUTE,
    keyedBy: "identity",
  },
  operatorCodeVerifyPerIp: {
    name: "operator-code-verify-ip",
    limit: 20,
    windowSeconds: 15 * MINUTE,
    keyedBy: "ip",
  },
} as const satisfies Record<string, RateLimitRule>;

type RateLimiterEnv = Pick<Bindings, "RATE_LIMITER">;

/**
 * The client's address as Cloudflare's edge saw it. Never `X-Forwarded-For`: the client writes that
 * header itself, so an attacker could pick a fresh "address" for every request.
 */
export function clientIp(req: Request): string {
  return req.headers.get("CF-Connecting-IP") ?? "unknown";
}

/**
 * The client's network as Cloudflare saw it (see networkOf), or null when the request did not come
 * through Cloudflare's edge (local tools): callers must not lump such requests together.
 */
export function clientNetwork(req: Request): string | null {
  const ip = req.headers.get("CF-Connecting-IP");
  return ip ? networkOf(ip) : null;
}

const IPV6_GROUP = /^[0-9a-f]{1,4}$/;

// An IPv6 subscriber is routinely given a whole /64, so counting per address would give one client
// 2^64 budgets; IPv4 addresses (and anything unexpected) are counted as they are.
function networkOf(ip: string): string {
  if (!ip.includes(":") || ip.includes(".")) return ip;
  const [head = "", tail, ...extra] = ip.toLowerCase().split("::");
  if (extra.length > 0) return ip;
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  if (groups.length !== 8 || !groups.every((group) => IPV6_GROUP.test(group))) return ip;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}

// Subjects are hashed so phones and emails never appear in Durable Object names, and case-folded
// so `Sara@x.sa` and `sara@x.sa` share one budget.
async function bucketName(rule: RateLimitRule, subject: string): Promise<string> {
  const key = rule.keyedBy === "ip" ? networkOf(subject) : subject;
  return `${rule.name}:${await sha256Hex(key.toLowerCase())}`;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Cloudflare marks transient Durable Object failures (object reset by a deploy, a network blip) as
// retryable, and a fresh stub usually succeeds. An overloaded object is left alone: more calls
// would make it worse.
export function isRetryable(error: unknown): boolean {
  const flags = error as { retryable?: unknown; overloaded?: unknown } | null;
  return flags?.retryable === true && flags.overloaded !== true;
}

async function hitBucket(
  env: RateLimiterEnv,
  bucket: string,
  rule: RateLimitRule,
): Promise<RateLimitDecision> {
  const hit = () => env.RATE_LIMITER.getByName(bucket).hit(rule.limit, rule.windowSeconds);
  try {
    return await hit();
  } catch (error) {
    if (isRetryable(error)) return hit();
    throw error;
  }
}

/**
 * Counts one attempt against `rule` for `subject` (an email, phone, account id or `clientIp`) and
 * throws RATE_LIMITED (429, with Retry-After) once the budget is spent.
 */
export async function enforceRateLimit(
  env: RateLimiterEnv,
  rule: RateLimitRule,
  subject: string,
): Promise<void> {
  let decision: RateLimitDecision;
  try {
    decision = await hitBucket(env, await bucketName(rule, subject), rule);
  } catch (error) {
    // Fail closed: these limits guard passwords and one-time codes, and failing open would hand an
    // attacker unlimited guesses for as long as the limiter is down (ASVS 16.5.3). A brief sign-in
    // outage is the lesser harm.
    log("error", "rate limiter unavailable", { rule: rule.name, error: errorMessage(error) });
    throw new ApiError("UNAVAILABLE", "This action is briefly unavailable. Try again in a minute.");
  }
  if (!decision.allowed) {
    throw new ApiError(
      "RATE_LIMITED",
      `Too many attempts. Try again in ${decision.retryAfterSeconds} seconds.`,
      {
        headers: { "Retry-After": String(decision.retryAfterSeconds) },
      },
    );
  }
}

/** Clears `subject`'s bucket for `rule`, e.g. the per-account sign-in budget after a successful sign-in. */
export async function resetRateLimit(
  env: RateLimiterEnv,
  rule: RateLimitRule,
  subject: string,
): Promise<void> {
  try {
    await env.RATE_LIMITER.getByName(await bucketName(rule, subject)).reset();
  } catch (error) {
    // A lost reset only leaves the user with their older, smaller budget; failing the sign-in that
    // just succeeded because of it would be worse.
    log("warn", "rate limit reset failed", { rule: rule.name, error: errorMessage(error) });
  }
}
