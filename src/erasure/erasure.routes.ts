import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { erasePerson } from "./erasure.service";

const EraseContactInputSchema = z
  .strictObject({
    confirm: z.literal("ERASE").openapi({ description: "Type ERASE: erasure cannot be undone." }),
  })
  .openapi("EraseContactInput");

const ErasureResultSchema = z
  .object({
    erased: z
      .record(z.string(), z.number().int())
      .openapi({ description: "Rows deleted or scrubbed, per table." }),
    kept: z
      .array(z.object({ what: z.string(), why: z.string() }))
      .openapi({ description: "What the law or the tenant's own records keep, and why." }),
  })
  .openapi("ErasureResult");

const eraseContactRoute = createRoute({
  method: "post",
  path: "/contacts/{contactId}/erase",
  tags: ["contacts"],
  operationId: "eraseContact",
  summary:
    "Erase a person (PDPL): their contact, messages, activities, consents and every trace in search and queues",
  description:
    "Irreversible. Deletes or anonymises the contact (and duplicates merged into it) across every table; linked deals stay, unlinked and scrubbed. Tax invoices and the audit trail (which records the erasure, without personal data) are kept and listed in `kept`. Runs even while the account is read-only. Honours `Idempotency-Key`.",
  ...access({ role: "manager" }, idempotency()),
  request: {
    headers: IdempotencyKeyHeaderSchema,
    params: pathId("contactId", "con"),
    ...jsonBody(EraseContactInputSchema),
  },
  responses: {
    200: { description: "What was erased and what was kept", ...jsonContent(ErasureResultSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

export const erasureApi = createRouter().openapi(eraseContactRoute, async (c) => {
  const ctx = tenantOf(c);
  // The session check runs before the erasure, which goes straight to the database.
  await ctx.scope.settle();
  const result = await erasePerson(ctx.scope.db, ctx.scope.tenantId, c.req.valid("param").contactId, {
    userId: ctx.actor.type === "user" ? ctx.actor.id : null,
    requestId: ctx.origin.requestId,
    via: "staff",
  });
  return c.json(result, 200);
});
