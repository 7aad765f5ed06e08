import { createRoute, z } from "@hono/zod-openapi";
import { CHECKOUT_KINDS, CHECKOUT_STATUSES, PAYMENT_STATUSES } from "../billing/checkouts.schema";
import { BILLING_PERIODS, PLAN_IDS } from "../billing/plans";
import { SUBSCRIPTION_STATUSES } from "../billing/subscriptions.schema";
import { dbFor } from "../db/client";
import { requireJsonBody } from "../platform/api-guards";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { billingTenantDetail, billingTenants, extendTrial, grantCredit } from "./billing-console.service";
import { operatorAccess, operatorActOf } from "./operator-access";

const TenantParamSchema = z.object({
  tenantId: idSchema("ten").openapi({ param: { name: "tenantId", in: "path" } }),
});

const ReasonSchema = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .openapi({ description: "Why, for the operator audit log", example: "Onboarding call moved" });

const BillingTenantSchema = z
  .object({
    tenantId: idSchema("ten"),
    name: z.object({ ar: z.string(), en: z.string() }),
    plan: z.enum(PLAN_IDS),
    period: z.enum(BILLING_PERIODS),
    status: z.enum(SUBSCRIPTION_STATUSES),
    trialEndsAt: DateTimeSchema.nullable(),
    currentPeriodEnd: DateTimeSchema,
    cancelAtPeriodEnd: z.boolean(),
    pendingChange: z
      .object({ plan: z.enum(PLAN_IDS), period: z.enum(BILLING_PERIODS) })
      .nullable()
      .openapi({ description: "A downgrade waiting for the period end" }),
    lastPayment: z
      .object({
        status: z.enum(PAYMENT_STATUSES),
        amountHalalas: z.number().int(),
        currency: z.string(),
        at: DateTimeSchema,
      })
      .nullable(),
  })
  .openapi("BillingTenant");

const TaxInvoiceTotalSchema = z.object({ count: z.number().int(), totalHalalas: z.number().int() });

const BillingCreditSchema = z
  .object({
    creditId: idSchema("crd"),
    amountHalalas: z.number().int(),
    reason: z.string(),
    createdBy: idSchema("usr").openapi({ description: "The operator who granted it" }),
    createdAt: DateTimeSchema,
    consumedByCheckoutId: idSchema("chk")
      .nullable()
      .openapi({ description: "The paid checkout that spent it; null while available" }),
  })
  .openapi("BillingCredit");

const BillingTenantDetailSchema = BillingTenantSchema.extend({
  checkouts: z
    .array(
      z.object({
        checkoutId: idSchema("chk"),
        plan: z.enum(PLAN_IDS),
        period: z.enum(BILLING_PERIODS),
        kind: z.enum(CHECKOUT_KINDS),
        status: z.enum(CHECKOUT_STATUSES),
        netHalalas: z.number().int(),
        vatHalalas: z.number().int(),
        totalHalalas: z.number().int(),
        createdAt: DateTimeSchema,
      }),
    )
    .openapi({ description: "Newest first, up to 50" }),
  payments: z
    .array(
      z.object({
        paymentId: idSchema("pay"),
        checkoutId: idSchema("chk"),
        moyasarPaymentId: z.string(),
        status: z.enum(PAYMENT_STATUSES),
        amountHalalas: z.number().int(),
        currency: z.string(),
        mismatch: z.string().nullable(),
        createdAt: DateTimeSchema,
      }),
    )
    .openapi({ description: "As Moyasar confirmed them, newest first, up to 50" }),
  taxInvoices: z.object({ invoices: TaxInvoiceTotalSchema, creditNotes: TaxInvoiceTotalSchema }),
  credits: z.array(BillingCreditSchema).openapi({ description: "Newest first, up to 50" }),
}).openapi("BillingTenantDetail");

const ExtendTrialSchema = z
  .strictObject({ days: z.number().int().min(1).max(30), reason: ReasonSchema })
  .openapi("TrialExtension");

const CreditInputSchema = z
  .strictObject({
    amountHalalas: z.number().int().min(100).max(1_000_000).openapi({ example: 50_000 }),
    reason: ReasonSchema,
  })
  .openapi("BillingCreditInput");

const tenantsRoute = createRoute({
  method: "get",
  path: "/admin/billing/tenants",
  tags: ["operator"],
  operationId: "listBillingTenants",
  summary: "Every tenant's plan, subscription status, trial and period end, and last payment",
  ...operatorAccess(),
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of tenants, newest first", ...jsonContent(pageSchema(BillingTenantSchema)) },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED"),
  },
});

const tenantRoute = createRoute({
  method: "get",
  path: "/admin/billing/tenants/{tenantId}",
  tags: ["operator"],
  operationId: "getBillingTenant",
  summary: "A tenant's subscription, checkouts, payments and tax invoice totals",
  ...operatorAccess(),
  request: { params: TenantParamSchema },
  responses: {
    200: { description: "The tenant's billing", ...jsonContent(BillingTenantDetailSchema) },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED", "NOT_FOUND"),
  },
});

const extendTrialRoute = createRoute({
  method: "post",
  path: "/admin/billing/tenants/{tenantId}/extend-trial",
  tags: ["operator"],
  operationId: "extendTrial",
  summary: "Give a trialing tenant (or one whose trial ran out unpaid) more trial days; audited",
  description:
    "The days count from the trial's end, or from now once it has passed; the tenant is trialing again. " +
    "A tenant that has paid (active, suspended after a renewal, canceled) is a 409.",
  ...operatorAccess(requireJsonBody()),
  request: { params: TenantParamSchema, ...jsonBody(ExtendTrialSchema) },
  responses: {
    200: {
      description: "The tenant's billing after the extension",
      ...jsonContent(BillingTenantDetailSchema),
    },
    ...problemResponses(
      "UNAUTHENTICATED",
      "CSRF_REJECTED",
      "VALIDATION_FAILED",
      "UNSUPPORTED_MEDIA_TYPE",
      "NOT_FOUND",
      "CONFLICT",
    ),
  },
});

const creditRoute = createRoute({
  method: "post",
  path: "/admin/billing/tenants/{tenantId}/credits",
  tags: ["operator"],
  operationId: "grantBillingCredit",
  summary: "Put a credit on a tenant's account, taken off its next checkout before VAT; audited",
  description:
    "Credits are taken whole, oldest first, while the checkout stays at 1 SAR or more before VAT; " +
    "one that does not fit waits for a later checkout. A credit is spent only when its checkout is paid.",
  ...operatorAccess(requireJsonBody()),
  request: { params: TenantParamSchema, ...jsonBody(CreditInputSchema) },
  responses: {
    201: {
      description: "The credit",
      ...jsonContent(
        BillingCreditSchema.extend({ tenantId: idSchema("ten") }).openapi("GrantedBillingCredit"),
      ),
    },
    ...problemResponses(
      "UNAUTHENTICATED",
      "CSRF_REJECTED",
      "VALIDATION_FAILED",
      "UNSUPPORTED_MEDIA_TYPE",
      "NOT_FOUND",
    ),
  },
});

export const billingConsoleApi = createRouter()
  .openapi(tenantsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await billingTenants(dbFor(c.env.DB), cursor, limit), 200);
  })
  .openapi(tenantRoute, async (c) => {
    const { tenantId } = c.req.valid("param");
    return c.json(await billingTenantDetail(dbFor(c.env.DB), tenantId), 200);
  })
  .openapi(extendTrialRoute, async (c) => {
    const { tenantId } = c.req.valid("param");
    return c.json(await extendTrial(operatorActOf(c), tenantId, c.req.valid("json")), 200);
  })
  .openapi(creditRoute, async (c) => {
    const { tenantId } = c.req.valid("param");
    return c.json(await grantCredit(operatorActOf(c), tenantId, c.req.valid("json")), 201);
  });
