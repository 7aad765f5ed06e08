import { createRoute, z } from "@hono/zod-openapi";
import { dbFor } from "../db/client";
import { principalOf, requireAccess } from "../platform/auth";
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from "../platform/pagination";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { tenantScope } from "../platform/tenant-scope";
import { listAuditEvents } from "./audit.repo";

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
  security: [{ Bearer: [] }],
  middleware: [requireAccess({ role: "manager", scope: "audit:read" })] as const,
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
  const query = c.req.valid("query");
  const scope = tenantScope(dbFor(c.env.DB), principalOf(c).tenantId);
  const rows = await listAuditEvents(
    scope,
    {
      ...(query.action ? { action: query.action } : {}),
      ...(query.actorId ? { actorId: query.actorId } : {}),
      ...(query.since ? { since: Date.parse(query.since) } : {}),
      ...(query.until ? { until: Date.parse(query.until) } : {}),
    },
    query.cursor ? decodeCursor(query.cursor, "number") : null,
    query.limit,
  );
  const page = toPage(rows, query.limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return c.json(
    {
      data: page.data.map((row) => ({
        id: row.id,
        actor: { type: row.actorType, id: row.actorId },
        action: row.action,
        target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
        details: row.details,
        requestId: row.requestId,
        ip: row.ip,
        createdAt: new Date(row.createdAt).toISOString(),
      })),
      nextCursor: page.nextCursor,
    },
    200,
  );
});
