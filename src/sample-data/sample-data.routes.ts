import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { loadSampleData, removeSampleData } from "./sample-data.service";

const SampleDataCountsSchema = z
  .object({
    contacts: z.int(),
    companies: z.int(),
    deals: z.int(),
    activities: z.int(),
  })
  .openapi("SampleDataCounts");

const loadRoute = createRoute({
  method: "post",
  path: "/sample-data",
  tags: ["sample-data"],
  operationId: "loadSampleData",
  summary: "Fill the tenant with sample contacts, companies, deals and activities",
  description:
    "Every row is flagged `sample` and owned by the tenant's agents in turn (else the caller). Deals go across the default pipeline's stages (created if the tenant has none). 409 while sample data is loaded, so loading twice never duplicates. Honours `Idempotency-Key`.",
  ...access({ role: "manager", scope: "crm:admin" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema },
  responses: {
    201: { description: "How many rows were added", ...jsonContent(SampleDataCountsSchema) },
    ...problemResponses(
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
    ),
  },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/sample-data",
  tags: ["sample-data"],
  operationId: "removeSampleData",
  summary: "Remove the sample rows, and only them",
  description:
    "Deletes the tenant's sample contacts, companies, deals and activities with their phones, tags, stage history and search entries. Real records stay; their links to sample records are cleared. 409 while one of the tenant's own activities is only on sample records (it would be left on none). Nothing to remove answers zeros.",
  ...access({ role: "manager", scope: "crm:admin" }),
  responses: {
    200: { description: "How many sample rows were removed", ...jsonContent(SampleDataCountsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "CONFLICT"),
  },
});

export const sampleDataApi = createRouter()
  .openapi(loadRoute, async (c) => c.json(await loadSampleData(tenantOf(c), c.get("locale")), 201))
  .openapi(removeRoute, async (c) => c.json(await removeSampleData(tenantOf(c)), 200));
