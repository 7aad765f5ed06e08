import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { auditLog } from "./audit.service";

const AuditEventSchema = z
  .object({
    id: idSchema("aud"),
    actor: z.object({ type: z.enum(["user", "api_key", "system", "anonymous"]), id: z.string().nullable() }),
    action: z.string().openapi({ example: "member.role_changed" }),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    createdAt: DateTimeSchema,
  })
  .openapi("AuditEvent");

const AuditQuerySchema = PageQuerySchema.extend({
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/)
    .optional()
    .openapi({ example: "auth.sign_in_failed" }),
  actorId: z.string().max(40).optional(),
  since: DateTimeSchema.optional().openapi({ description: "Inclusive, ISO-8601 UTC" }),
  until: DateTimeSchema.optional().openapi({ description: "Exclusive, ISO-8601 UTC" }),
});

const listRoute = createRoute({
  method: "get",
  path: "/audit-events",
  tags: ["audit"],
  operationId: "listAuditEvents",
  summary: "The tenant's audit log, newest first (owner or manager; API keys need audit:read)",
  ...access({ role: "manager", scope: "audit:read" }),
  request: { query: AuditQuerySchema },
  responses: {
    200: {
      description: "A page of events",
      content: { "application/json": { schema: pageSchema(AuditEventSchema) } },
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

export const auditApi = createRouter().openapi(listRoute, async (c) => {
  const { cursor, limit, action, actorId, since, until } = c.req.valid("query");
  const filters = {
    ...(action ? { action } : {}),
    ...(actorId ? { actorId } : {}),
    ...(since ? { since: Date.parse(since) } : {}),
    ...(until ? { until: Date.parse(until) } : {}),
  };
  return c.json(await auditLog(tenantOf(c), filters, cursor, limit), 200);
});
