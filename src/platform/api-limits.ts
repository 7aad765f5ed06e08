import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "../env";
import type { Principal } from "./access";
import type { AppEnv } from "./context";
import { log } from "./logger";
import { ApiError, PROBLEM_CONTENT_TYPE, ProblemSchema } from "./problem";
import { isRetryable } from "./rate-limit";

/** What the RateLimiter Durable Object answers for one request against an API quota. */
export interface QuotaDecision {
  allowed: boolean;
  /** Requests the bucket holds: its quota per window. */
  limit: number;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** Seconds until the bucket is full again, so `limit` requests could be sent at once. */
  resetSeconds: number;
  /** Seconds until the next request would be allowed; 0 when this one was. */
  retryAfterSeconds: number;
}

/** The API quotas of one plan, in requests per minute. */
export interface ApiPlanLimits {
  /** Every user and API key of the tenant together. */
  perTenantPerMinute: number;
  /** One API key. */
  perApiKeyPerMinute: number;
}

// Every tenant shares one D1 database, which serves about 500 simple reads a second (the bench's
// one-query baseline), so the tenant quota is what keeps one tenant from starving the others:
// 1,200 a minute is 20 a second sustained, about 4 % of the database, with a full minute's worth
// allowed as a burst. People do not come near it: a busy agent on the app makes about one request a
// second, and a Saudi SMB team is 5 to 20 people. A key gets a quarter of its tenant's quota, 300 a
// minute (5 a second): a nightly sync of 50,000 contacts at 100 a page takes under two minutes, and a
// runaway integration still leaves three quarters of the tenant's quota to its people.
// Each plan sets its own quotas (billing's plans.ts: Growth these, Starter half, Enterprise two and a
// half times), which the credential resolver hands over; these apply when it names none: a tenant
// without a subscription, or an access token signed without a known plan. The README lists them.
export const DEFAULT_API_LIMITS: ApiPlanLimits = { perTenantPerMinute: 1200, perApiKeyPerMinute: 300 };

const QUOTA_WINDOW_SECONDS = 60;

/**
 * The development/test override (`API_RATE_LIMITS`, which production refuses: see env.ts), which
 * lets the bench and the test suite send thousands of requests a minute and the rate-limit tests use
 * small quotas; else the caller's plan's quotas, else the default.
 */
export const apiLimitsFor = (
  planLimits: ApiPlanLimits | undefined,
  config: Pick<Config, "API_RATE_LIMITS">,
): ApiPlanLimits => config.API_RATE_LIMITS ?? planLimits ?? DEFAULT_API_LIMITS;

interface QuotaBucket {
  quota: "tenant" | "api_key";
  /** The RateLimiter object's name. */
  name: string;
  limit: number;
  /** Who the quota belongs to, for the 429's detail. */
  owner: string;
}

// Ids, not personal data, name the buckets, so they are not hashed as the sign-in buckets are.
function bucketsFor(principal: Principal, limits: ApiPlanLimits): QuotaBucket[] {
  const tenant: QuotaBucket = {
    quota: "tenant",
    name: `api-tenant:${principal.tenantId}`,
    limit: limits.perTenantPerMinute,
    owner: "this account (all its users and API keys together)",
  };
  if (principal.kind !== "api_key") return [tenant];
  return [
    tenant,
    {
      quota: "api_key",
      name: `api-key:${principal.apiKeyId}`,
      limit: limits.perApiKeyPerMinute,
      owner: "this API key",
    },
  ];
}

type QuotaNamespace = Pick<AppEnv["Bindings"], "RATE_LIMITER">;

async function take(env: QuotaNamespace, bucket: QuotaBucket): Promise<QuotaDecision> {
  const take = () => env.RATE_LIMITER.getByName(bucket.name).take(bucket.limit, QUOTA_WINDOW_SECONDS);
  try {
    return await take();
  } catch (error) {
    if (isRetryable(error)) return take();
    throw error;
  }
}

/**
 * Whether `a` is what a client should see rather than `b`: a refusal before an allowance, then the
 * fewer requests remaining, then the longer wait.
 */
function isMoreRestrictive(a: QuotaDecision, b: QuotaDecision): boolean {
  if (a.allowed !== b.allowed) return !a.allowed;
  if (a.remaining !== b.remaining) return a.remaining < b.remaining;
  if (a.retryAfterSeconds !== b.retryAfterSeconds) return a.retryAfterSeconds > b.retryAfterSeconds;
  return a.resetSeconds > b.resetSeconds;
}

/** The IETF draft's three headers (httpapi-ratelimit-headers, as most APIs send them). */
const quotaHeaders = (decision: QuotaDecision) => ({
  "RateLimit-Limit": String(decision.limit),
  "RateLimit-Remaining": String(decision.remaining),
  "RateLimit-Reset": String(decision.resetSeconds),
});

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Counts one request of an authenticated caller against its tenant's quota and, for an API key,
 * the key's (both as its plan's `planLimits` set them), asked in parallel. Returns the RateLimit-*
 * headers of the most restrictive bucket for the response; throws RATE_LIMITED (429, with
 * Retry-After and the same headers) when a bucket is empty, before anything runs or is written.
 */
export async function enforceApiQuota(
  c: Context<AppEnv>,
  principal: Principal,
  planLimits: ApiPlanLimits | undefined,
): Promise<Record<string, string>> {
  const buckets = bucketsFor(principal, apiLimitsFor(planLimits, c.get("config")));
  let answers: { bucket: QuotaBucket; decision: QuotaDecision }[];
  try {
    answers = await Promise.all(
      buckets.map(async (bucket) => ({ bucket, decision: await take(c.env, bucket) })),
    );
  } catch (error) {
    // Fail open, unlike the sign-in limits: these quotas share capacity fairly and guard no secret,
    // so a limiter outage must not take the whole API down with it.
    log("error", "api quota unavailable", { tenantId: principal.tenantId, error: errorMessage(error) });
    return {};
  }
  const { bucket, decision } = answers.reduce((best, answer) =>
    isMoreRestrictive(answer.decision, best.decision) ? answer : best,
  );
  if (decision.allowed) return quotaHeaders(decision);
  for (const answer of answers) {
    if (!answer.decision.allowed) continue;
    c.executionCtx.waitUntil(
      c.env.RATE_LIMITER.getByName(answer.bucket.name)
        .giveBack(answer.bucket.limit, QUOTA_WINDOW_SECONDS)
        .catch((error: unknown) =>
          log("warn", "api quota give-back failed", {
            bucket: answer.bucket.name,
            error: errorMessage(error),
          }),
        ),
    );
  }
  // The request line names no tenant: this one tells operators whose quota ran out (RUNBOOK §7).
  log("warn", "api_quota_exceeded", {
    requestId: c.get("requestId"),
    tenantId: principal.tenantId,
    apiKeyId: principal.kind === "api_key" ? principal.apiKeyId : undefined,
    quota: bucket.quota,
    limit: decision.limit,
  });
  throw new ApiError(
    "RATE_LIMITED",
    `The API quota of ${bucket.owner}, ${decision.limit} requests a minute, is spent. ` +
      `Try again in ${decision.retryAfterSeconds} seconds.`,
    { headers: { ...quotaHeaders(decision), "Retry-After": String(decision.retryAfterSeconds) } },
  );
}

const integerHeader = (description: string, minimum: number) => ({
  description,
  schema: { type: "integer" as const, minimum },
});

const QUOTA_HEADER_COMPONENTS = {
  "RateLimit-Limit": integerHeader(
    "Requests the most restrictive quota (the tenant's, or the API key's) allows per minute.",
    1,
  ),
  "RateLimit-Remaining": integerHeader("Requests still allowed right now under that quota.", 0),
  "RateLimit-Reset": integerHeader("Seconds until that quota is full again.", 0),
  "Retry-After": integerHeader("Seconds to wait before the next request will be allowed.", 1),
};

const headerRefs = (names: (keyof typeof QUOTA_HEADER_COMPONENTS)[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

const SUCCESS_HEADERS = headerRefs(["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]);
const REFUSED_HEADERS = headerRefs([
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "Retry-After",
]);

/**
 * Declares the quota on every operation that needs a credential (the routes with `access()`): the
 * headers on its success responses, and its 429. Done once here, after every route is registered,
 * rather than in each route's contract, so no operation can forget it; the contract tests
 * (test/contract.ts) then hold every 429 to the operation's own declaration.
 */
export function declareApiQuota(registry: OpenAPIHono<AppEnv>["openAPIRegistry"]) {
  for (const [name, header] of Object.entries(QUOTA_HEADER_COMPONENTS)) {
    registry.registerComponent("headers", name, header);
  }
  for (const definition of registry.definitions) {
    if (definition.type !== "route" || !("x-access" in definition.route)) continue;
    const { route } = definition;
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => {
        if (!status.startsWith("2") || "$ref" in response) return [status, response];
        if (response.headers instanceof z.ZodType) {
          throw new Error(
            `${route.method} ${route.path}: declare response headers as header objects, not zod`,
          );
        }
        return [status, { ...response, headers: { ...response.headers, ...SUCCESS_HEADERS } }];
      }),
    );
    const declared = responses[429];
    responses[429] = {
      description: declared && "description" in declared ? declared.description : "RATE_LIMITED",
      headers: REFUSED_HEADERS,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
    route.responses = responses;
  }
}
