import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { CrmSettingsSchema, UpdateCrmSettingsInputSchema } from "./crm-settings.model";
import { crmSettingsFor, updateCrmSettings } from "./crm-settings.service";

const getSettingsRoute = createRoute({
  method: "get",
  path: "/crm/settings",
  tags: ["crm-settings"],
  operationId: "getCrmSettings",
  summary: "Who sees which records, and how new leads are assigned",
  ...access({ role: "agent", scope: "crm:read" }),
  responses: {
    200: { description: "The tenant's CRM settings", ...jsonContent(CrmSettingsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const updateSettingsRoute = createRoute({
  method: "put",
  path: "/crm/settings",
  tags: ["crm-settings"],
  operationId: "updateCrmSettings",
  summary: "Change visibility and assignment (round-robin over chosen members)",
  ...access({ role: "manager", scope: "crm:admin" }),
  request: jsonBody(UpdateCrmSettingsInputSchema),
  responses: {
    200: { description: "The new settings", ...jsonContent(CrmSettingsSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

export const crmSettingsApi = createRouter()
  .openapi(getSettingsRoute, async (c) => c.json(await crmSettingsFor(tenantOf(c)), 200))
  .openapi(updateSettingsRoute, async (c) =>
    c.json(await updateCrmSettings(tenantOf(c), c.req.valid("json")), 200),
  );
