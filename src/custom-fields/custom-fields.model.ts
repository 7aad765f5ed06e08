import { z } from "@hono/zod-openapi";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { CUSTOM_FIELD_FORMATS, CUSTOM_FIELD_OBJECTS, CUSTOM_FIELD_TYPES } from "./custom-fields.schema";

/** Active fields an object may have; archived ones do not count (restoring one checks again). */
export const MAX_ACTIVE_FIELDS_PER_OBJECT = 50;

/**
 * The `custom` object records carry: values by field key, each checked on write against the
 * tenant's definitions for the record's object (`checkCustomValues`), null clearing a value.
 */
export const customValuesSchema = (description: string) =>
  z
    .record(z.string(), z.union([z.string(), z.number(), z.array(z.string()), z.null()]))
    .openapi({ description });
export const MAX_OPTIONS = 100;

export const CustomFieldObjectSchema = z.enum(CUSTOM_FIELD_OBJECTS).openapi({ example: "contact" });
export const CustomFieldTypeSchema = z.enum(CUSTOM_FIELD_TYPES).openapi({ example: "select" });

const KEY_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;
const OPTION_VALUE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const LabelSchema = z.string().trim().min(1).max(80);

export const CustomFieldOptionSchema = z
  .strictObject({
    value: z.string().regex(OPTION_VALUE_PATTERN).openapi({
      description: "Stored in records and used in filters; lower-case letters, digits, _ and -.",
      example: "olaya",
    }),
    labelAr: LabelSchema.openapi({ example: "العليا" }),
    labelEn: LabelSchema.openapi({ example: "Olaya" }),
  })
  .openapi("CustomFieldOption");

const OptionsSchema = z
  .array(CustomFieldOptionSchema)
  .min(1)
  .max(MAX_OPTIONS)
  .superRefine((options, ctx) => {
    const seen = new Set<string>();
    options.forEach((option, index) => {
      if (seen.has(option.value)) {
        ctx.addIssue({ code: "custom", path: [index, "value"], message: "Option values must be unique." });
      }
      seen.add(option.value);
    });
  });

const takesOptions = (type: string) => type === "select" || type === "multi_select";

export const CreateCustomFieldInputSchema = z
  .strictObject({
    objectType: CustomFieldObjectSchema,
    key: z.string().regex(KEY_PATTERN).openapi({
      description:
        "The field's key in a record's `custom` object and in `?custom.<key>=` filters: lower-case letters, digits and _, starting with a letter, 2–40 characters. Unique per object; it never changes.",
      example: "district",
    }),
    labelAr: LabelSchema.openapi({ example: "الحي" }),
    labelEn: LabelSchema.openapi({ example: "District" }),
    type: CustomFieldTypeSchema,
    options: OptionsSchema.optional().openapi({
      description: "Required for select and multi_select, refused otherwise.",
    }),
    required: z.boolean().default(false),
  })
  .superRefine((input, ctx) => {
    if (takesOptions(input.type) && !input.options) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "A select field needs options." });
    }
    if (!takesOptions(input.type) && input.options) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "Only select fields have options." });
    }
  })
  .openapi("CreateCustomFieldInput");

export const UpdateCustomFieldInputSchema = z
  .strictObject({
    labelAr: LabelSchema.optional(),
    labelEn: LabelSchema.optional(),
    options: OptionsSchema.optional().openapi({
      description:
        "The whole new list (select fields only). Removing an option that records still use is allowed: those records keep the old value, which no longer matches an option, is shown as stored, and must be changed to a current option (or cleared) the next time that field is written.",
    }),
    required: z.boolean().optional().openapi({
      description: "Applies to later writes; records saved without a value keep none until edited.",
    }),
    position: z.int().min(0).max(10_000).optional().openapi({ description: "Display order, lowest first." }),
  })
  .refine((input) => Object.keys(input).length > 0, { message: "Send at least one field to change." })
  .openapi("UpdateCustomFieldInput");

export const CustomFieldListQuerySchema = z.object({
  objectType: CustomFieldObjectSchema.optional().openapi({
    param: { name: "objectType", in: "query" },
    description: "Only this object's fields.",
  }),
});

export const CustomFieldSchema = z
  .object({
    id: idSchema("cfd"),
    objectType: CustomFieldObjectSchema,
    key: z.string(),
    labelAr: z.string(),
    labelEn: z.string(),
    type: CustomFieldTypeSchema,
    options: z.array(CustomFieldOptionSchema).nullable(),
    required: z.boolean(),
    format: z.enum(CUSTOM_FIELD_FORMATS).nullable().openapi({
      description:
        "A check every write of a text value must pass (set by industry templates): `rega_ad_licence` is a REGA real-estate advertising licence number.",
    }),
    position: z.int(),
    template: z.string().nullable().openapi({ description: "The industry template that added it, if any." }),
    archivedAt: DateTimeSchema.nullable().openapi({
      description:
        "Set when archived: the field is hidden from forms and cannot be written; stored values stay.",
    }),
    createdAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
  })
  .openapi("CustomField");

export const CustomFieldListSchema = z
  .object({ data: z.array(CustomFieldSchema) })
  .openapi("CustomFieldList", {
    description: `Every field, archived ones included, by object then display order (at most ${MAX_ACTIVE_FIELDS_PER_OBJECT} active per object, so no pages).`,
  });

export type CreateCustomFieldInput = z.output<typeof CreateCustomFieldInputSchema>;
export type UpdateCustomFieldInput = z.output<typeof UpdateCustomFieldInputSchema>;
