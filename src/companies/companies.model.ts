import { z } from "@hono/zod-openapi";
import { customValuesSchema } from "../custom-fields/custom-fields.model";
import { PageQuerySchema } from "../platform/pagination";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { asciiDigits } from "../platform/text-normalise";

const digitsOnly = (value: unknown) =>
  typeof value === "string" ? asciiDigits(value.normalize("NFKC")).replace(/[\s-]/g, "") : value;

/** A ZATCA VAT registration number: 15 digits, starting and ending with 3. */
export const VatNumberSchema = z
  .preprocess(
    digitsOnly,
    z.string().regex(/^3\d{13}3$/, "A VAT number has 15 digits and starts and ends with 3."),
  )
  .openapi({ example: "310123456700003" });

/** A commercial registration (CR) number: 10 digits. */
export const CrNumberSchema = z
  .preprocess(digitsOnly, z.string().regex(/^\d{10}$/, "A CR number has 10 digits."))
  .openapi({ example: "1010123456" });

const WebsiteSchema = z
  .url({ protocol: /^https?$/, message: "Enter a web address starting with https://" })
  .max(2000)
  .openapi({ example: "https://riyadh-realty.sa" });

const line = z.string().trim().min(1).max(120);
export const NationalAddressSchema = z
  .strictObject({
    buildingNumber: z
      .string()
      .trim()
      .regex(/^\d{4}$/, "Four digits")
      .optional(),
    street: line.optional(),
    district: line.optional(),
    city: line.optional(),
    postalCode: z
      .string()
      .trim()
      .regex(/^\d{5}$/, "Five digits")
      .optional(),
    additionalNumber: z
      .string()
      .trim()
      .regex(/^\d{4}$/, "Four digits")
      .optional(),
  })
  .openapi("NationalAddress", { description: "The Saudi national address (SPL)" });

const CustomValuesSchema = customValuesSchema(
  "Custom field values by field key (see /custom-fields, objectType `company`). On update, a merge patch: keys sent replace, null clears.",
);

const CompanyNameSchema = z.string().trim().min(1).max(200).openapi({ example: "شركة الرياض للتطوير" });

export const CreateCompanyInputSchema = z
  .strictObject({
    name: CompanyNameSchema,
    vatNumber: VatNumberSchema.nullable().optional(),
    crNumber: CrNumberSchema.nullable().optional(),
    nationalAddress: NationalAddressSchema.nullable().optional(),
    website: WebsiteSchema.nullable().optional(),
    ownerId: idSchema("usr").nullable().optional(),
    custom: CustomValuesSchema.default({}),
  })
  .openapi("CreateCompanyInput");

export const UpdateCompanyInputSchema = CreateCompanyInputSchema.extend({ custom: CustomValuesSchema })
  .partial()
  .openapi("UpdateCompanyInput");

export const CompanySchema = z
  .object({
    id: idSchema("com"),
    name: z.string(),
    vatNumber: z.string().nullable(),
    crNumber: z.string().nullable(),
    nationalAddress: NationalAddressSchema.nullable(),
    website: z.string().nullable(),
    ownerId: z.string().nullable(),
    contactCount: z.int(),
    custom: CustomValuesSchema,
    createdAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
    version: z.int(),
  })
  .openapi("Company");

export const CompanyListQuerySchema = PageQuerySchema.extend({
  ownerId: idSchema("usr").optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: "Search by name, VAT number or CR number" }),
});
export type CompanyListQuery = z.infer<typeof CompanyListQuerySchema>;
