import { z } from "zod";

/**
 * The parts of a Cloud API webhook Dealix acts on. Meta adds fields over time, so objects are
 * loose (unknown keys kept out of the way, not refused); what is read is checked.
 */
const errorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().max(500).optional(),
  message: z.string().max(1000).optional(),
});

const inboundMessageSchema = z.looseObject({
  from: z.string().regex(/^\d{6,15}$/),
  id: z.string().min(1).max(200),
  timestamp: z.string().regex(/^\d{1,12}$/),
  type: z.string().max(40),
  text: z.looseObject({ body: z.string().max(65_536) }).optional(),
  button: z.looseObject({ text: z.string().max(1000) }).optional(),
  interactive: z.unknown().optional(),
  image: z.looseObject({ caption: z.string().max(4096).optional() }).optional(),
  document: z
    .looseObject({ caption: z.string().max(4096).optional(), filename: z.string().optional() })
    .optional(),
  video: z.looseObject({ caption: z.string().max(4096).optional() }).optional(),
});

const statusSchema = z.looseObject({
  id: z.string().min(1).max(200),
  status: z.enum(["sent", "delivered", "read", "failed"]),
  timestamp: z.string().regex(/^\d{1,12}$/),
  recipient_id: z.string().max(20).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
  errors: z.array(errorSchema).optional(),
});

const changeSchema = z.looseObject({
  field: z.string(),
  value: z.looseObject({
    metadata: z.looseObject({ phone_number_id: z.string().min(1).max(64) }),
    contacts: z
      .array(
        z.looseObject({
          wa_id: z.string(),
          profile: z.looseObject({ name: z.string().max(200) }).optional(),
        }),
      )
      .optional(),
    messages: z.array(inboundMessageSchema).optional(),
    statuses: z.array(statusSchema).optional(),
  }),
});

export const webhookPayloadSchema = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.looseObject({ changes: z.array(changeSchema) })).max(100),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export interface InboundEvent {
  kind: "message";
  phoneNumberId: string;
  providerMessageId: string;
  /** The sender in E.164. */
  from: string;
  profileName: string | null;
  /** Milliseconds since the epoch (Meta sends seconds). */
  at: number;
  /** What the person wrote, or a caption / a placeholder for what Dealix cannot show as text. */
  body: string;
  type: string;
}

export interface StatusEvent {
  kind: "status";
  phoneNumberId: string;
  providerMessageId: string;
  status: "sent" | "delivered" | "read" | "failed";
  at: number;
  /** Dealix's own message id, echoed back by Meta (sent as biz_opaque_callback_data). */
  callbackData: string | null;
  error: { code: number; title: string } | null;
}

export type WebhookEvent = InboundEvent | StatusEvent;

function textOf(message: z.infer<typeof inboundMessageSchema>): string {
  if (message.text) return message.text.body;
  if (message.button) return message.button.text;
  const caption = message.image?.caption ?? message.video?.caption ?? message.document?.caption;
  return caption ? `[${message.type}] ${caption}` : `[${message.type}]`;
}

/** Flattens a payload into the events it carries, in the order Meta listed them. */
export function eventsOf(payload: WebhookPayload): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  for (const entry of payload.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      const { metadata, contacts = [], messages = [], statuses = [] } = change.value;
      const names = new Map(contacts.map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const message of messages) {
        events.push({
          kind: "message",
          phoneNumberId: metadata.phone_number_id,
          providerMessageId: message.id,
          from: `+${message.from}`,
          profileName: names.get(message.from) ?? null,
          at: Number(message.timestamp) * 1000,
          body: textOf(message),
          type: message.type,
        });
      }
      for (const status of statuses) {
        const error = status.errors?.[0];
        events.push({
          kind: "status",
          phoneNumberId: metadata.phone_number_id,
          providerMessageId: status.id,
          status: status.status,
          at: Number(status.timestamp) * 1000,
          callbackData: status.biz_opaque_callback_data ?? null,
          error: error ? { code: error.code, title: error.title ?? error.message ?? "" } : null,
        });
      }
    }
  }
  return events;
}
