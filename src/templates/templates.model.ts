import { z } from "@hono/zod-openapi";
import { CustomFieldObjectSchema, CustomFieldTypeSchema } from "../custom-fields/custom-fields.model";
import { CUSTOM_FIELD_FORMATS } from "../custom-fields/custom-fields.schema";

const BilingualSchema = z.object({ ar: z.string(), en: z.string() });

export const TemplateKeyParamSchema = z.object({
  templateKey: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,39}$/)
    .openapi({ param: { name: "templateKey", in: "path" }, example: "real-estate" }),
});

export const TemplateSchema = z
  .object({
    key: z.string().openapi({ example: "real-estate" }),
    name: BilingualSchema,
    description: BilingualSchema,
    applied: z.boolean().openapi({
      description: "True once the tenant has any pipeline or custom field this template added.",
    }),
    pipelines: z.array(
      z.object({
        name: BilingualSchema,
        stages: z.array(
          z.object({
            name: BilingualSchema,
            kind: z.enum(["open", "won", "lost"]),
            probability: z.int().min(0).max(100),
          }),
        ),
      }),
    ),
    customFields: z.array(
      z.object({
        objectType: CustomFieldObjectSchema,
        key: z.string(),
        labelAr: z.string(),
        labelEn: z.string(),
        type: CustomFieldTypeSchema,
        options: z
          .array(z.object({ value: z.string(), labelAr: z.string(), labelEn: z.string() }))
          .nullable(),
        format: z.enum(CUSTOM_FIELD_FORMATS).nullable(),
      }),
    ),
  })
  .openapi("Template");

export const TemplateListSchema = z.object({ data: z.array(TemplateSchema) }).openapi("TemplateList");

export const APPLY_OUTCOMES = ["added", "already_applied", "key_taken", "limit_reached"] as const;

export const TemplateApplicationSchema = z
  .object({
    template: z.string().openapi({ example: "real-estate" }),
    pipelines: z.array(
      z.object({
        name: z.string().openapi({ description: "In the request's language, as stored." }),
        outcome: z.enum(["added", "already_applied"]),
        id: z.string().nullable().openapi({ description: "The new pipeline's id when added." }),
      }),
    ),
    customFields: z.array(
      z.object({
        objectType: CustomFieldObjectSchema,
        key: z.string(),
        outcome: z.enum(APPLY_OUTCOMES).openapi({
          description:
            "`already_applied`: this template added it before. `key_taken`: the tenant has its own field with this key, which is kept. `limit_reached`: the object already has the maximum of active fields.",
        }),
        id: z.string().nullable(),
      }),
    ),
  })
  .openapi("TemplateApplication");

export type ApplyOutcome = (typeof APPLY_OUTCOMES)[number];
