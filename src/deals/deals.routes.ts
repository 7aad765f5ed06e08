import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { etagOf, IfMatchHeadersSchema } from "../platform/versioning";
import { moveDeal } from "./deal-moves.service";
import { createDeal, updateDeal } from "./deal-writes.service";
import {
  CreateDealInputSchema,
  DealListQuerySchema,
  DealSchema,
  MoveDealInputSchema,
  StageChangeSchema,
  UpdateDealInputSchema,
} from "./deals.model";
import { dealHistory, findDeals, getDeal } from "./deals.service";

const readers = access({ role: "agent", scope: "crm:read" });
const writers = { role: "agent", scope: "crm:write" } as const;
const tags = ["deals"];
const dealParam = pathId("dealId", "deal");
const etagHeader = {
  ETag: {
    description: "The deal's version as an ETag; send it back as If-Match",
    schema: { type: "string" as const },
  },
};

const listRoute = createRoute({
  method: "get",
  path: "/deals",
  tags,
  operationId: "listDeals",
  summary: "Deals the caller may see, filtered and sorted, a page at a time",
  description:
    "Custom fields filter as `custom.<key>=value` (`a,b` any of; `from..to` ranges for numbers, money and dates).",
  ...readers,
  request: { query: DealListQuerySchema },
  responses: {
    200: { description: "A page of deals", ...jsonContent(pageSchema(DealSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const createDealRoute = createRoute({
  method: "post",
  path: "/deals",
  tags,
  operationId: "createDeal",
  summary: "Create a deal (in the default pipeline's first open stage unless told otherwise)",
  ...access(writers, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(CreateDealInputSchema) },
  responses: {
    201: { description: "Created", headers: etagHeader, ...jsonContent(DealSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "INVALID_HEADER",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const getDealRoute = createRoute({
  method: "get",
  path: "/deals/{dealId}",
  tags,
  operationId: "getDeal",
  summary: "One deal, with its version as ETag",
  ...readers,
  request: { params: dealParam },
  responses: {
    200: { description: "The deal", headers: etagHeader, ...jsonContent(DealSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const updateDealRoute = createRoute({
  method: "patch",
  path: "/deals/{dealId}",
  tags,
  operationId: "updateDeal",
  summary: "Change a deal's fields; If-Match with the version last read is required",
  ...access(writers),
  request: { params: dealParam, headers: IfMatchHeadersSchema, ...jsonBody(UpdateDealInputSchema) },
  responses: {
    200: { description: "Updated", headers: etagHeader, ...jsonContent(DealSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VERSION_MISMATCH",
      "VALIDATION_FAILED",
      "VERSION_REQUIRED",
    ),
  },
});

const moveDealRoute = createRoute({
  method: "post",
  path: "/deals/{dealId}/move",
  tags,
  operationId: "moveDeal",
  summary: "Move a deal to a stage and place on the board; recorded in its stage history",
  description: "If-Match is optional: without it the move applies to the deal as it is when the move runs.",
  ...access(writers),
  request: { params: dealParam, headers: IfMatchHeadersSchema, ...jsonBody(MoveDealInputSchema) },
  responses: {
    200: { description: "Moved", headers: etagHeader, ...jsonContent(DealSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VERSION_MISMATCH",
      "VALIDATION_FAILED",
    ),
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/deals/{dealId}/history",
  tags,
  operationId: "listDealStageHistory",
  summary: "A deal's stage changes (who, when, from, to), newest first",
  ...readers,
  request: { params: dealParam, query: PageQuerySchema },
  responses: {
    200: { description: "A page of stage changes", ...jsonContent(pageSchema(StageChangeSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

export const dealsApi = createRouter()
  .openapi(listRoute, async (c) => {
    const { cursor, limit, sort, ...filters } = c.req.valid("query");
    const customFilters = Object.fromEntries(
      Object.entries(c.req.query()).filter(([name]) => name.startsWith("custom.")),
    );
    return c.json(await findDeals(tenantOf(c), filters, sort, cursor, limit, customFilters), 200);
  })
  .openapi(createDealRoute, async (c) => {
    const deal = await createDeal(tenantOf(c), c.req.valid("json"), c.get("locale"));
    return c.json(deal, 201, { ETag: etagOf(deal.version) });
  })
  .openapi(getDealRoute, async (c) => {
    const deal = await getDeal(tenantOf(c), c.req.valid("param").dealId);
    return c.json(deal, 200, { ETag: etagOf(deal.version) });
  })
  .openapi(updateDealRoute, async (c) => {
    const deal = await updateDeal(
      tenantOf(c),
      c.req.valid("param").dealId,
      c.req.valid("header")["if-match"],
      c.req.valid("json"),
    );
    return c.json(deal, 200, { ETag: etagOf(deal.version) });
  })
  .openapi(moveDealRoute, async (c) => {
    const deal = await moveDeal(
      tenantOf(c),
      c.req.valid("param").dealId,
      c.req.valid("header")["if-match"],
      c.req.valid("json"),
    );
    return c.json(deal, 200, { ETag: etagOf(deal.version) });
  })
  .openapi(historyRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await dealHistory(tenantOf(c), c.req.valid("param").dealId, cursor, limit), 200);
  });
