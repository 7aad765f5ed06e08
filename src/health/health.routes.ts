import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../platform/context";
import { secretsMatch } from "../platform/crypto";
import { ApiError, anyClientErrorResponse, problemResponses } from "../platform/problem";
import { createRouter } from "../platform/router";
import { checkD1, deepCheck } from "./health.service";

const CheckSchema = z
  .object({
    status: z.enum(["up", "degraded", "down"]),
    latencyMs: z.number().int(),
    detail: z.string().optional(),
  })
  .openapi("HealthCheck");

const LivenessSchema = z
  .object({ status: z.literal("ok"), release: z.string(), environment: z.string() })
  .openapi("Liveness");

const DeepHealthSchema = z
  .object({
    status: z.enum(["ok", "degraded", "down"]).openapi({
      description: "`degraded`: Dealix answers, but a provider's circuit breaker is open and its calls wait.",
    }),
    release: z.string(),
    checks: z
      .object({
        d1: CheckSchema,
        kv: CheckSchema,
        assets: CheckSchema,
        rateLimiter: CheckSchema,
        breakers: CheckSchema,
      })
      .optional()
      .openapi({ description: "Each check's status, latency and detail: operators (HEALTH_TOKEN) only." }),
  })
  .openapi("DeepHealth");

const ReadinessSchema = z
  .object({ status: z.enum(["ready", "not_ready"]), checks: z.object({ d1: CheckSchema }) })
  .openapi("Readiness");

const noStore = { "Cache-Control": "no-store" };

const liveness = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  operationId: "getLiveness",
  security: [],
  summary: "Liveness: the Worker runs (no I/O)",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: LivenessSchema } } },
    ...anyClientErrorResponse,
  },
});

const deep = createRoute({
  method: "get",
  path: "/health/deep",
  tags: ["health"],
  operationId: "getDeepHealth",
  summary: "Checks every binding (D1, KV, static assets, rate limiter, circuit breakers) with real I/O",
  description:
    "Anyone gets the overall status (KV is only read). Operators who send `Authorization: Bearer " +
    "<HEALTH_TOKEN>` also get each check's latency and detail, and KV is written and read back.",
  security: [{}, { HealthToken: [] }],
  responses: {
    200: {
      description: "All checks up, or degraded (an open circuit breaker)",
      content: { "application/json": { schema: DeepHealthSchema } },
    },
    503: {
      description: "At least one check down",
      content: { "application/json": { schema: DeepHealthSchema } },
    },
    ...problemResponses("UNAUTHENTICATED"),
  },
});

const readiness = createRoute({
  method: "get",
  path: "/ready",
  tags: ["health"],
  operationId: "getReadiness",
  security: [],
  summary: "Readiness: configuration is valid and the database answers with migrations applied",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: ReadinessSchema } } },
    503: { description: "Not ready", content: { "application/json": { schema: ReadinessSchema } } },
    ...anyClientErrorResponse,
  },
});

/**
 * Operators prove themselves with the HEALTH_TOKEN secret as a bearer token. No credential means
 * an anonymous caller (summary only); a wrong one, or any when no token is configured, is a 401
 * so a misconfigured monitor notices.
 */
async function isOperator(c: Context<AppEnv>): Promise<boolean> {
  const header = c.req.header("Authorization");
  if (header === undefined) return false;
  const expected = c.get("config").HEALTH_TOKEN;
  const presented = /^Bearer (.+)$/.exec(header)?.[1];
  if (expected && presented && (await secretsMatch(presented, expected))) return true;
  throw new ApiError("UNAUTHENTICATED", "Send the health token as `Authorization: Bearer <token>`.", {
    headers: { "WWW-Authenticate": 'Bearer realm="health"' },
  });
}

export const healthApi = createRouter()
  .openapi(liveness, (c) => {
    const { release, ENVIRONMENT } = c.get("config");
    return c.json({ status: "ok" as const, release, environment: ENVIRONMENT }, 200, noStore);
  })
  .openapi(deep, async (c) => {
    const operator = await isOperator(c);
    const { status, checks } = await deepCheck(c.env, { writes: operator });
    const body = { status, release: c.get("config").release, ...(operator ? { checks } : {}) };
    return status === "down" ? c.json(body, 503, noStore) : c.json(body, 200, noStore);
  })
  .openapi(readiness, async (c) => {
    const d1 = await checkD1(c.env.DB);
    const ready = d1.status === "up";
    const body = { status: ready ? ("ready" as const) : ("not_ready" as const), checks: { d1 } };
    return ready ? c.json(body, 200, noStore) : c.json(body, 503, noStore);
  });

healthApi.openAPIRegistry.registerComponent("securitySchemes", "HealthToken", {
  type: "http",
  scheme: "bearer",
  description: "The HEALTH_TOKEN secret, for operators' monitoring of /health/deep.",
});
