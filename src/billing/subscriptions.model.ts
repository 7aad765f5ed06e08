import { z } from "@hono/zod-openapi";
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
