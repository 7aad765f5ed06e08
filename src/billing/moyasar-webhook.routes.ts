import { createRoute, z } from "@hono/zod-openapi";
import { dbFor } from "../db/client";
import {
  isHandledEvent,
  moyasarWebhookSecret,
  webhookEnvelopeSchema,
} from "../integrations/moyasar/webhook-event";
import { secretsMatch } from "../platform/crypto";
import { log } from "../platform/logger";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { forgetWebhookEvent, rememberWebhookEvent } from "./checkouts.repo";
import type { MoyasarWebhookJob } from "./payments.service";

const receiveRoute = createRoute({
  method: "post",
  path: "/webhooks/moyasar",
  tags: ["webhooks"],
  operationId: "receiveMoyasarWebhook",
  summary: "Payment events from Moyasar",
  // Moyasar calls without a Dealix credential: the Secret Token in the body is the proof.
  security: [],
  description:
    "The body's `secret_token` is compared in constant time with the webhook's Secret Token: missing or wrong is a 401 " +
    "and nothing is stored. An event id already received is answered 200 and dropped. `payment_paid`, `payment_failed` " +
    "(also spelt `payment_faild`), `payment_refunded` and `payment_voided` are queued; the consumer re-fetches the " +
    "payment from Moyasar and acts only on what the API confirms. Other events are answered 200 and ignored.",
  responses: {
    200: {
      description: "Accepted (queued, a replay, or an ignored event)",
      ...jsonContent(z.object({ received: z.literal(true) })),
    },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED"),
  },
});

const received = { received: true as const };

export const moyasarWebhookApi = createRouter().openapi(receiveRoute, async (c) => {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError("MALFORMED_REQUEST", "The body is not JSON.");
  }
  const expected = moyasarWebhookSecret(c.get("config"));
  const presented = (body as { secret_token?: unknown } | null)?.secret_token;
  if (expected === null || typeof presented !== "string" || !(await secretsMatch(presented, expected))) {
    log("warn", "moyasar webhook refused", { requestId: c.get("requestId"), reason: "secret_token" });
    throw new ApiError("UNAUTHENTICATED", "The webhook's secret token is not valid.");
  }
  const envelope = webhookEnvelopeSchema.safeParse(body);
  if (!envelope.success) throw new ApiError("MALFORMED_REQUEST", "The body is not a Moyasar event.");
  const { id, type, data } = envelope.data;
  if (!isHandledEvent(type)) {
    log("info", "moyasar webhook ignored", { eventId: id, type });
    return c.json(received, 200);
  }
  const db = dbFor(c.env.DB);
  const [remembered] = await rememberWebhookEvent(db, { id, type, paymentId: data.id }, Date.now());
  if (!remembered) return c.json(received, 200);
  try {
    await c.env.WEBHOOKS_QUEUE.send({
      provider: "moyasar",
      eventId: id,
      eventType: type,
      paymentId: data.id,
      receivedAt: Date.now(),
    } satisfies MoyasarWebhookJob);
  } catch (error) {
    // Not queued: forget the event so Moyasar's retry is taken, rather than dropped as a replay.
    await forgetWebhookEvent(db, id);
    throw error;
  }
  return c.json(received, 200);
});
