import { z } from "@hono/zod-openapi";
import { customValuesSchema } from "../custom-fields/custom-fields.model";
import { PageQuerySchema } from "../platform/pagination";
import { DateTimeSchema, EmailSchema, idSchema, MobilePhoneSchema } from "../platform/schemas";
import { CONTACT_SOURCES, CONTACT_STATUSES } from "./contacts.schema";

export const MAX_PHONES = 5;
export const MAX_TAGS = 20;

/** A tag as stored: trimmed, inner spaces collapsed, Latin letters lower-cased. */
export const TagSchema = z
  .string()
  .transform((tag) => tag.trim().replace(/\s+/g, " ").toLowerCase())
  .pipe(z.string().min(1).max(40))
  .openapi({ example: "vip" });

export const ContactNameSchema = z.string().trim().min(1).max(150).openapi({ example: "نورة العتيبي" });

const CustomValuesSchema = customValuesSchema("Custom field values by field key (see /custom-fields).");

const contactFields = {
  name: ContactNameSchema,
  phones: z
    .array(MobilePhoneSchema)
    .max(MAX_PHONES)
    .openapi({ description: "Mobile numbers in any local form; stored as E.164, first is primary." }),
  email: EmailSchema.nullable(),
  source: z.enum(CONTACT_SOURCES),
  status: z.enum(CONTACT_STATUSES),
  ownerId: idSchema("usr")
    .nullable()
    .openapi({ description: "The member the lead is assigned to. Agents may assign only to themselves." }),
  companyId: idSchema("com").nullable(),
  tags: z.array(TagSchema).max(MAX_TAGS),
  notes: z.string().trim().max(5000).nullable(),
  custom: CustomValuesSchema,
};

export const CreateContactInputSchema = z
  .strictObject({
    ...contactFields,
    phones: contactFields.phones.default([]),
    email: contactFields.email.optional(),
    status: contactFields.status.default("new"),
    ownerId: contactFields.ownerId
      .optional()
      .openapi({ description: "Leave out to assign by the tenant's rule (manual or round-robin)." }),
    companyId: contactFields.companyId.optional(),
    tags: contactFields.tags.default([]),
    notes: contactFields.notes.optional(),
    custom: CustomValuesSchema.default({}),
    onDuplicate: z.enum(["refuse", "create"]).default("refuse").openapi({
      description:
        "`refuse` (default): answer 409 DUPLICATE_CONTACT when a contact with the same phone, email or name exists; `create`: create it anyway.",
    }),
  })
  .openapi("CreateContactInput");

export const UpdateContactInputSchema = z
  .strictObject({
    name: contactFields.name.optional(),
    phones: contactFields.phones.optional(),
    email: contactFields.email.optional(),
    source: contactFields.source.optional(),
    status: contactFields.status.optional(),
    ownerId: contactFields.ownerId.optional(),
    companyId: contactFields.companyId.optional(),
    tags: contactFields.tags.optional(),
    notes: contactFields.notes.optional(),
    custom: CustomValuesSchema.optional(),
  })
  .openapi("UpdateContactInput");

export const ContactSchema = z
  .object({
    id: idSchema("con"),
    name: z.string(),
    phones: z.array(z.string()),
    email: z.string().nullable(),
    source: z.enum(CONTACT_SOURCES),
    status: z.enum(CONTACT_STATUSES),
    ownerId: z.string().nullable(),
    companyId: z.string().nullable(),
    tags: z.array(z.string()),
    notes: z.string().nullable(),
    custom: CustomValuesSchema,
    createdAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
    lastContactedAt: DateTimeSchema.nullable(),
    mergedIntoId: z
      .string()
      .nullable()
      .openapi({ description: "Set when this contact was merged into another." }),
    version: z.int().openapi({ description: 'Send it back as If-Match (`"3"`) when updating.' }),
  })
  .openapi("Contact");

export const CONTACT_SORTS = ["-createdAt", "createdAt", "name", "-updatedAt"] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

export const ContactListQuerySchema = PageQuerySchema.extend({
  status: z.enum(CONTACT_STATUSES).optional(),
  source: z.enum(CONTACT_SOURCES).optional(),
  ownerId: z
    .union([idSchema("usr"), z.enum(["me", "none"])])
    .optional()
    .openapi({ description: "A member id, `me`, or `none` for unassigned leads." }),
  companyId: idSchema("com").optional(),
  tag: TagSchema.optional(),
  q: z.string().trim().min(1).max(100).optional().openapi({ description: "Search within the list" }),
  sort: z.enum(CONTACT_SORTS).default("-createdAt"),
});
export type ContactListQuery = z.infer<typeof ContactListQuerySchema>;

export const DuplicateMatchSchema = z
  .object({
    id: idSchema("con"),
    name: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    ownerId: z.string().nullable(),
    matchedOn: z.enum(["phone", "email", "name"]),
  })
  .openapi("DuplicateMatch");

export const MergeContactInputSchema = z
  .strictObject({ otherId: idSchema("con").openapi({ description: "The contact merged into this one" }) })
  .openapi("MergeContactInput");
