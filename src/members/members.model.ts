import { z } from "@hono/zod-openapi";
import { ROLES } from "../platform/roles";
import {
  DateTimeSchema,
  EmailSchema,
  idSchema,
  MobilePhoneSchema,
  PersonNameSchema,
} from "../platform/schemas";

export const MemberSchema = z
  .object({
    userId: idSchema("usr"),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    role: z.enum(ROLES),
    joinedAt: DateTimeSchema,
  })
  .openapi("Member");

export const ChangeRoleInputSchema = z.strictObject({ role: z.enum(ROLES) }).openapi("ChangeRoleInput");

export const CreateInvitationInputSchema = z
  .strictObject({
    email: EmailSchema.optional(),
    phone: MobilePhoneSchema.optional(),
    role: z.enum(ROLES),
  })
  .refine((v) => (v.email === undefined) !== (v.phone === undefined), {
    message: "Give either an email or a phone number.",
    path: ["email"],
  })
  .openapi("CreateInvitationInput");

export const InvitationSchema = z
  .object({
    id: idSchema("inv"),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    role: z.enum(ROLES),
    invitedBy: idSchema("usr"),
    expiresAt: DateTimeSchema,
    createdAt: DateTimeSchema,
  })
  .openapi("Invitation");

export const CreatedInvitationSchema = z
  .object({
    invitation: InvitationSchema,
    acceptUrl: z
      .string()
      .openapi({ description: "Single-use link, also sent to the invitee. Shown only now." }),
    delivered: z.boolean().openapi({ description: "Whether the link was sent by email/WhatsApp" }),
  })
  .openapi("CreatedInvitation");

export const InvitationPreviewSchema = z
  .object({
    tenant: z.object({ name: z.object({ ar: z.string(), en: z.string() }) }),
    role: z.enum(ROLES),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    expiresAt: DateTimeSchema,
  })
  .openapi("InvitationPreview");

export const AcceptInvitationInputSchema = z
  .strictObject({
    name: PersonNameSchema.optional(),
    password: z.string().min(1).max(256).optional(),
    email: EmailSchema.optional(),
  })
  .openapi("AcceptInvitationInput", {
    description:
      "Empty when the caller is signed in (Bearer); otherwise name and password (and email for a phone invitation).",
  });

export type CreateInvitationInput = z.output<typeof CreateInvitationInputSchema>;
export type AcceptInvitationInput = z.output<typeof AcceptInvitationInputSchema>;
