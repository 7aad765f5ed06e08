import { z } from "@hono/zod-openapi";
import { normalizePhone } from "../platform/phone";
import { ROLES } from "../platform/roles";

export const MemberSchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    role: z.enum(ROLES),
    joinedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Member");

export const ChangeRoleInputSchema = z.strictObject({ role: z.enum(ROLES) }).openapi("ChangeRoleInput");

export const CreateInvitationInputSchema = z
  .strictObject({
    email: z
      .email()
      .max(254)
      .transform((v) => v.trim().toLowerCase())
      .optional(),
    phone: z
      .string()
      .max(32)
      .refine((v) => normalizePhone(v) !== null, { message: "Enter a mobile number such as +9665XXXXXXXX." })
      .transform((v) => normalizePhone(v) as string)
      .optional(),
    role: z.enum(ROLES),
  })
  .refine((v) => (v.email === undefined) !== (v.phone === undefined), {
    message: "Give either an email or a phone number.",
    path: ["email"],
  })
  .openapi("CreateInvitationInput");

export const InvitationSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    role: z.enum(ROLES),
    invitedBy: z.string(),
    expiresAt: z.string().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
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
    expiresAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("InvitationPreview");

export const AcceptInvitationInputSchema = z
  .strictObject({
    name: z.string().trim().min(2).max(100).optional(),
    password: z.string().min(1).max(256).optional(),
    email: z
      .email()
      .max(254)
      .transform((v) => v.trim().toLowerCase())
      .optional(),
  })
  .openapi("AcceptInvitationInput", {
    description:
      "Empty when the caller is signed in (Bearer); otherwise name and password (and email for a phone invitation).",
  });

export type CreateInvitationInput = z.output<typeof CreateInvitationInputSchema>;
export type AcceptInvitationInput = z.output<typeof AcceptInvitationInputSchema>;
