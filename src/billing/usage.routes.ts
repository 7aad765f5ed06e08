import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { PLAN_IDS } from "./plans";
import { METERED_METRICS, usageOf } from "./usage";

const UsageSchema = z
  .object({
    plan: z.enum(PLAN_IDS),
    month: z
      .string()
      .openapi({ description: "The Asia/Riyadh month the monthly counters cover", example: "2026-12" }),
    metrics: z.array(
      z.object({
        metric: z.enum(METERED_METRICS as [string, ...string[]]),
        used: z.number().int(),
        limit: z.number().int(),
        period: z.string().openapi({ description: "`total`, or the month a monthly counter covers" }),
      }),
    ),
  })
  .openapi("Usage");

const usageRoute = createRoute({
  method: "get",
  path: "/billing/usage",
  tags: ["billing"],
  operationId: "getUsage",
  summary: "The account's plan and its use of each limit (seats, contacts, WhatsApp messages, AI requests)",
  ...access({ role: "manager" }),
  responses: {
    200: { description: "Usage against the plan", ...jsonContent(UsageSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

export const usageApi = createRouter().openapi(usageRoute, async (c) => {
  const { plan, month, metrics } = await usageOf(tenantOf(c));
  return c.json({ plan, month, metrics }, 200);
});
