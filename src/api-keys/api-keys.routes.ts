import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { ApiKeySchema, CreateApiKeyInputSchema, CreatedApiKeySchema } from "./api-keys.model";
import { createApiKey, listKeys, revokeKey } from "./api-keys.service";

// Keys are managed by people only (owner or manager): a key cannot mint or revoke keys.
const managers = access({ role: "manager" });

const createKeyRoute = createRoute({
  method: "post",
  path: "/api-keys",
  tags: ["api-keys"],
  operationId: "createApiKey",
  summary: "Create an API key with scopes; the key is returned once",
  ...managers,
  request: jsonBody(CreateApiKeyInputSchema),
  responses: {
    201: { description: "Created", ...jsonContent(CreatedApiKeySchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/api-keys",
  tags: ["api-keys"],
  operationId: "listApiKeys",
  summary: "The tenant's API keys with last-used time (never the keys themselves)",
  ...managers,
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of keys", ...jsonContent(pageSchema(ApiKeySchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/api-keys/{keyId}",
  tags: ["api-keys"],
  operationId: "revokeApiKey",
  summary: "Revoke an API key; it stops working at once",
  ...managers,
  request: { params: pathId("keyId", "key") },
  responses: {
    204: { description: "Revoked" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

export const apiKeysApi = createRouter()
  .openapi(createKeyRoute, async (c) => c.json(await createApiKey(tenantOf(c), c.req.valid("json")), 201))
  .openapi(listKeysRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await listKeys(tenantOf(c), cursor, limit), 200);
  })
  .openapi(revokeKeyRoute, async (c) => {
    await revokeKey(tenantOf(c), c.req.valid("param").keyId);
    return c.body(null, 204);
  });
