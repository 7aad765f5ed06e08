import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import {
  CreateCustomFieldInputSchema,
  CustomFieldListQuerySchema,
  CustomFieldListSchema,
  CustomFieldSchema,
  MAX_ACTIVE_FIELDS_PER_OBJECT,
  UpdateCustomFieldInputSchema,
} from "./custom-fields.model";
import {
  archiveCustomField,
  createCustomField,
  customFields,
  restoreCustomField,
  updateCustomField,
} from "./custom-fields.service";

// Every form that edits a record needs the definitions, so agents read them; only managers
// change them.
const readers = access({ role: "agent", scope: "crm:read" });
const admins = access({ role: "manager", scope: "crm:admin" });
const fieldId = pathId("fieldId", "cfd");

const listRoute = createRoute({
  method: "get",
  path: "/custom-fields",
  tags: ["custom-fields"],
  operationId: "listCustomFields",
  summary: "The tenant's custom field definitions (archived ones included)",
  ...readers,
  request: { query: CustomFieldListQuerySchema },
  responses: {
    200: { description: "The definitions", ...jsonContent(CustomFieldListSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const createFieldRoute = createRoute({
  method: "post",
  path: "/custom-fields",
  tags: ["custom-fields"],
  operationId: "createCustomField",
  summary: "Add a custom field to contacts, companies or deals",
  description: `Honours \`Idempotency-Key\`. 409 when the object already has a field with this key, or already has ${MAX_ACTIVE_FIELDS_PER_OBJECT} active fields.`,
  ...access({ role: "manager", scope: "crm:admin" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(CreateCustomFieldInputSchema) },
  responses: {
    201: { description: "Created", ...jsonContent(CustomFieldSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const updateFieldRoute = createRoute({
  method: "patch",
  path: "/custom-fields/{fieldId}",
  tags: ["custom-fields"],
  operationId: "updateCustomField",
  summary: "Change a field's labels, options, required flag or position (never its key or type)",
  ...admins,
  request: { params: fieldId, ...jsonBody(UpdateCustomFieldInputSchema) },
  responses: {
    200: { description: "The field as changed", ...jsonContent(CustomFieldSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VALIDATION_FAILED",
    ),
  },
});

const archiveFieldRoute = createRoute({
  method: "post",
  path: "/custom-fields/{fieldId}/archive",
  tags: ["custom-fields"],
  operationId: "archiveCustomField",
  summary: "Archive a field: hidden from forms and not writable; records keep their values",
  ...admins,
  request: { params: fieldId },
  responses: {
    200: { description: "The archived field", ...jsonContent(CustomFieldSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const restoreFieldRoute = createRoute({
  method: "post",
  path: "/custom-fields/{fieldId}/restore",
  tags: ["custom-fields"],
  operationId: "restoreCustomField",
  summary: "Restore an archived field",
  description: `409 when the object already has ${MAX_ACTIVE_FIELDS_PER_OBJECT} active fields.`,
  ...admins,
  request: { params: fieldId },
  responses: {
    200: { description: "The restored field", ...jsonContent(CustomFieldSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "VALIDATION_FAILED"),
  },
});

export const customFieldsApi = createRouter()
  .openapi(listRoute, async (c) =>
    c.json({ data: await customFields(tenantOf(c), c.req.valid("query").objectType) }, 200),
  )
  .openapi(createFieldRoute, async (c) =>
    c.json(await createCustomField(tenantOf(c), c.req.valid("json")), 201),
  )
  .openapi(updateFieldRoute, async (c) =>
    c.json(await updateCustomField(tenantOf(c), c.req.valid("param").fieldId, c.req.valid("json")), 200),
  )
  .openapi(archiveFieldRoute, async (c) =>
    c.json(await archiveCustomField(tenantOf(c), c.req.valid("param").fieldId), 200),
  )
  .openapi(restoreFieldRoute, async (c) =>
    c.json(await restoreCustomField(tenantOf(c), c.req.valid("param").fieldId), 200),
  );
