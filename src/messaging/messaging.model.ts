import { z } from "@hono/zod-openapi";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { MESSAGE_DIRECTIONS, MESSAGE_KINDS, MESSAGE_PURPOSES, MESSAGE_STATES } from "./messaging.schema";

// Meta's limits: a text body of up to 4,096 characters; template variables are short texts.
const TEXT_MAX = 4096;

export const ConnectWhatsAppInputSchema = z
  .strictObject({
    phoneNumberId: z
      .string()
      .trim()
      .regex(/^\d{5,30}$/, "Meta's phone number id: digits only"),
    displayPhone: z.string().trim().min(5).max(30),
    businessAccountId: z
      .string()
      .trim()
      .regex(/^\d{5,30}$/)
      .optional(),
    accessToken: z.string().trim().min(20).max(1024),
    appSecret: z
      .string()
      .trim()
      .regex(/^[0-9a-f]{32}$/i, "Meta app secrets are 32 hex characters"),
    verifyToken: z.string().trim().min(16).max(200),
  })
  .openapi("ConnectWhatsAppInput");

export const WhatsAppAccountSchema = z
  .object({
    id: idSchema("wac"),
    phoneNumberId: z.string(),
    displayPhone: z.string(),
    businessAccountId: z.string().nullable(),
    webhookUrl: z.url().openapi({ description: "The callback URL to enter in Meta's app dashboard" }),
    connectedAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
  })
  .openapi("WhatsAppAccount", {
    description: "The tenant's number. Its credentials are stored encrypted and never returned.",
  });

const TemplateInputSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]{1,512}$/, "an approved template's name"),
  language: z
    .string()
    .trim()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/)
    .default("ar"),
  variables: z.array(z.string().trim().min(1).max(1024)).max(20).default([]),
});

const MediaInputSchema = z.strictObject({
  type: z.enum(["image", "document", "video", "audio"]),
  url: z.url({ protocol: /^https$/ }).max(2000),
  caption: z.string().trim().max(1024).optional(),
});

export const SendMessageInputSchema = z
  .strictObject({
    contactId: idSchema("con"),
    text: z.string().trim().min(1).max(TEXT_MAX).optional(),
    template: TemplateInputSchema.optional(),
    media: MediaInputSchema.optional(),
    purpose: z
      .enum(MESSAGE_PURPOSES)
      .optional()
      .openapi({
        description:
          "marketing needs the contact's WhatsApp marketing consent (else the message is `blocked`) and an opt-out line (added to text; a template's footer or button must carry one); service answers the contact; transactional confirms something they did. " +
          "Default: marketing for a MARKETING template, else service. A MARKETING template cannot be sent as service or transactional.",
      }),
    aiDrafted: z.boolean().default(false).openapi({
      description: "Drafted by an AI assistant: the tenant's approval policy may hold it for a manager",
    }),
  })
  .refine((input) => [input.text, input.template, input.media].filter(Boolean).length === 1, {
    message: "Send exactly one of text, template or media.",
    path: ["body"],
  })
  .openapi("SendMessageInput");
export type SendMessageInput = z.infer<typeof SendMessageInputSchema>;

// A broadcast's recipients: D1 binds them as one JSON parameter, and a thousand messages are one
// batch of a few statements and ten queue sendBatch calls.
export const BROADCAST_MAX_CONTACTS = 1000;

export const BroadcastInputSchema = z
  .strictObject({
    contactIds: z
      .array(idSchema("con"))
      .min(1)
      .max(BROADCAST_MAX_CONTACTS)
      .refine((ids) => new Set(ids).size === ids.length, { message: "List each contact once." }),
    template: TemplateInputSchema.openapi({
      description: "A broadcast is business-initiated: only an approved template can be sent",
    }),
    purpose: z.enum(MESSAGE_PURPOSES).openapi({
      description:
        "marketing needs each contact's WhatsApp marketing consent: a contact without it gets a `blocked` message",
    }),
  })
  .openapi("BroadcastInput");
export type BroadcastInput = z.infer<typeof BroadcastInputSchema>;

export const BroadcastSchema = z
  .object({
    broadcastId: idSchema("brc"),
    total: z.int().nonnegative(),
    queued: z.int().nonnegative(),
    blocked: z.int().nonnegative().openapi({ description: "Marketing messages to contacts without consent" }),
    pendingApproval: z.int().nonnegative().openapi({
      description: "Held for a manager: the broadcast is larger than the tenant's approveBroadcastOver",
    }),
  })
  .openapi("Broadcast");

export const MessageSchema = z
  .object({
    id: idSchema("wam"),
    conversationId: idSchema("cnv"),
    contactId: idSchema("con"),
    direction: z.enum(MESSAGE_DIRECTIONS),
    kind: z.enum(MESSAGE_KINDS),
    purpose: z.enum(MESSAGE_PURPOSES),
    aiDrafted: z.boolean(),
    text: z.string().nullable(),
    template: z.object({ name: z.string(), language: z.string(), variables: z.array(z.string()) }).nullable(),
    media: z.object({ type: z.string(), url: z.string(), caption: z.string().optional() }).nullable(),
    state: z.enum(MESSAGE_STATES),
    stateReason: z.string().nullable().openapi({
      description:
        "Why a message is blocked, failed or waiting: e.g. window_closed, undeliverable, provider_unavailable",
    }),
    errorTitle: z.string().nullable(),
    sentBy: z.string().nullable(),
    reviewedBy: z.string().nullable(),
    reviewedAt: DateTimeSchema.nullable(),
    broadcastId: idSchema("brc").nullable(),
    createdAt: DateTimeSchema,
    sentAt: DateTimeSchema.nullable(),
    deliveredAt: DateTimeSchema.nullable(),
    readAt: DateTimeSchema.nullable(),
    failedAt: DateTimeSchema.nullable(),
  })
  .openapi("Message");

export const ConversationSchema = z
  .object({
    id: idSchema("cnv"),
    contact: z.object({ id: idSchema("con"), name: z.string(), phone: z.string().nullable() }),
    unreadCount: z.int().nonnegative(),
    lastMessageAt: DateTimeSchema,
    lastInboundAt: DateTimeSchema.nullable(),
    lastPreview: z.string().nullable(),
    windowOpen: z.boolean().openapi({
      description:
        "Free text is allowed: the contact wrote within the last 24 hours. Otherwise send a template.",
    }),
  })
  .openapi("Conversation");

export const ConversationListQuerySchema = z.object({
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  unread: z.enum(["true", "false"]).optional().openapi({ description: "Only threads with unread messages" }),
});
