import { createRoute, z } from "@hono/zod-openapi";
import { dbFor } from "../db/client";
import { isValidSignature } from "../integrations/whatsapp/signature";
import { secretsMatch } from "../platform/crypto";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { idSchema } from "../platform/schemas";
import type { WebhookJob } from "./inbound";
import { webhookAccount } from "./whatsapp-credentials";

const AccountQuerySchema = z.object({
  account: idSchema("wac").openapi({
    param: { name: "account", in: "query" },
    description: "The tenant's account id, part of the callback URL the tenant gives Meta",
  }),
});

const VerifyQuerySchema = AccountQuerySchema.extend({
  "hub.mode": z.literal("subscribe"),
  "hub.verify_token": z.string().min(1).max(200),
  "hub.challenge": z.string().regex(/^[0-9A-Za-z_-]{1,100}$/),
});

const refused = () => new ApiError("UNAUTHENTICATED", "The webhook signature or verify token is not valid.");

const verifyRoute = createRoute({
  method: "get",
  path: "/webhooks/whatsapp",
  tags: ["webhooks"],
  operationId: "verifyWhatsAppWebhook",
  summary: "Meta's subscription handshake: echoes hub.challenge when hub.verify_token is the account's",
  // Meta calls without a Dealix credential: the verify token (here) and the signature (POST) are the proof.
  security: [],
  request: { query: VerifyQuerySchema },
  responses: {
    200: { description: "The challenge, as sent", content: { "text/plain": { schema: z.string() } } },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED"),
  },
});

const receiveRoute = createRoute({
  method: "post",
  path: "/webhooks/whatsapp",
  tags: ["webhooks"],
  operationId: "receiveWhatsAppWebhook",
  summary: "Inbound messages and delivery statuses from the WhatsApp Cloud API",
  security: [],
  description:
    "`X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the account's app secret) is checked before the body is parsed: " +
    "a missing or wrong signature is a 401 and nothing is stored. A valid webhook is queued and answered 200 at once.",
  request: { query: AccountQuerySchema },
  responses: {
    200: { description: "Queued", ...jsonContent(z.object({ received: z.literal(true) })) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "VALIDATION_FAILED"),
  },
});

export const webhooksApi = createRouter()
  .openapi(verifyRoute, async (c) => {
    const query = c.req.valid("query");
    const account = await webhookAccount(dbFor(c.env.DB), c.get("config"), query.account);
    // The same refusal for an unknown account and a wrong token: ids cannot be probed.
    if (!account || !(await secretsMatch(query["hub.verify_token"], account.verifyToken))) throw refused();
    return c.text(query["hub.challenge"], 200);
  })
  .openapi(receiveRoute, async (c) => {
    const { account: accountId } = c.req.valid("query");
    const raw = await c.req.arrayBuffer();
    const account = await webhookAccount(dbFor(c.env.DB), c.get("config"), accountId);
    if (!account || !(await isValidSignature(raw, c.req.header("X-Hub-Signature-256"), account.appSecret))) {
      throw refused();
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new ApiError("MALFORMED_REQUEST", "The body is not JSON.");
    }
    await c.env.WEBHOOKS_QUEUE.send({
      provider: "whatsapp",
      accountId: account.id,
      tenantId: account.tenantId,
      phoneNumberId: account.phoneNumberId,
      receivedAt: Date.now(),
      payload,
    } satisfies WebhookJob);
    return c.json({ received: true as const }, 200);
  });
