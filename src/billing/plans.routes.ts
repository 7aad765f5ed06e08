import { createRoute, z } from "@hono/zod-openapi";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { HalalasSchema } from "../platform/schemas";
import { BILLING_PERIODS, PLAN_FEATURES, PLAN_IDS } from "./plans";
import { PUBLIC_PLANS } from "./plans.view";

const PriceSchema = z.object({
  beforeVatHalalas: HalalasSchema,
  vatHalalas: HalalasSchema,
  totalHalalas: HalalasSchema.openapi({ description: "With 15 % VAT" }),
  formatted: z.object({
    beforeVat: z.string().openapi({ example: "990.00" }),
    vat: z.string().openapi({ example: "148.50" }),
    total: z.string().openapi({ example: "1138.50" }),
  }),
});

const PlanSchema = z
  .object({
    id: z.enum(PLAN_IDS),
    name: z.object({ ar: z.string(), en: z.string() }),
    selfServe: z.boolean().openapi({ description: "False when the plan is agreed with sales (Enterprise)" }),
    prices: z
      .object(
        Object.fromEntries(BILLING_PERIODS.map((period) => [period, PriceSchema])) as Record<
          (typeof BILLING_PERIODS)[number],
          typeof PriceSchema
        >,
      )
      .nullable()
      .openapi({ description: "Per billing period; null when agreed with sales" }),
    yearlySaving: z
      .object({
        beforeVatHalalas: HalalasSchema,
        totalHalalas: HalalasSchema,
        formatted: z.string(),
        percent: z.number().openapi({ example: 16.7 }),
      })
      .nullable(),
    limits: z.object({
      seats: z.int(),
      contacts: z.int(),
      whatsappMessagesPerMonth: z.int(),
      aiCallsPerMonth: z.int(),
      apiPerTenantPerMinute: z.int(),
      apiPerKeyPerMinute: z.int(),
    }),
    features: z.array(z.enum(PLAN_FEATURES)),
  })
  .openapi("Plan");

const PlanCatalogueSchema = z
  .object({ currency: z.literal("SAR"), vatRatePercent: z.literal(15), data: z.array(PlanSchema) })
  .openapi("PlanCatalogue");

const CACHE_HEADERS = {
  "Cache-Control": { description: "`public, max-age=300`", schema: { type: "string" as const } },
  ETag: { description: "Send it back as If-None-Match to get a 304", schema: { type: "string" as const } },
};

const listPlansRoute = createRoute({
  method: "get",
  path: "/plans",
  tags: ["billing"],
  operationId: "listPlans",
  security: [],
  summary: "The plans, their prices before and with VAT, limits and features",
  description:
    "Public and cacheable (five minutes). Prices are in halalas, before and with 15 % VAT; yearly billing is ten months' price for twelve.",
  request: {
    headers: z.object({ "if-none-match": z.string().max(1000).optional() }),
  },
  responses: {
    200: { description: "The catalogue", headers: CACHE_HEADERS, ...jsonContent(PlanCatalogueSchema) },
    304: { description: "Unchanged since the ETag sent", headers: CACHE_HEADERS },
    ...problemResponses("VALIDATION_FAILED"),
  },
});

// The catalogue only changes with a deploy: its body and ETag are made once per isolate.
const body = JSON.stringify(PUBLIC_PLANS);
let etag: Promise<string> | undefined;
const etagOfCatalogue = () => {
  etag ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)).then((digest) => {
    const hex = [...new Uint8Array(digest).subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0"));
    return `"${hex.join("")}"`;
  });
  return etag;
};

/** If-None-Match matches: `*`, or one of its comma-separated tags, weak or strong. */
const matches = (ifNoneMatch: string | undefined, tag: string) =>
  (ifNoneMatch ?? "").split(",").some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === tag;
  });

export const plansApi = createRouter().openapi(listPlansRoute, async (c) => {
  const tag = await etagOfCatalogue();
  const headers = { "Cache-Control": "public, max-age=300", ETag: tag };
  if (matches(c.req.valid("header")["if-none-match"], tag)) return c.body(null, 304, headers);
  return c.body(body, 200, { ...headers, "Content-Type": "application/json" });
});
