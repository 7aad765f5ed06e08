import { createRoute, z } from "@hono/zod-openapi";
import { operatorAccess, operatorActOf } from "../admin/operator-access";
import { requireJsonBody } from "../platform/api-guards";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { BREACH_CHANNELS, BREACH_CHECKLIST, BREACH_RECIPIENTS } from "./breaches.schema";
import {
  breachDetail,
  listBreaches,
  openBreach,
  recordBreachNotification,
  updateBreachRecord,
} from "./breaches.service";

const BreachParamSchema = z.object({
  breachId: idSchema("brh").openapi({ param: { name: "breachId", in: "path" } }),
});

const text = (max: number) => z.string().trim().min(3).max(max);
const categories = z.array(z.string().trim().min(2).max(80)).min(1).max(20);

const BreachFieldsSchema = z.strictObject({
  title: text(200),
  description: text(5000).openapi({ description: "What happened and when, as known" }),
  awareAt: DateTimeSchema.openapi({ description: "When Dealix became aware: the 72-hour clock starts here" }),
  dataCategories: categories.openapi({ example: ["contact names", "phone numbers"] }),
  subjectCategories: categories.openapi({ example: ["tenants' customers"] }),
  approxSubjects: z.number().int().min(0).max(100_000_000),
  affectedTenantIds: z.array(idSchema("ten")).max(100),
  risks: text(5000).optional(),
  remedialActions: text(5000).optional(),
  contactPoint: text(500).optional().openapi({ description: "Who the regulator and people can contact" }),
});

const OpenBreachSchema = BreachFieldsSchema.openapi("BreachInput");

const ChecklistSchema = z.strictObject(
  Object.fromEntries(BREACH_CHECKLIST.map((item) => [item, z.boolean().optional()])) as Record<
    (typeof BREACH_CHECKLIST)[number],
    z.ZodOptional<z.ZodBoolean>
  >,
);

const UpdateBreachSchema = BreachFieldsSchema.partial()
  .extend({
    risks: text(5000).nullable().optional(),
    remedialActions: text(5000).nullable().optional(),
    contactPoint: text(500).nullable().optional(),
    checklist: ChecklistSchema.optional().openapi({
      description: "Ticks what the record now holds for the regulator notice",
    }),
    closed: z.boolean().optional(),
  })
  .openapi("BreachUpdate");

const NotificationInputSchema = z
  .strictObject({
    recipient: z.enum(BREACH_RECIPIENTS),
    tenantId: idSchema("ten").optional().openapi({ description: "For a `tenant` notice: which one" }),
    channel: z.enum(BREACH_CHANNELS),
    reference: z.string().trim().min(1).max(200).optional(),
    notifiedAt: DateTimeSchema.optional().openapi({ description: "Now when absent" }),
  })
  .openapi("BreachNotificationInput");

const NotificationSchema = z
  .object({
    id: idSchema("bnt"),
    recipient: z.enum(BREACH_RECIPIENTS),
    tenantId: z.string().nullable(),
    channel: z.enum(BREACH_CHANNELS),
    reference: z.string().nullable(),
    notifiedAt: DateTimeSchema,
    recordedBy: z.string(),
  })
  .openapi("BreachNotification");

const BreachSchema = z
  .object({
    id: idSchema("brh"),
    title: z.string(),
    description: z.string(),
    awareAt: DateTimeSchema,
    dataCategories: z.array(z.string()),
    subjectCategories: z.array(z.string()),
    approxSubjects: z.number().int(),
    affectedTenantIds: z.array(z.string()),
    risks: z.string().nullable(),
    remedialActions: z.string().nullable(),
    contactPoint: z.string().nullable(),
    checklist: z.record(z.enum(BREACH_CHECKLIST), z.boolean()),
    missingFromNotice: z.array(z.enum(BREACH_CHECKLIST)),
    regulatorClock: z.object({
      deadline: DateTimeSchema.openapi({ description: "72 hours after awareness" }),
      state: z.enum(["running", "overdue", "met", "late"]),
      minutesLeft: z
        .number()
        .int()
        .nullable()
        .openapi({ description: "Negative once overdue; null once notified" }),
    }),
    regulatorNotifiedAt: DateTimeSchema.nullable(),
    closedAt: DateTimeSchema.nullable(),
    openedBy: z.string(),
    createdAt: DateTimeSchema,
    notifications: z.array(NotificationSchema),
  })
  .openapi("Breach");

const listRoute = createRoute({
  method: "get",
  path: "/admin/breach-incidents",
  tags: ["operator"],
  operationId: "listBreaches",
  summary: "The personal-data breach register, newest first, each with its 72-hour regulator clock",
  ...operatorAccess(),
  responses: {
    200: { description: "Up to 100 incidents", ...jsonContent(z.object({ data: z.array(BreachSchema) })) },
    ...problemResponses("UNAUTHENTICATED"),
  },
});

const openRoute = createRoute({
  method: "post",
  path: "/admin/breach-incidents",
  tags: ["operator"],
  operationId: "openBreach",
  summary: "Open an incident from the time Dealix became aware of it; audited",
  ...operatorAccess(requireJsonBody()),
  request: jsonBody(OpenBreachSchema),
  responses: {
    201: { description: "The incident", ...jsonContent(BreachSchema) },
    ...problemResponses("UNAUTHENTICATED", "CSRF_REJECTED", "VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE"),
  },
});

const detailRoute = createRoute({
  method: "get",
  path: "/admin/breach-incidents/{breachId}",
  tags: ["operator"],
  operationId: "getBreach",
  summary: "An incident with its checklist, clock and notifications",
  ...operatorAccess(),
  request: { params: BreachParamSchema },
  responses: {
    200: { description: "The incident", ...jsonContent(BreachSchema) },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED", "NOT_FOUND"),
  },
});

const updateRoute = createRoute({
  method: "patch",
  path: "/admin/breach-incidents/{breachId}",
  tags: ["operator"],
  operationId: "updateBreach",
  summary: "Complete the assessment and tick the regulator notice's checklist; audited",
  ...operatorAccess(requireJsonBody()),
  request: { params: BreachParamSchema, ...jsonBody(UpdateBreachSchema) },
  responses: {
    200: { description: "The incident", ...jsonContent(BreachSchema) },
    ...problemResponses(
      "UNAUTHENTICATED",
      "CSRF_REJECTED",
      "VALIDATION_FAILED",
      "UNSUPPORTED_MEDIA_TYPE",
      "NOT_FOUND",
      "CONFLICT",
    ),
  },
});

const notifyRoute = createRoute({
  method: "post",
  path: "/admin/breach-incidents/{breachId}/notifications",
  tags: ["operator"],
  operationId: "recordBreachNotification",
  summary: "Record a notice given to SDAIA, an affected tenant or the data subjects; audited",
  description:
    "A regulator notice is refused (422) until every checklist item is ticked; the first one stops the 72-hour clock.",
  ...operatorAccess(requireJsonBody()),
  request: { params: BreachParamSchema, ...jsonBody(NotificationInputSchema) },
  responses: {
    201: { description: "The notice", ...jsonContent(NotificationSchema) },
    ...problemResponses(
      "UNAUTHENTICATED",
      "CSRF_REJECTED",
      "VALIDATION_FAILED",
      "UNSUPPORTED_MEDIA_TYPE",
      "NOT_FOUND",
    ),
  },
});

export const breachesApi = createRouter()
  .openapi(listRoute, async (c) => c.json(await listBreaches(operatorActOf(c)), 200))
  .openapi(openRoute, async (c) => c.json(await openBreach(operatorActOf(c), c.req.valid("json")), 201))
  .openapi(detailRoute, async (c) =>
    c.json(await breachDetail(operatorActOf(c), c.req.valid("param").breachId), 200),
  )
  .openapi(updateRoute, async (c) =>
    c.json(
      await updateBreachRecord(operatorActOf(c), c.req.valid("param").breachId, c.req.valid("json")),
      200,
    ),
  )
  .openapi(notifyRoute, async (c) =>
    c.json(
      await recordBreachNotification(operatorActOf(c), c.req.valid("param").breachId, c.req.valid("json")),
      201,
    ),
  );
