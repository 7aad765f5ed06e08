import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { sendBroadcast } from "./broadcasts.service";
import {
  BroadcastInputSchema,
  BroadcastSchema,
  ConnectWhatsAppInputSchema,
  ConversationListQuerySchema,
  ConversationSchema,
  MessageSchema,
  SendMessageInputSchema,
  WhatsAppAccountSchema,
} from "./messaging.model";
import { conversationWithMessages, listConversationsFor, markRead, sendMessage } from "./messaging.service";
import { connectWhatsApp, disconnectWhatsApp, whatsappAccountOf } from "./whatsapp-account.service";

// The number and its credentials belong to the business: owners only, and never an API key.
const owners = access({ role: "owner" });
const readers = { role: "agent", scope: "messages:read" } as const;

const sendMessageRoute = createRoute({
  method: "post",
  path: "/messages",
  tags: ["messages"],
  operationId: "sendMessage",
  summary: "Queue a WhatsApp message to a contact",
  description:
    "Stores the message and queues it for sending (202); its `state` then moves queued → sending → sent → delivered → read, or failed with a `stateReason`. " +
    "Free text and media need the contact to have written within 24 hours (`TEMPLATE_REQUIRED` otherwise); an approved template can always be sent. " +
    "A template must be APPROVED in the registry (`POST /whatsapp/templates/sync`; else `TEMPLATE_NOT_APPROVED`) and get exactly its number of variables; a marketing one must carry an opt-out line in its footer or a button (`TEMPLATE_LACKS_OPT_OUT`). Nothing is stored when refused. Honours `Idempotency-Key`.",
  ...access({ role: "agent", scope: "messages:send" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(SendMessageInputSchema) },
  responses: {
    202: { description: "Queued", ...jsonContent(MessageSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "PLAN_LIMIT",
      "FORBIDDEN",
      "NOT_FOUND",
      "WHATSAPP_NOT_CONNECTED",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
      "TEMPLATE_REQUIRED",
      "TEMPLATE_NOT_APPROVED",
      "TEMPLATE_LACKS_OPT_OUT",
    ),
  },
});

const sendBroadcastRoute = createRoute({
  method: "post",
  path: "/messages/broadcasts",
  tags: ["messages"],
  operationId: "sendBroadcast",
  summary: "Queue one approved template to up to 1,000 contacts",
  description:
    "Stores one message per contact and queues them for sending (202). A marketing message to a contact without WhatsApp marketing consent is stored `blocked`; " +
    "when the broadcast has more contacts than the approval policy's `approveBroadcastOver`, every message waits for a manager (`pending_approval`). " +
    "Any unknown contact, or one without a phone, refuses the whole broadcast (422, listing them). Managers and owners only. Honours `Idempotency-Key`.",
  ...access({ role: "manager", scope: "messages:send" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(BroadcastInputSchema) },
  responses: {
    202: { description: "Queued", ...jsonContent(BroadcastSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "PLAN_LIMIT",
      "FORBIDDEN",
      "WHATSAPP_NOT_CONNECTED",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const listConversationsRoute = createRoute({
  method: "get",
  path: "/conversations",
  tags: ["messages"],
  operationId: "listConversations",
  summary: "WhatsApp threads, most recent first, with unread counts",
  ...access(readers),
  request: { query: ConversationListQuerySchema },
  responses: {
    200: { description: "A page of threads", ...jsonContent(pageSchema(ConversationSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const getConversationRoute = createRoute({
  method: "get",
  path: "/conversations/{conversationId}",
  tags: ["messages"],
  operationId: "getConversation",
  summary: "A thread and a page of its messages, newest first",
  ...access(readers),
  request: { params: pathId("conversationId", "cnv"), query: PageQuerySchema },
  responses: {
    200: {
      description: "The thread",
      ...jsonContent(z.object({ conversation: ConversationSchema, messages: pageSchema(MessageSchema) })),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const markReadRoute = createRoute({
  method: "post",
  path: "/conversations/{conversationId}/read",
  tags: ["messages"],
  operationId: "markConversationRead",
  summary: "Mark a thread read",
  ...access(readers),
  request: { params: pathId("conversationId", "cnv") },
  responses: {
    204: { description: "Marked read" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const getAccountRoute = createRoute({
  method: "get",
  path: "/whatsapp/account",
  tags: ["messages"],
  operationId: "getWhatsAppAccount",
  summary: "The connected WhatsApp number and the webhook URL to give Meta (never its credentials)",
  ...owners,
  responses: {
    200: { description: "The number", ...jsonContent(WhatsAppAccountSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"),
  },
});

const connectAccountRoute = createRoute({
  method: "put",
  path: "/whatsapp/account",
  tags: ["messages"],
  operationId: "connectWhatsAppAccount",
  summary: "Connect the tenant's WhatsApp Cloud API number, or replace its credentials",
  description:
    "The access token, app secret and verify token are encrypted at rest (AES-256-GCM) and never returned. " +
    "Give Meta the `webhookUrl` of the answer and the same verify token.",
  ...owners,
  request: jsonBody(ConnectWhatsAppInputSchema),
  responses: {
    200: { description: "Connected", ...jsonContent(WhatsAppAccountSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const disconnectAccountRoute = createRoute({
  method: "delete",
  path: "/whatsapp/account",
  tags: ["messages"],
  operationId: "disconnectWhatsAppAccount",
  summary: "Disconnect the number and delete its credentials",
  ...owners,
  responses: {
    204: { description: "Disconnected" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"),
  },
});

export const messagingApi = createRouter()
  .openapi(sendMessageRoute, async (c) => c.json(await sendMessage(tenantOf(c), c.req.valid("json")), 202))
  .openapi(sendBroadcastRoute, async (c) =>
    c.json(await sendBroadcast(tenantOf(c), c.req.valid("json")), 202),
  )
  .openapi(listConversationsRoute, async (c) =>
    c.json(await listConversationsFor(tenantOf(c), c.req.valid("query")), 200),
  )
  .openapi(getConversationRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(
      await conversationWithMessages(tenantOf(c), c.req.valid("param").conversationId, cursor, limit),
      200,
    );
  })
  .openapi(markReadRoute, async (c) => {
    await markRead(tenantOf(c), c.req.valid("param").conversationId);
    return c.body(null, 204);
  })
  .openapi(getAccountRoute, async (c) => c.json(await whatsappAccountOf(tenantOf(c)), 200))
  .openapi(connectAccountRoute, async (c) =>
    c.json(await connectWhatsApp(tenantOf(c), c.req.valid("json")), 200),
  )
  .openapi(disconnectAccountRoute, async (c) => {
    await disconnectWhatsApp(tenantOf(c));
    return c.body(null, 204);
  });
