import { createRoute, z } from "@hono/zod-openapi";
import { dbFor } from "../db/client";
import { requestOrigin } from "../platform/context";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { operatorMe } from "./admin.service";
import { operatorAccess, operatorOf } from "./operator-access";
import { operatorAuditLog } from "./operator-audit";
import { clearOperatorCookie, endSession } from "./operator-session";

const OperatorMeSchema = z
  .object({
    operator: z.object({ id: idSchema("usr"), name: z.string(), email: z.string() }),
    session: z.object({
      id: idSchema("ops"),
      createdAt: DateTimeSchema,
      expiresAt: DateTimeSchema.openapi({ description: "The absolute end (8 hours after sign-in)" }),
      idleExpiresAt: DateTimeSchema.openapi({
        description: "The end without further activity (30 minutes idle)",
      }),
    }),
  })
  .openapi("OperatorMe");

const OperatorAuditEventSchema = z
  .object({
    id: idSchema("opa"),
    operatorId: z.string().nullable(),
    action: z.string().openapi({ example: "operator.signed_in" }),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    createdAt: DateTimeSchema,
  })
  .openapi("OperatorAuditEvent");

const meRoute = createRoute({
  method: "get",
  path: "/admin/me",
  tags: ["operator"],
  operationId: "getOperatorMe",
  summary: "The signed-in platform operator and when the operator session ends",
  ...operatorAccess(),
  responses: {
    200: { description: "The operator and the session", ...jsonContent(OperatorMeSchema) },
    ...problemResponses("UNAUTHENTICATED"),
  },
});

const auditRoute = createRoute({
  method: "get",
  path: "/admin/audit",
  tags: ["operator"],
  operationId: "listOperatorAuditEvents",
  summary: "What platform operators did (sign-ins, codes, sessions, console actions), newest first",
  ...operatorAccess(),
  request: { query: PageQuerySchema.extend({ operatorId: idSchema("usr").optional() }) },
  responses: {
    200: { description: "A page of operator events", ...jsonContent(pageSchema(OperatorAuditEventSchema)) },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED"),
  },
});

const endSessionRoute = createRoute({
  method: "delete",
  path: "/admin/session",
  tags: ["operator"],
  operationId: "endOperatorSession",
  summary: "Sign the operator out: ends this operator session (must come from the console's origin)",
  ...operatorAccess(),
  responses: {
    204: { description: "Signed out" },
    ...problemResponses("UNAUTHENTICATED", "CSRF_REJECTED"),
  },
});

export const adminApi = createRouter()
  .openapi(meRoute, async (c) => c.json(await operatorMe(dbFor(c.env.DB), operatorOf(c)), 200))
  .openapi(auditRoute, async (c) => {
    const { cursor, limit, operatorId } = c.req.valid("query");
    return c.json(
      await operatorAuditLog(dbFor(c.env.DB), operatorId ? { operatorId } : {}, cursor, limit),
      200,
    );
  })
  .openapi(endSessionRoute, async (c) => {
    await endSession(dbFor(c.env.DB), operatorOf(c), requestOrigin(c), Date.now());
    clearOperatorCookie(c);
    return c.body(null, 204);
  });
