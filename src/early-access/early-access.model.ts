import { z } from "@hono/zod-openapi";
import { EmailSchema, MobilePhoneSchema, PersonNameSchema } from "../platform/schemas";
import { BUSINESS_TYPES } from "./early-access.schema";

/** What the landing-page form and `POST /api/v1/early-access` accept. Unknown fields are rejected. */
export const EarlyAccessInputSchema = z
  .strictObject({
    name: PersonNameSchema,
    company: z.string().trim().min(2).max(120).openapi({ example: "عقارات الرياض" }),
    phone: MobilePhoneSchema,
    email: EmailSchema.optional(),
    businessType: z.enum(BUSINESS_TYPES),
    locale: z.enum(["ar", "en"]).default("ar"),
    consent: z.literal(true, { message: "Consent to be contacted is required." }).openapi({
      description: "The person agrees that Dealix may contact them about early access (PDPL).",
    }),
  })
  .openapi("EarlyAccessInput");

export type EarlyAccessInput = z.output<typeof EarlyAccessInputSchema>;

export const EarlyAccessReceiptSchema = z
  .object({ status: z.literal("received") })
  .openapi("EarlyAccessReceipt", {
    description: "The same answer whether or not this phone number has asked before.",
  });
