import { z } from "@hono/zod-openapi";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { DUPLICATE_ACTIONS, IMPORT_FIELDS, IMPORT_STATUSES } from "./imports.schema";

const MappingTargetSchema = z.union([
  z.enum(IMPORT_FIELDS),
  z
    .string()
    .regex(/^custom\.[a-z][a-z0-9_]{1,39}$/)
    .openapi({ description: "An active contact custom field: `custom.<key>`." }),
]);

const MappingSchema = z.record(z.string().regex(/^\d{1,2}$/), MappingTargetSchema).openapi({
  description:
    "CSV column index (0-based, as a string) → contact field, or `custom.<key>` for an active contact custom field. Unmapped columns are ignored.",
  example: { "0": "name", "1": "phone", "2": "email", "3": "custom.budget" },
});

export const ImportSchema = z
  .object({
    id: idSchema("imp"),
    status: z.enum(IMPORT_STATUSES),
    fileName: z.string().nullable(),
    encoding: z.enum(["utf-8", "utf-8-bom", "windows-1256"]).openapi({
      description: "What the file was read as: UTF-8 (with or without BOM), or Windows-1256 (Arabic Excel).",
    }),
    headers: z.array(z.string()),
    mapping: MappingSchema.nullable(),
    duplicateAction: z.enum(DUPLICATE_ACTIONS).nullable(),
    totalRows: z.int(),
    processedRows: z.int(),
    createdCount: z.int(),
    updatedCount: z.int(),
    skippedCount: z.int(),
    errorCount: z.int(),
    failureReason: z.string().nullable(),
    createdAt: DateTimeSchema,
    startedAt: DateTimeSchema.nullable(),
    finishedAt: DateTimeSchema.nullable(),
    rowsPurgedAt: DateTimeSchema.nullable().openapi({
      description:
        "When the file's values were deleted (7 days after the import finished): from then on the errors list keeps each bad row's number and errors, with `values` empty.",
    }),
  })
  .openapi("Import");

export const UploadedImportSchema = z
  .object({
    import: ImportSchema,
    preview: z.array(z.array(z.string())).openapi({ description: "The first rows after the header." }),
    suggestedMapping: MappingSchema,
  })
  .openapi("UploadedImport");

export const ImportMappingInputSchema = z
  .strictObject({
    mapping: MappingSchema,
    duplicateAction: z.enum(DUPLICATE_ACTIONS).openapi({
      description:
        "What to do with a row that matches a stored contact (phone, then email, then name) or repeats an earlier row: `skip` it, `update` the stored contact with the row's non-empty values (phones and tags are added), or `create` a new contact anyway.",
    }),
  })
  .openapi("ImportMappingInput");

export const UploadQuerySchema = z.object({
  fileName: z.string().trim().max(200).optional().openapi({ description: "Shown in the import's history." }),
});

export const ImportErrorSchema = z
  .object({
    rowNumber: z.int().openapi({ description: "1 is the first row after the header" }),
    values: z.array(z.string()),
    errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })),
  })
  .openapi("ImportRowError");

export const ImportErrorsQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional()
    .openapi({ description: "`nextCursor` of the previous page" }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
