import { z } from "@hono/zod-openapi";
import { normalizePhone } from "../platform/phone";
import { BUSINESS_TYPES } from "./early-access.schema";

/** What the landing-page form and `POST /api/v1/early-access` accept. Unknown fields are rejected. */
export const EarlyAccessInputSchema = z
  .strictObject({
    name: z.string().trim().min(2).max(100).openapi({ example: "نورة العتيبي" }),
    company: z.string().trim().min(2).max(120).openapi({ example: "عقارات الرياض" }),
    phone: z
      .string()
      .max(32)
      .refine((value) => normalizePhone(value) !== null, {
        message: "Enter a mobile number such as 05XXXXXXXX or +9665XXXXXXXX.",
      })
      .openapi({ example: "0551234567", description: "Saudi local form or E.164; stored as E.164." }),
    email: z.email().max(254).optional().openapi({ example: "noura@example.sa" }),
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
