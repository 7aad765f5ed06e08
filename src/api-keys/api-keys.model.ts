import { z } from "@hono/zod-openapi";
import { SCOPES } from "../platform/roles";
import { DateTimeSchema, idSchema } from "../platform/schemas";

export const API_KEY_PREFIXES = ["dlx_live_", "dlx_test_"] as const;

export const CreateApiKeyInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).openapi({ example: "Website lead form" }),
    scopes: z.array(z.enum(SCOPES)).min(1).max(20),
  })
  .openapi("CreateApiKeyInput");

export const ApiKeySchema = z
  .object({
    id: idSchema("key"),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to tell keys apart" }),
    scopes: z.array(z.enum(SCOPES)),
    createdBy: idSchema("usr"),
    createdAt: DateTimeSchema,
    lastUsedAt: DateTimeSchema.nullable(),
    revokedAt: DateTimeSchema.nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The secret key. Shown only in this response; store it now." }),
}).openapi("CreatedApiKey");
