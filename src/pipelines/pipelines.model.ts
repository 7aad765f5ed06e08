import { z } from "@hono/zod-openapi";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { STAGE_KINDS } from "./pipelines.schema";

const PipelineNameSchema = z.string().trim().min(1).max(80).openapi({ example: "المبيعات" });
const StageNameSchema = z.string().trim().min(1).max(60).openapi({ example: "تفاوض" });
const ProbabilitySchema = z
  .int()
  .min(0)
  .max(100)
  .openapi({ description: "Likelihood (0–100) that a deal in this stage closes won", example: 50 });

export const StageSchema = z
  .object({
    id: idSchema("stg"),
    pipelineId: idSchema("pip"),
    name: z.string(),
    kind: z.enum(STAGE_KINDS),
    probability: z.int(),
    position: z.int(),
    archivedAt: DateTimeSchema.nullable(),
  })
  .openapi("Stage");

export const PipelineSchema = z
  .object({
    id: idSchema("pip"),
    name: z.string(),
    isDefault: z.boolean(),
    position: z.int(),
    archivedAt: DateTimeSchema.nullable(),
    createdAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
    stages: z.array(StageSchema).openapi({ description: "Live stages in board order" }),
  })
  .openapi("Pipeline");

export const PipelineListSchema = z.object({ data: z.array(PipelineSchema) }).openapi("PipelineList");

export const PipelineListQuerySchema = z.object({
  includeArchived: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true")
    .openapi({ description: "Also list archived pipelines" }),
});

const NewStageSchema = z.strictObject({
  name: StageNameSchema,
  kind: z.enum(STAGE_KINDS),
  probability: ProbabilitySchema.optional(),
});

export const CreatePipelineInputSchema = z
  .strictObject({
    name: PipelineNameSchema,
    isDefault: z.boolean().optional(),
    stages: z
      .array(NewStageSchema)
      .min(1)
      .max(30)
      .optional()
      .openapi({ description: "In board order; without it the usual sales stages plus Won and Lost" }),
  })
  .openapi("CreatePipelineInput");

export const UpdatePipelineInputSchema = z
  .strictObject({
    name: PipelineNameSchema.optional(),
    isDefault: z
      .literal(true)
      .optional()
      .openapi({ description: "Make this the default pipeline (the previous default stops being one)" }),
  })
  .openapi("UpdatePipelineInput");

export const CreateStageInputSchema = NewStageSchema.openapi("CreateStageInput");

export const UpdateStageInputSchema = z
  .strictObject({
    name: StageNameSchema.optional(),
    kind: z.enum(STAGE_KINDS).optional(),
    probability: ProbabilitySchema.optional(),
  })
  .openapi("UpdateStageInput");

export const ReorderStagesInputSchema = z
  .strictObject({
    stageIds: z
      .array(idSchema("stg"))
      .min(1)
      .max(100)
      .openapi({ description: "Every live stage of the pipeline, once each, in the new order" }),
  })
  .openapi("ReorderStagesInput");

export const ArchiveStageInputSchema = z
  .strictObject({
    moveDealsToStageId: idSchema("stg")
      .optional()
      .openapi({ description: "A live stage of the same pipeline to move this stage's deals to" }),
  })
  .openapi("ArchiveStageInput");

export type StageKind = (typeof STAGE_KINDS)[number];
