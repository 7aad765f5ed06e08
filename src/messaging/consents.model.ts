import { z } from "@hono/zod-openapi";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { CONSENT_CHANNELS, CONSENT_SOURCES, CONSENT_STATUSES, MESSAGE_PURPOSES } from "./messaging.schema";

export const RecordConsentInputSchema = z
  .strictObject({
    channel: z.enum(CONSENT_CHANNELS).default("whatsapp"),
    purpose: z.enum(MESSAGE_PURPOSES),
    status: z.enum(["granted", "withdrawn"]),
    // Opt-out words and expiry are recorded by Dealix itself, never typed in.
    source: z.enum(
      CONSENT_SOURCES.filter((s) => s !== "opt_out_keyword" && s !== "expiry") as [string, ...string[]],
    ),
    evidenceText: z.string().trim().min(5).max(2000).openapi({
      description: "The exact wording the person agreed to (or used to withdraw), kept as evidence",
      example:
        "أوافق على استلام عروض عقارات الرياض عبر واتساب. I agree to receive Riyadh Realty offers on WhatsApp.",
    }),
    occurredAt: DateTimeSchema.optional().openapi({
      description: "When the person agreed or withdrew; now when absent",
    }),
  })
  .openapi("RecordConsentInput");

export const ConsentSchema = z
  .object({
    id: idSchema("cns"),
    channel: z.enum(CONSENT_CHANNELS),
    purpose: z.enum(MESSAGE_PURPOSES),
    status: z.enum(CONSENT_STATUSES),
    source: z.enum(CONSENT_SOURCES),
    evidenceText: z.string(),
    occurredAt: DateTimeSchema,
    recordedBy: z.string().nullable(),
    recordedAt: DateTimeSchema,
  })
  .openapi("Consent");

export const ContactConsentsSchema = z
  .object({
    current: z.array(
      z.object({
        channel: z.enum(CONSENT_CHANNELS),
        purpose: z.enum(MESSAGE_PURPOSES),
        status: z.enum(CONSENT_STATUSES).openapi({
          description: "`expired`: a marketing grant over 12 months old and not renewed",
        }),
        since: DateTimeSchema,
        source: z.enum(CONSENT_SOURCES),
      }),
    ),
    history: z.array(ConsentSchema),
  })
  .openapi("ContactConsents");

const EndingConsentSchema = z.object({
  contactId: idSchema("con"),
  contactName: z.string(),
  channel: z.enum(CONSENT_CHANNELS),
  grantedAt: DateTimeSchema.nullable(),
  expiresAt: DateTimeSchema.openapi({ description: "12 months after the grant" }),
  status: z.enum(["expiring", "expired"]),
});

export const ExpiringConsentsSchema = z
  .object({
    withinDays: z.number().int().openapi({ description: "How far ahead `expiring` looks" }),
    expiring: z.array(EndingConsentSchema).openapi({ description: "Lapsing soonest first, up to 100" }),
    expired: z
      .array(EndingConsentSchema)
      .openapi({ description: "Lapsed and not renewed, most recent first, up to 100" }),
  })
  .openapi("ExpiringConsents");
