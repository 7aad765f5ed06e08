import { createRoute } from "@hono/zod-openapi";
import { requestContext } from "../platform/context";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { problemResponses } from "../platform/problem";
import { createRouter } from "../platform/router";
import { EarlyAccessInputSchema, EarlyAccessReceiptSchema } from "./early-access.model";
import { requestEarlyAccess } from "./early-access.service";

const requestEarlyAccessRoute = createRoute({
  method: "post",
  path: "/early-access",
  tags: ["early-access"],
  operationId: "requestEarlyAccess",
  security: [],
  summary: "Ask to be onboarded when Dealix opens",
  description: "Public. Honours `Idempotency-Key`. Personal data is kept only for onboarding follow-up.",
  middleware: [idempotency()] as const,
  request: {
    headers: IdempotencyKeyHeaderSchema,
    body: { required: true, content: { "application/json": { schema: EarlyAccessInputSchema } } },
  },
  responses: {
    202: { description: "Received", content: { "application/json": { schema: EarlyAccessReceiptSchema } } },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "PAYLOAD_TOO_LARGE",
      "UNSUPPORTED_MEDIA_TYPE",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
    ),
  },
});

export const earlyAccessApi = createRouter().openapi(requestEarlyAccessRoute, async (c) => {
  const receipt = await requestEarlyAccess(requestContext(c), c.req.valid("json"));
  return c.json(receipt, 202);
});
