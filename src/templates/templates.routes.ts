import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { TemplateApplicationSchema, TemplateKeyParamSchema, TemplateListSchema } from "./templates.model";
import { applyTemplate, listTemplates } from "./templates.service";

const listRoute = createRoute({
  method: "get",
  path: "/templates",
  tags: ["templates"],
  operationId: "listTemplates",
  summary: "The industry templates: the pipelines and custom fields each adds",
  ...access({ role: "agent", scope: "crm:read" }),
  responses: {
    200: { description: "The templates", ...jsonContent(TemplateListSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const applyRoute = createRoute({
  method: "post",
  path: "/templates/{templateKey}/apply",
  tags: ["templates"],
  operationId: "applyTemplate",
  summary: "Add a template's pipelines and custom fields to the tenant",
  description:
    "Idempotent per template: what the template added before is reported `already_applied` and not added again. A custom field whose key the tenant already uses is skipped (`key_taken`), and so is one over the object's active-field limit (`limit_reached`); the rest is added in one batch. Pipeline and stage names are written in the request's language. Honours `Idempotency-Key`.",
  ...access({ role: "manager", scope: "crm:admin" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, params: TemplateKeyParamSchema },
  responses: {
    200: { description: "What was added and what was skipped", ...jsonContent(TemplateApplicationSchema) },
    ...problemResponses(
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "CONFLICT",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

export const templatesApi = createRouter()
  .openapi(listRoute, async (c) => c.json({ data: await listTemplates(tenantOf(c)) }, 200))
  .openapi(applyRoute, async (c) =>
    c.json(await applyTemplate(tenantOf(c), c.req.valid("param").templateKey, c.get("locale")), 200),
  );
