import { createRoute, z } from "@hono/zod-openapi";
import { dbFor } from "../db/client";
import { requireJsonBody } from "../platform/api-guards";
import { BREAKER_NAMES, BREAKER_STATES } from "../platform/circuit-breaker";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import {
  breakerList,
  DLQ_QUEUES,
  deadLetterCounts,
  deadLetterPage,
  deadLetterProducers,
  purgeQueueLetters,
  resetNamedBreaker,
  retryQueueLetters,
} from "./operations.service";
import { operatorAccess, operatorActOf } from "./operator-access";

const QueueParamSchema = z.object({
  queue: z.enum(DLQ_QUEUES).openapi({ param: { name: "queue", in: "path" }, example: "outbound" }),
});

const BreakerParamSchema = z.object({
  name: z.enum(BREAKER_NAMES).openapi({ param: { name: "name", in: "path" }, example: "whatsapp" }),
});

const DeadLetterQueueCountSchema = z
  .object({
    queue: z.enum(DLQ_QUEUES),
    total: z.number().int(),
    waiting: z.number().int().openapi({ description: "Letters not retried yet" }),
  })
  .openapi("DeadLetterQueueCount");

const DeadLetterSchema = z
  .object({
    id: idSchema("dlt"),
    queue: z.enum(DLQ_QUEUES),
    messageId: z.string().openapi({ description: "The queue message id (Cloudflare's), for the logs" }),
    reference: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .openapi({ description: "The job's ids in clear (tenant, message, import …); never personal data" }),
    sealed: z.boolean().openapi({
      description: "The job also holds an encrypted payload (a webhook's), opened only when retried",
    }),
    attempts: z.number().int(),
    lastError: z.string(),
    deadAt: DateTimeSchema,
    retriedAt: DateTimeSchema.nullable(),
  })
  .openapi("DeadLetter");

const SelectionSchema = z
  .strictObject({
    ids: z
      .array(idSchema("dlt"))
      .min(1)
      .max(1000)
      .optional()
      .openapi({ description: "The letters to act on; all of the queue's when absent" }),
  })
  .openapi("DeadLetterSelection");

const RetryProgressSchema = z
  .object({
    retried: z.number().int().openapi({ description: "Re-enqueued by this call, each once" }),
    failed: z.number().int().openapi({ description: "The queue refused them: released for the next retry" }),
    skipped: z
      .number()
      .int()
      .openapi({ description: "Selected ids not waiting (retried, purged, elsewhere)" }),
    waiting: z.number().int().openapi({ description: "Still waiting: call again until 0" }),
  })
  .openapi("DeadLetterRetryProgress");

const BreakerSchema = z
  .object({
    name: z.enum(BREAKER_NAMES),
    state: z.enum(BREAKER_STATES),
    failuresInWindow: z.number().int(),
    openedAt: DateTimeSchema.nullable(),
    nextTrialAt: DateTimeSchema.nullable(),
    trialsInFlight: z.number().int(),
    policy: z.object({
      failureThreshold: z.number().int(),
      windowSeconds: z.number().int(),
      coolDownSeconds: z.number().int(),
      trialLimit: z.number().int(),
      trialLeaseSeconds: z.number().int(),
    }),
    transitions: z
      .array(
        z.object({
          at: DateTimeSchema,
          from: z.enum(BREAKER_STATES),
          to: z.enum(BREAKER_STATES),
          reason: z.string(),
        }),
      )
      .openapi({ description: "The latest changes of state, newest first" }),
  })
  .openapi("CircuitBreaker");

const queuesRoute = createRoute({
  method: "get",
  path: "/admin/dlq/queues",
  tags: ["operator"],
  operationId: "listDeadLetterQueues",
  summary: "Dead letters per queue (imports, outbound, webhooks): stored and still waiting",
  ...operatorAccess(),
  responses: {
    200: {
      description: "Counts per queue",
      ...jsonContent(z.object({ data: z.array(DeadLetterQueueCountSchema) })),
    },
    ...problemResponses("UNAUTHENTICATED"),
  },
});

const lettersRoute = createRoute({
  method: "get",
  path: "/admin/dlq/{queue}",
  tags: ["operator"],
  operationId: "listDeadLetters",
  summary: "A queue's dead letters, newest first (ids and errors only, no personal data)",
  ...operatorAccess(),
  request: { params: QueueParamSchema, query: PageQuerySchema },
  responses: {
    200: { description: "A page of dead letters", ...jsonContent(pageSchema(DeadLetterSchema)) },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED"),
  },
});

const retryRoute = createRoute({
  method: "post",
  path: "/admin/dlq/{queue}/retry",
  tags: ["operator"],
  operationId: "retryDeadLetters",
  summary: "Re-enqueue the selected dead letters (or all, 1,000 per call) to their queue, each once",
  description:
    "Each letter is marked retried before it is sent, so it is re-enqueued once however often this is called. " +
    "Without `ids`, up to 1,000 letters go per call: call again while `waiting` is above 0.",
  ...operatorAccess(requireJsonBody()),
  request: { params: QueueParamSchema, ...jsonBody(SelectionSchema) },
  responses: {
    200: { description: "What this call did and what still waits", ...jsonContent(RetryProgressSchema) },
    ...problemResponses(
      "UNAUTHENTICATED",
      "CSRF_REJECTED",
      "VALIDATION_FAILED",
      "UNSUPPORTED_MEDIA_TYPE",
      "NOT_FOUND",
    ),
  },
});

const purgeRoute = createRoute({
  method: "post",
  path: "/admin/dlq/{queue}/purge",
  tags: ["operator"],
  operationId: "purgeDeadLetters",
  summary: "Delete the selected dead letters (or all of the queue's); audited with the count",
  ...operatorAccess(requireJsonBody()),
  request: { params: QueueParamSchema, ...jsonBody(SelectionSchema) },
  responses: {
    200: {
      description: "How many letters were deleted",
      ...jsonContent(z.object({ purged: z.number().int() }).openapi("DeadLetterPurge")),
    },
    ...problemResponses("UNAUTHENTICATED", "CSRF_REJECTED", "VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE"),
  },
});

const breakersRoute = createRoute({
  method: "get",
  path: "/admin/circuit-breakers",
  tags: ["operator"],
  operationId: "listCircuitBreakers",
  summary: "Every circuit breaker: state, failures in its window, when it opened, next trial, transitions",
  ...operatorAccess(),
  responses: {
    200: { description: "The breakers", ...jsonContent(z.object({ data: z.array(BreakerSchema) })) },
    ...problemResponses("UNAUTHENTICATED"),
  },
});

const resetRoute = createRoute({
  method: "post",
  path: "/admin/circuit-breakers/{name}/reset",
  tags: ["operator"],
  operationId: "resetCircuitBreaker",
  summary: "Close a breaker now, forgetting its failures (when the provider is known to be back)",
  ...operatorAccess(),
  request: { params: BreakerParamSchema },
  responses: {
    200: { description: "The breaker after the reset", ...jsonContent(BreakerSchema) },
    ...problemResponses("UNAUTHENTICATED", "CSRF_REJECTED", "VALIDATION_FAILED"),
  },
});

export const operationsApi = createRouter()
  .openapi(queuesRoute, async (c) => c.json({ data: await deadLetterCounts(dbFor(c.env.DB)) }, 200))
  .openapi(lettersRoute, async (c) => {
    const { queue } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    return c.json(await deadLetterPage(dbFor(c.env.DB), queue, cursor, limit), 200);
  })
  .openapi(retryRoute, async (c) => {
    const { queue } = c.req.valid("param");
    const { ids } = c.req.valid("json");
    return c.json(await retryQueueLetters(operatorActOf(c), deadLetterProducers(c.env), queue, ids), 200);
  })
  .openapi(purgeRoute, async (c) => {
    const { queue } = c.req.valid("param");
    const { ids } = c.req.valid("json");
    return c.json(await purgeQueueLetters(operatorActOf(c), queue, ids), 200);
  })
  .openapi(breakersRoute, async (c) => c.json(await breakerList(c.env.CIRCUIT_BREAKER), 200))
  .openapi(resetRoute, async (c) => {
    const { name } = c.req.valid("param");
    return c.json(await resetNamedBreaker(operatorActOf(c), c.env.CIRCUIT_BREAKER, name), 200);
  });
