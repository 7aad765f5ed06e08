import { createRoute, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/audit.service";
import { dbFor } from "../db/client";
import { principalOf, requireAccess, userPrincipalOf } from "../platform/auth";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { tenantScope } from "../platform/tenant-scope";
import { ApiKeySchema, CreateApiKeyInputSchema, CreatedApiKeySchema } from "./api-keys.model";
import { createApiKey, listKeys, revokeKey } from "./api-keys.service";

const secured = { security: [{ Bearer: [] }] };
// Keys are managed by people only (owner or manager): a key cannot mint or revoke keys.
const managers = [requireAccess({ role: "manager" })];

const createKeyRoute = createRoute({
  method: "post",
  path: "/api-keys",
  tags: ["api-keys"],
  operationId: "createApiKey",
  summary: "Create an API key with scopes; the key is returned once",
  ...secured,
  middleware: managers,
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
  ...secured,
  middleware: managers,
  responses: {
    200: { description: "Keys", ...jsonContent(z.object({ data: z.array(ApiKeySchema) })) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/api-keys/{keyId}",
  tags: ["api-keys"],
  operationId: "revokeApiKey",
  summary: "Revoke an API key; it stops working at once",
  ...secured,
  middleware: managers,
  request: { params: pathId("keyId", "key") },
  responses: {
    204: { description: "Revoked" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

export const apiKeysApi = createRouter()
  .openapi(createKeyRoute, async (c) => {
    const user = userPrincipalOf(c);
    const scope = tenantScope(dbFor(c.env.DB), user.tenantId);
    const input = c.req.valid("json");
    return c.json(
      await createApiKey(scope, c.get("config"), { ...input, createdBy: user.userId }, auditOrigin(c)),
      201,
    );
  })
  .openapi(listKeysRoute, async (c) => {
    const scope = tenantScope(dbFor(c.env.DB), principalOf(c).tenantId);
    return c.json({ data: await listKeys(scope) }, 200);
  })
  .openapi(revokeKeyRoute, async (c) => {
    const user = userPrincipalOf(c);
    await revokeKey(
      tenantScope(dbFor(c.env.DB), user.tenantId),
      c.req.valid("param").keyId,
      user.userId,
      auditOrigin(c),
    );
    return c.body(null, 204);
  });
