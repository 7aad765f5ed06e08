import { createRoute, z } from "@hono/zod-openapi";
import { anyClientErrorResponse } from "../platform/problem";
import { createRouter } from "../platform/router";
import { checkD1, deepCheck } from "./health.service";

const CheckSchema = z
  .object({
    status: z.enum(["up", "down"]),
    latencyMs: z.number().int(),
    detail: z.string().optional(),
  })
  .openapi("HealthCheck");

const LivenessSchema = z
  .object({ status: z.literal("ok"), release: z.string(), environment: z.string() })
  .openapi("Liveness");

const DeepHealthSchema = z
  .object({
    status: z.enum(["ok", "down"]),
    release: z.string(),
    checks: z.object({ d1: CheckSchema, kv: CheckSchema, assets: CheckSchema, rateLimiter: CheckSchema }),
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
  security: [],
  summary:
    "Checks every binding (D1, KV, static assets, rate limiter) with real I/O and reports each latency",
  responses: {
    200: { description: "All checks up", content: { "application/json": { schema: DeepHealthSchema } } },
    503: {
      description: "At least one check down",
      content: { "application/json": { schema: DeepHealthSchema } },
    },
    ...anyClientErrorResponse,
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

export const healthApi = createRouter()
  .openapi(liveness, (c) => {
    const { release, ENVIRONMENT } = c.get("config");
    return c.json({ status: "ok" as const, release, environment: ENVIRONMENT }, 200, noStore);
  })
  .openapi(deep, async (c) => {
    const { healthy, checks } = await deepCheck(c.env);
    const body = {
      status: healthy ? ("ok" as const) : ("down" as const),
      release: c.get("config").release,
      checks,
    };
    return healthy ? c.json(body, 200, noStore) : c.json(body, 503, noStore);
  })
  .openapi(readiness, async (c) => {
    const d1 = await checkD1(c.env.DB);
    const ready = d1.status === "up";
    const body = { status: ready ? ("ready" as const) : ("not_ready" as const), checks: { d1 } };
    return ready ? c.json(body, 200, noStore) : c.json(body, 503, noStore);
  });
