import { z } from "@hono/zod-openapi";
import { UpdateContactInputSchema } from "../contacts/contacts.model";
import {
  DateTimeSchema,
  EmailSchema,
  idSchema,
  MobilePhoneSchema,
  PersonNameSchema,
} from "../platform/schemas";
import {
  PRIVACY_REQUEST_CHANNELS,
  PRIVACY_REQUEST_STATES,
  PRIVACY_REQUEST_TYPES,
  VERIFICATION_METHODS,
} from "./privacy-requests.schema";

/** The legal answer period (PDPL): 30 days from receipt, once extendable by up to 30 more. */
export const ANSWER_DAYS = 30;
export const MAX_EXTENSION_DAYS = 30;
export const DAY_MS = 24 * 60 * 60 * 1000;

const ReasonSchema = z.string().trim().min(5).max(1000);

export const OpenPrivacyRequestInputSchema = z
  .strictObject({
    type: z.enum(PRIVACY_REQUEST_TYPES),
    requesterName: PersonNameSchema,
    phone: MobilePhoneSchema.optional(),
    email: EmailSchema.optional(),
    contactId: idSchema("con").optional().openapi({
      description: "The contact the request is about, when staff know it; else matched by phone or email",
    }),
    details: z.string().trim().min(1).max(2000).optional().openapi({
      description: "What the person asks for in their words, e.g. what to correct",
    }),
  })
  .refine((input) => input.phone !== undefined || input.email !== undefined || input.contactId, {
    message: "Give the person's phone or email (or the contact).",
    path: ["phone"],
  })
  .openapi("OpenPrivacyRequestInput");
export type OpenPrivacyRequestInput = z.infer<typeof OpenPrivacyRequestInputSchema>;

export const ExtendPrivacyRequestInputSchema = z
  .strictObject({
    days: z.int().min(1).max(MAX_EXTENSION_DAYS),
    reason: ReasonSchema.openapi({ description: "Why more time is needed; it is sent to the person" }),
  })
  .openapi("ExtendPrivacyRequestInput");

export const RefusePrivacyRequestInputSchema = z
  .strictObject({ reason: ReasonSchema.openapi({ description: "The legal ground for refusing" }) })
  .openapi("RefusePrivacyRequestInput");

export const VerifyPrivacyRequestInputSchema = z
  .union([
    z.strictObject({
      method: z.literal("code"),
      code: z
        .string()
        .regex(/^\d{6}$/)
        .openapi({ description: "The code the person received" }),
    }),
    z.strictObject({
      method: z.literal("in_person"),
      reason: ReasonSchema.openapi({ description: "How identity was checked, e.g. national ID seen" }),
    }),
  ])
  .openapi("VerifyPrivacyRequestInput");
export type VerifyPrivacyRequestInput = z.infer<typeof VerifyPrivacyRequestInputSchema>;

export const CompletePrivacyRequestInputSchema = z
  .strictObject({
    corrections: UpdateContactInputSchema.optional().openapi({
      description: "For a correction request: the corrected fields of the contact",
    }),
    note: z.string().trim().min(1).max(1000).optional(),
  })
  .openapi("CompletePrivacyRequestInput");
export type CompletePrivacyRequestInput = z.infer<typeof CompletePrivacyRequestInputSchema>;

export const PrivacyRequestSchema = z
  .object({
    id: idSchema("dsr"),
    type: z.enum(PRIVACY_REQUEST_TYPES),
    channel: z.enum(PRIVACY_REQUEST_CHANNELS),
    state: z.enum(PRIVACY_REQUEST_STATES),
    overdue: z.boolean(),
    requesterName: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    contactId: z.string().nullable(),
    details: z.string().nullable(),
    receivedAt: DateTimeSchema,
    dueAt: DateTimeSchema,
    extension: z.object({ days: z.int(), reason: z.string(), at: DateTimeSchema }).nullable(),
    verification: z
      .object({ method: z.enum(VERIFICATION_METHODS), note: z.string().nullable(), at: DateTimeSchema })
      .nullable(),
    refusedReason: z.string().nullable(),
    completedAt: DateTimeSchema.nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("PrivacyRequest");

export const PrivacyRequestDetailSchema = PrivacyRequestSchema.extend({
  history: z.array(
    z.object({
      action: z.string(),
      fromState: z.enum(PRIVACY_REQUEST_STATES).nullable(),
      toState: z.enum(PRIVACY_REQUEST_STATES),
      actor: z.object({ type: z.string(), id: z.string().nullable() }),
      note: z.string().nullable(),
      at: DateTimeSchema,
    }),
  ),
}).openapi("PrivacyRequestDetail");
