import { z } from "@hono/zod-openapi";
import { customValuesSchema } from "../custom-fields/custom-fields.model";
import { STAGE_KINDS } from "../pipelines/pipelines.schema";
import { PageQuerySchema } from "../platform/pagination";
import { DateTimeSchema, HalalasSchema, idSchema } from "../platform/schemas";

const TitleSchema = z.string().trim().min(1).max(200).openapi({ example: "فيلا حي الملقا" });

/** A calendar date, not an instant: the day the deal is expected to close, in the tenant's zone. */
const CalendarDateSchema = z.iso.date().openapi({ example: "2026-12-31" });

const LostReasonSchema = z.string().trim().max(500);

// The same shape as a contact's custom values; each value is checked against the tenant's deal fields.
const CustomValuesSchema = customValuesSchema(
  "Custom field values by field key (see /custom-fields, objectType `deal`).",
);

export const DealSchema = z
  .object({
    id: idSchema("deal"),
    title: z.string(),
    contactId: idSchema("con").nullable(),
    companyId: idSchema("com").nullable(),
    pipelineId: idSchema("pip"),
    stageId: idSchema("stg"),
    status: z.enum(STAGE_KINDS).openapi({ description: "The kind of the deal's stage: open, won or lost" }),
    amountHalalas: HalalasSchema,
    expectedCloseOn: CalendarDateSchema.nullable(),
    ownerId: idSchema("usr").nullable(),
    lostReason: z.string().nullable(),
    boardRank: z.number().openapi({ description: "Order within its stage column (ascending)" }),
    custom: CustomValuesSchema,
    createdAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
    stageChangedAt: DateTimeSchema,
    closedAt: DateTimeSchema.nullable(),
    version: z.int().openapi({ description: 'Send it back as If-Match (`"3"`) to update' }),
  })
  .openapi("Deal");

export const DEAL_SORTS = [
  "-updatedAt",
  "updatedAt",
  "-createdAt",
  "createdAt",
  "-amountHalalas",
  "amountHalalas",
] as const;
export type DealSort = (typeof DEAL_SORTS)[number];

export const DealListQuerySchema = PageQuerySchema.extend({
  pipelineId: idSchema("pip").optional(),
  stageId: idSchema("stg").optional(),
  ownerId: idSchema("usr").optional(),
  contactId: idSchema("con").optional(),
  companyId: idSchema("com").optional(),
  status: z.enum(STAGE_KINDS).optional(),
  sort: z
    .enum(DEAL_SORTS)
    .default("-updatedAt")
    .openapi({ description: "Field to sort by; a leading `-` sorts descending" }),
});

export const CreateDealInputSchema = z
  .strictObject({
    title: TitleSchema,
    pipelineId: idSchema("pip")
      .optional()
      .openapi({ description: "Defaults to the tenant's default pipeline (created if the tenant has none)" }),
    stageId: idSchema("stg")
      .optional()
      .openapi({ description: "Defaults to the pipeline's first open stage" }),
    contactId: idSchema("con").nullable().optional(),
    companyId: idSchema("com").nullable().optional(),
    amountHalalas: HalalasSchema.optional(),
    expectedCloseOn: CalendarDateSchema.nullable().optional(),
    ownerId: idSchema("usr").nullable().optional().openapi({
      description: "A member of the tenant; defaults to the creator (agents always own what they create)",
    }),
    custom: CustomValuesSchema.default({}),
  })
  .openapi("CreateDealInput");

export const UpdateDealInputSchema = z
  .strictObject({
    title: TitleSchema.optional(),
    contactId: idSchema("con").nullable().optional(),
    companyId: idSchema("com").nullable().optional(),
    amountHalalas: HalalasSchema.optional(),
    expectedCloseOn: CalendarDateSchema.nullable().optional(),
    ownerId: idSchema("usr").nullable().optional(),
    lostReason: LostReasonSchema.nullable().optional(),
    custom: CustomValuesSchema.optional().openapi({
      description: "A merge patch: the keys sent are set, `null` removes a value, others stay as they are.",
    }),
  })
  .openapi("UpdateDealInput");

export const MoveDealInputSchema = z
  .strictObject({
    stageId: idSchema("stg"),
    beforeDealId: idSchema("deal").optional().openapi({
      description: "Place the deal just above this deal of the target stage; without it, at the end",
    }),
  })
  .openapi("MoveDealInput");

export const StageChangeSchema = z
  .object({
    id: idSchema("dsh"),
    dealId: idSchema("deal"),
    pipelineId: idSchema("pip"),
    fromStageId: idSchema("stg").nullable(),
    fromStageName: z.string().nullable(),
    toStageId: idSchema("stg"),
    toStageName: z.string().nullable(),
    actor: z.object({ type: z.enum(["user", "api_key", "system"]), id: z.string().nullable() }),
    at: DateTimeSchema,
  })
  .openapi("StageChange");
