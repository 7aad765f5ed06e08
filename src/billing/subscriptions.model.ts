import { z } from "@hono/zod-openapi";
import { VatNumberSchema } from "../companies/companies.model";
import { DateTimeSchema, HalalasSchema, idSchema } from "../platform/schemas";
import { CHECKOUT_KINDS, CHECKOUT_STATUSES } from "./checkouts.schema";
import { BILLING_PERIODS, PLAN_IDS } from "./plans";
import { SUBSCRIPTION_STATUSES } from "./subscriptions.schema";

const PlanIdSchema = z.enum(PLAN_IDS).openapi({ example: "growth" });
const PeriodSchema = z.enum(BILLING_PERIODS).openapi({ example: "monthly" });

export const SubscriptionSchema = z
  .object({
    plan: PlanIdSchema,
    period: PeriodSchema,
    status: z.enum(SUBSCRIPTION_STATUSES),
    currentPeriodEnd: DateTimeSchema,
    trialEndsAt: DateTimeSchema.nullable(),
    trialDaysLeft: z.int().nonnegative().openapi({ description: "0 unless trialing" }),
    cancelAtPeriodEnd: z.boolean(),
    pendingChange: z
      .object({ plan: PlanIdSchema, period: PeriodSchema, effectiveAt: DateTimeSchema })
      .nullable()
      .openapi({ description: "A downgrade that takes effect at the period end" }),
  })
  .openapi("Subscription");

export const CheckoutInputSchema = z
  .strictObject({
    // Any string, so an unknown plan is a 422 with the plan named, not a schema error per enum value.
    plan: z.string().min(1).max(40).openapi({ example: "growth" }),
    period: PeriodSchema,
  })
  .openapi("CheckoutInput");

export const CheckoutSchema = z
  .object({
    checkoutId: idSchema("chk"),
    plan: PlanIdSchema,
    period: PeriodSchema,
    kind: z.enum(CHECKOUT_KINDS),
    status: z.enum(CHECKOUT_STATUSES),
    netHalalas: HalalasSchema.openapi({ description: "The price before VAT, after any credit" }),
    vatHalalas: HalalasSchema,
    totalHalalas: HalalasSchema,
    creditHalalas: HalalasSchema.openapi({
      description: "Account credit taken off the price before VAT; spent once the payment is confirmed",
    }),
    currency: z.literal("SAR"),
    url: z.string().openapi({ description: "Moyasar's hosted payment page for this checkout" }),
  })
  .openapi("Checkout");

export const CheckoutStatusSchema = CheckoutSchema.omit({ url: true }).openapi("CheckoutStatus");

export const PlanChangeInputSchema = z
  .strictObject({ plan: z.enum(PLAN_IDS), period: PeriodSchema })
  .openapi("PlanChangeInput");

export const CancelInputSchema = z
  .strictObject({
    cancel: z
      .boolean()
      .openapi({ description: "true schedules cancellation at period end; false withdraws it" }),
  })
  .openapi("CancelInput");

export const BillingProfileInputSchema = z
  .strictObject({
    legalName: z.string().trim().min(2).max(200).openapi({ example: "مؤسسة الدار العقارية" }),
    vatNumber: VatNumberSchema.nullable()
      .optional()
      .openapi({ description: "Given, every later payment gets a standard (B2B) tax invoice" }),
    address: z
      .string()
      .trim()
      .min(5)
      .max(500)
      .nullable()
      .optional()
      .openapi({ description: "The national address; required with a VAT number" }),
  })
  .superRefine((input, issues) => {
    // A standard tax invoice names the buyer's address beside its VAT number (ZATCA, integrations.md §2).
    if (input.vatNumber && !input.address) {
      issues.addIssue({
        code: "custom",
        path: ["address"],
        message: "A VAT-registered buyer's invoice shows its address: give it with the VAT number.",
      });
    }
  })
  .openapi("BillingProfileInput");

export const BillingProfileSchema = z
  .object({
    legalName: z.string().nullable().openapi({ description: "null until the owner gave one" }),
    vatNumber: z.string().nullable(),
    address: z.string().nullable(),
    invoiceType: z.enum(["standard", "simplified"]).openapi({
      description: "What the next payment's tax invoice will be",
    }),
    updatedAt: DateTimeSchema.nullable(),
  })
  .openapi("BillingProfile");
