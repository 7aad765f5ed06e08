import { z } from "@hono/zod-openapi";
import { SECRET_PATTERN } from "../platform/ids";
import { ROLES } from "../platform/roles";
import {
  EmailSchema as email,
  idSchema,
  PersonNameSchema,
  MobilePhoneSchema as phone,
} from "../platform/schemas";

const password = z.string().min(1).max(256).openapi({ example: "a long passphrase of yours" });
const tenantId = idSchema("ten");
const otpCode = z
  .string()
  .regex(/^\d{6}$/, "The code is six digits.")
  .openapi({ example: "123456" });

export const SignupInputSchema = z
  .strictObject({
    company: z.string().trim().min(2).max(120).openapi({ example: "عقارات الرياض" }),
    name: PersonNameSchema,
    email,
    password,
    phone: phone.optional(),
    locale: z.enum(["ar", "en"]).default("ar"),
  })
  .openapi("SignupInput");

export const LoginInputSchema = z
  .strictObject({ email, password, tenantId: tenantId.optional() })
  .openapi("LoginInput");

export const OtpRequestInputSchema = z.strictObject({ phone }).openapi("OtpRequestInput");

export const OtpVerifyInputSchema = z
  .strictObject({
    phone,
    code: otpCode,
    tenantId: tenantId.optional(),
  })
  .openapi("OtpVerifyInput");

export const PhoneVerificationInputSchema = z.strictObject({ phone }).openapi("PhoneVerificationInput", {
  description:
    "The account's own phone, or a new one: the account's phone changes once the code is confirmed.",
});

export const PhoneConfirmInputSchema = z.strictObject({ phone, code: otpCode }).openapi("PhoneConfirmInput");

export const EmailVerificationInputSchema = z.strictObject({ email }).openapi("EmailVerificationInput", {
  description: "The account's own email, or a new one: the sign-in email changes once the link is opened.",
});

export const EmailConfirmInputSchema = z
  .strictObject({ token: z.string().regex(SECRET_PATTERN).openapi({ description: "From the emailed link" }) })
  .openapi("EmailConfirmInput");

export const RefreshInputSchema = z
  .strictObject({ refreshToken: z.string().min(20).max(200) })
  .openapi("RefreshInput");

export const ForgotPasswordInputSchema = z.strictObject({ email }).openapi("ForgotPasswordInput");

export const ResetPasswordInputSchema = z
  .strictObject({ token: z.string().min(20).max(200), password })
  .openapi("ResetPasswordInput");

export const TenantSchema = z
  .object({
    id: tenantId,
    name: z.object({ ar: z.string(), en: z.string() }),
    locale: z.enum(["ar", "en"]),
    timezone: z.string(),
    status: z.enum(["active", "suspended"]),
  })
  .openapi("Tenant");

export const UserSchema = z
  .object({
    id: idSchema("usr"),
    name: z.string(),
    email: z.string(),
    emailVerified: z.boolean().openapi({
      description:
        "Whether the person proved the email (a link sent to it). Invitations match only verified addresses.",
    }),
    phone: z.string().nullable(),
    phoneVerified: z.boolean().openapi({
      description:
        "Whether the person proved the phone (a WhatsApp code). WhatsApp sign-in needs a verified phone.",
    }),
    locale: z.enum(["ar", "en"]),
  })
  .openapi("User");

export const TokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Access-token lifetime in seconds" }),
  })
  .openapi("TokenPair");

export const SessionSchema = TokenPairSchema.extend({
  tenant: TenantSchema,
  user: UserSchema,
  role: z.enum(ROLES),
}).openapi("Session");

export const AccountSchema = z
  .object({
    user: UserSchema,
    tenant: TenantSchema,
    role: z.enum(ROLES),
    workspaces: z.array(
      z.object({
        tenantId,
        name: z.object({ ar: z.string(), en: z.string() }),
        role: z.enum(ROLES),
      }),
    ),
  })
  .openapi("Account");

export const AcceptedSchema = z.object({ status: z.literal("accepted") }).openapi("Accepted", {
  description: "The same answer whether or not the phone or email belongs to an account.",
});

export type SignupInput = z.output<typeof SignupInputSchema>;
export type LoginInput = z.output<typeof LoginInputSchema>;
export type OtpVerifyInput = z.output<typeof OtpVerifyInputSchema>;
