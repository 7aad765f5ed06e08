import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { SearchQuerySchema, SearchResultsSchema } from "./search.model";
import type { SearchKind } from "./search.schema";
import { search } from "./search.service";

const searchRoute = createRoute({
  method: "get",
  path: "/search",
  tags: ["search"],
  operationId: "search",
  summary: "Search contacts, companies and deals the caller can see, best matches first",
  ...access({ role: "agent", scope: "crm:read" }),
  request: { query: SearchQuerySchema },
  responses: {
    200: { description: "Matches, best first", ...jsonContent(SearchResultsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

export const searchApi = createRouter().openapi(searchRoute, async (c) => {
  const { q, types, limit } = c.req.valid("query");
  const kinds = types?.split(",") as SearchKind[] | undefined;
  return c.json({ data: await search(tenantOf(c), { q, kinds, limit }) }, 200);
});
