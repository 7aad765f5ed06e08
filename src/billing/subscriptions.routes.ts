import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { getBillingProfile, setBillingProfile } from "./billing-profile.service";
import { getCheckout, startCheckout } from "./checkout.service";
import {
  BillingProfileInputSchema,
  BillingProfileSchema,
  CancelInputSchema,
  CheckoutInputSchema,
  CheckoutSchema,
  CheckoutStatusSchema,
  PlanChangeInputSchema,
  SubscriptionSchema,
} from "./subscriptions.model";
import { changePlan, getSubscription, setCancellation } from "./subscriptions.service";

// Paying and changing the plan commit the company's money: owners only, and never an API key.
const owners = access({ role: "owner" });

const getSubscriptionRoute = createRoute({
  method: "get",
  path: "/billing/subscription",
  tags: ["billing"],
  operationId: "getSubscription",
  summary: "The tenant's plan, status, period end, trial days left and any scheduled change",
  ...access({ role: "manager" }),
  responses: {
    200: { description: "The subscription", ...jsonContent(SubscriptionSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const startCheckoutRoute = createRoute({
  method: "post",
  path: "/billing/checkout",
  tags: ["billing"],
  operationId: "startCheckout",
  summary: "Buy or upgrade a plan: returns the Moyasar payment page for a pending checkout",
  description:
    "Amounts are in halalas: the plan's price (prorated for an upgrade of an active period) plus 15 % VAT. " +
    "The same plan and period while a checkout is pending returns that checkout and its URL; another choice replaces it. " +
    "The subscription changes only when Moyasar confirms the payment (webhook). " +
    "Enterprise and unknown plans are a 422; the current plan and period, or a downgrade, a 409. " +
    "When Moyasar cannot be reached the answer is a 503 with Retry-After and nothing stays pending.",
  ...access({ role: "owner" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(CheckoutInputSchema) },
  responses: {
    201: { description: "The checkout and its payment page", ...jsonContent(CheckoutSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
      "UNAVAILABLE",
    ),
  },
});

const getCheckoutRoute = createRoute({
  method: "get",
  path: "/billing/checkouts/{checkoutId}",
  tags: ["billing"],
  operationId: "getCheckout",
  summary: "A checkout's status (pending until Moyasar's webhook is confirmed)",
  ...owners,
  request: { params: pathId("checkoutId", "chk") },
  responses: {
    200: { description: "The checkout", ...jsonContent(CheckoutStatusSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const changePlanRoute = createRoute({
  method: "post",
  path: "/billing/subscription/change",
  tags: ["billing"],
  operationId: "changeSubscriptionPlan",
  summary: "Schedule a downgrade for the period end (no payment); the current plan withdraws it",
  ...owners,
  request: jsonBody(PlanChangeInputSchema),
  responses: {
    200: { description: "The subscription", ...jsonContent(SubscriptionSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/billing/subscription/cancel",
  tags: ["billing"],
  operationId: "cancelSubscription",
  summary: "Cancel at the period end (or withdraw that); the paid period is kept",
  ...owners,
  request: jsonBody(CancelInputSchema),
  responses: {
    200: { description: "The subscription", ...jsonContent(SubscriptionSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const getProfileRoute = createRoute({
  method: "get",
  path: "/billing/profile",
  tags: ["billing"],
  operationId: "getBillingProfile",
  summary: "Who Dealix invoices: legal name, VAT number and address",
  ...owners,
  responses: {
    200: { description: "The billing profile", ...jsonContent(BillingProfileSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const setProfileRoute = createRoute({
  method: "put",
  path: "/billing/profile",
  tags: ["billing"],
  operationId: "setBillingProfile",
  summary: "Set the legal name, VAT number and address on future tax invoices",
  description:
    "With a VAT number (15 digits, starting and ending with 3) and an address, every later payment gets a " +
    "standard tax invoice naming the buyer; without one, a simplified invoice. Issued invoices never change.",
  ...owners,
  request: jsonBody(BillingProfileInputSchema),
  responses: {
    200: { description: "The billing profile", ...jsonContent(BillingProfileSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

export const subscriptionsApi = createRouter()
  .openapi(getProfileRoute, async (c) => c.json(await getBillingProfile(tenantOf(c)), 200))
  .openapi(setProfileRoute, async (c) =>
    c.json(await setBillingProfile(tenantOf(c), c.req.valid("json")), 200),
  )
  .openapi(getSubscriptionRoute, async (c) => c.json(await getSubscription(tenantOf(c)), 200))
  .openapi(startCheckoutRoute, async (c) =>
    c.json(await startCheckout(tenantOf(c), c.req.valid("json")), 201),
  )
  .openapi(getCheckoutRoute, async (c) =>
    c.json(await getCheckout(tenantOf(c), c.req.valid("param").checkoutId), 200),
  )
  .openapi(changePlanRoute, async (c) => c.json(await changePlan(tenantOf(c), c.req.valid("json")), 200))
  .openapi(cancelRoute, async (c) =>
    c.json(await setCancellation(tenantOf(c), c.req.valid("json").cancel), 200),
  );
