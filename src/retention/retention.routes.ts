import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { RETENTION_TYPE_NAMES, RETENTION_TYPES, type RetentionType } from "./retention.policy";
import { RETENTION_RUN_MODES } from "./retention.schema";
import { confirmRetention, retentionPreview, retentionSettings, updateRetention } from "./retention.service";

const TypeSchema = z.enum(RETENTION_TYPE_NAMES as [RetentionType, ...RetentionType[]]);

const countsSchema = z.object(
  Object.fromEntries(RETENTION_TYPE_NAMES.map((type) => [type, z.number().int()])) as Record<
    RetentionType,
    z.ZodNumber
  >,
);

const RetentionSettingsSchema = z
  .object({
    periods: z.array(
      z.object({
        type: TypeSchema,
        days: z.number().int(),
        defaultDays: z.number().int(),
        minDays: z.number().int(),
        maxDays: z.number().int(),
        action: z.enum(["delete", "anonymise"]),
      }),
    ),
    updatedAt: DateTimeSchema.nullable().openapi({ description: "Null while the defaults apply" }),
    confirmedAt: DateTimeSchema.nullable(),
    nextRun: z.enum(["dry_run", "apply"]).openapi({
      description:
        "After a change the daily job first runs dry (reports, removes nothing) unless an owner confirmed",
    }),
    runs: z.array(
      z.object({
        id: idSchema("rtr"),
        mode: z.enum(RETENTION_RUN_MODES),
        counts: countsSchema,
        createdAt: DateTimeSchema,
      }),
    ),
  })
  .openapi("RetentionSettings");

const RetentionInputSchema = z
  .strictObject({
    periods: z
      .strictObject(
        Object.fromEntries(
          RETENTION_TYPE_NAMES.map((type) => [
            type,
            z.number().int().min(RETENTION_TYPES[type].minDays).max(RETENTION_TYPES[type].maxDays).optional(),
          ]),
        ) as Record<RetentionType, z.ZodOptional<z.ZodNumber>>,
      )
      .openapi({ description: "Days per data type; a type left out keeps its period" }),
    confirm: z.boolean().default(false).openapi({
      description: "Apply from the next run, skipping the dry run that otherwise follows a change",
    }),
  })
  .openapi("RetentionInput");

const getRoute = createRoute({
  method: "get",
  path: "/retention",
  tags: ["privacy"],
  operationId: "getRetention",
  summary: "The tenant's retention periods per data type, the next run's mode and recent runs",
  ...access({ role: "manager", scope: "crm:read" }),
  responses: {
    200: { description: "Retention settings", ...jsonContent(RetentionSettingsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/retention",
  tags: ["privacy"],
  operationId: "updateRetention",
  summary: "Set retention periods (owners), within each type's bounds; audited",
  ...access({ role: "owner", scope: "crm:admin" }),
  request: jsonBody(RetentionInputSchema),
  responses: {
    200: { description: "Retention settings", ...jsonContent(RetentionSettingsSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const previewRoute = createRoute({
  method: "get",
  path: "/retention/preview",
  tags: ["privacy"],
  operationId: "previewRetention",
  summary: "Dry run: how many records of each type would be removed or anonymised now",
  ...access({ role: "manager", scope: "crm:read" }),
  responses: {
    200: {
      description: "Counts per data type",
      ...jsonContent(z.object({ at: DateTimeSchema, counts: countsSchema }).openapi("RetentionPreview")),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const confirmRoute = createRoute({
  method: "post",
  path: "/retention/confirm",
  tags: ["privacy"],
  operationId: "confirmRetention",
  summary: "Let the next run apply the current periods without a dry run first (owners); audited",
  ...access({ role: "owner", scope: "crm:admin" }),
  responses: {
    200: { description: "Retention settings", ...jsonContent(RetentionSettingsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

export const retentionApi = createRouter()
  .openapi(getRoute, async (c) => c.json(await retentionSettings(tenantOf(c)), 200))
  .openapi(putRoute, async (c) => c.json(await updateRetention(tenantOf(c), c.req.valid("json")), 200))
  .openapi(previewRoute, async (c) => c.json(await retentionPreview(tenantOf(c)), 200))
  .openapi(confirmRoute, async (c) => c.json(await confirmRetention(tenantOf(c)), 200));
