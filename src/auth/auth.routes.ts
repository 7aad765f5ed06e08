import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { requestContext } from "../platform/context";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { account } from "./account.service";
import {
  AcceptedSchema,
  AccountSchema,
  EmailConfirmInputSchema,
  EmailVerificationInputSchema,
  ForgotPasswordInputSchema,
  LoginInputSchema,
  OtpRequestInputSchema,
  OtpVerifyInputSchema,
  PhoneConfirmInputSchema,
  PhoneVerificationInputSchema,
  RefreshInputSchema,
  ResetPasswordInputSchema,
  SessionSchema,
  SignupInputSchema,
  TokenPairSchema,
  UserSchema,
} from "./auth.model";
import { forgotPassword, resetPassword } from "./password-reset.service";
import { logout, refresh } from "./session.service";
import { login, requestOtp, verifyOtp } from "./signin.service";
import { signup } from "./signup.service";
import { confirmEmail, confirmPhone, sendEmailLink, sendPhoneCode } from "./verification.service";

const signupRoute = createRoute({
  method: "post",
  path: "/auth/signup",
  tags: ["auth"],
  operationId: "signup",
  security: [],
  summary: "Create a company (tenant) and its owner, and sign in",
  request: jsonBody(SignupInputSchema),
  responses: {
    201: { description: "Created and signed in", ...jsonContent(SessionSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "CONFLICT",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
      "UNSUPPORTED_MEDIA_TYPE",
      "PAYLOAD_TOO_LARGE",
    ),
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  operationId: "login",
  security: [],
  summary: "Sign in with email and password",
  description:
    "Wrong password and unknown email get the same 401. Without tenantId, signs in to the oldest workspace.",
  request: jsonBody(LoginInputSchema),
  responses: {
    200: { description: "Signed in", ...jsonContent(SessionSchema) },
    ...problemResponses(
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
      "MALFORMED_REQUEST",
    ),
  },
});

const otpRequestRoute = createRoute({
  method: "post",
  path: "/auth/otp/request",
  tags: ["auth"],
  operationId: "requestOtp",
  security: [],
  summary: "Send a six-digit sign-in code over WhatsApp",
  description:
    "202 whether or not the phone belongs to an account: when it does, the code is sent after the answer. 503 (for every phone) when WhatsApp cannot take messages now.",
  request: jsonBody(OtpRequestInputSchema),
  responses: {
    202: { description: "Accepted", ...jsonContent(AcceptedSchema) },
    ...problemResponses("VALIDATION_FAILED", "RATE_LIMITED", "MALFORMED_REQUEST", "UNAVAILABLE"),
  },
});

const otpVerifyRoute = createRoute({
  method: "post",
  path: "/auth/otp/verify",
  tags: ["auth"],
  operationId: "verifyOtp",
  security: [],
  summary: "Sign in with the WhatsApp code (five minutes, single use, five attempts)",
  request: jsonBody(OtpVerifyInputSchema),
  responses: {
    200: { description: "Signed in", ...jsonContent(SessionSchema) },
    ...problemResponses(
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
      "MALFORMED_REQUEST",
    ),
  },
});

const refreshRoute = createRoute({
  method: "post",
  path: "/auth/refresh",
  tags: ["auth"],
  operationId: "refresh",
  security: [],
  summary: "Exchange a refresh token for a new token pair (the old one stops working)",
  description: "Presenting an already-exchanged refresh token ends the whole session (reuse detection).",
  request: jsonBody(RefreshInputSchema),
  responses: {
    200: { description: "New tokens", ...jsonContent(TokenPairSchema) },
    ...problemResponses("UNAUTHENTICATED", "VALIDATION_FAILED", "RATE_LIMITED", "MALFORMED_REQUEST"),
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  operationId: "logout",
  security: [],
  summary: "End the session the refresh token belongs to",
  request: jsonBody(RefreshInputSchema),
  responses: {
    204: { description: "Signed out (also for an unknown or already revoked token)" },
    ...problemResponses("VALIDATION_FAILED", "MALFORMED_REQUEST"),
  },
});

const forgotRoute = createRoute({
  method: "post",
  path: "/auth/password/forgot",
  tags: ["auth"],
  operationId: "forgotPassword",
  security: [],
  summary: "Email a password-reset link (valid one hour)",
  description: "Always 202, whether or not the email belongs to an account.",
  request: jsonBody(ForgotPasswordInputSchema),
  responses: {
    202: { description: "Accepted", ...jsonContent(AcceptedSchema) },
    ...problemResponses("VALIDATION_FAILED", "RATE_LIMITED", "MALFORMED_REQUEST", "UNAVAILABLE"),
  },
});

const resetRoute = createRoute({
  method: "post",
  path: "/auth/password/reset",
  tags: ["auth"],
  operationId: "resetPassword",
  security: [],
  summary: "Set a new password from a reset link; signs out every session",
  request: jsonBody(ResetPasswordInputSchema),
  responses: {
    204: { description: "Password changed" },
    ...problemResponses("VALIDATION_FAILED", "MALFORMED_REQUEST"),
  },
});

const meRoute = createRoute({
  method: "get",
  path: "/auth/me",
  tags: ["auth"],
  operationId: "getAccount",
  summary: "The signed-in user, tenant, role and other workspaces",
  ...access({ role: "agent" }),
  responses: {
    200: { description: "Account", ...jsonContent(AccountSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

// Proving an email or phone is for signed-in people: API keys have no email or phone of their own.
const phoneVerificationRoute = createRoute({
  method: "post",
  tags: ["auth"],
  ...access({ role: "agent" }),
  path: "/auth/phone/verification",
  operationId: "sendPhoneVerification",
  summary: "Send a WhatsApp code to prove a phone number (the account's own, or a new one)",
  description:
    "The code is valid for 10 minutes, five attempts, and only for the account that asked. The account's phone changes once the code is confirmed. 409 when the number is verified on an account already; 503 when the code could not be sent.",
  request: jsonBody(PhoneVerificationInputSchema),
  responses: {
    202: { description: "Code sent", ...jsonContent(AcceptedSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
      "UNAVAILABLE",
    ),
  },
});

const phoneVerifyRoute = createRoute({
  method: "post",
  tags: ["auth"],
  ...access({ role: "agent" }),
  path: "/auth/phone/verify",
  operationId: "verifyPhone",
  summary: "Confirm a phone number with its WhatsApp code",
  description:
    "The number becomes the account's, verified (WhatsApp sign-in and invitations by phone now reach this account), and is taken from any other account that held it unverified.",
  request: jsonBody(PhoneConfirmInputSchema),
  responses: {
    200: { description: "Verified", ...jsonContent(UserSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
    ),
  },
});

const emailVerificationRoute = createRoute({
  method: "post",
  tags: ["auth"],
  ...access({ role: "agent" }),
  path: "/auth/email/verification",
  operationId: "sendEmailVerification",
  summary: "Email a link that proves an address (the account's own, or a new sign-in email)",
  description:
    "The link is valid for 24 hours, once, and only while signed in to the account that asked. The sign-in email changes once it is opened. 409 when the address is verified on an account already; 503 when the email could not be sent.",
  request: jsonBody(EmailVerificationInputSchema),
  responses: {
    202: { description: "Link sent", ...jsonContent(AcceptedSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
      "UNAVAILABLE",
    ),
  },
});

const emailVerifyRoute = createRoute({
  method: "post",
  tags: ["auth"],
  ...access({ role: "agent" }),
  path: "/auth/email/verify",
  operationId: "verifyEmail",
  summary: "Confirm an email address with the token from its link",
  request: jsonBody(EmailConfirmInputSchema),
  responses: {
    200: { description: "Verified", ...jsonContent(UserSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "CONFLICT",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
    ),
  },
});

export const authApi = createRouter()
  .openapi(signupRoute, async (c) => {
    const { phoneCode: _, ...session } = await signup(requestContext(c), c.req.valid("json"));
    return c.json(session, 201);
  })
  .openapi(loginRoute, async (c) => c.json(await login(requestContext(c), c.req.valid("json")), 200))
  .openapi(otpRequestRoute, async (c) => {
    await requestOtp(requestContext(c), c.req.valid("json").phone);
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(otpVerifyRoute, async (c) => c.json(await verifyOtp(requestContext(c), c.req.valid("json")), 200))
  .openapi(refreshRoute, async (c) =>
    c.json(await refresh(requestContext(c), c.req.valid("json").refreshToken), 200),
  )
  .openapi(logoutRoute, async (c) => {
    await logout(requestContext(c), c.req.valid("json").refreshToken);
    return c.body(null, 204);
  })
  .openapi(forgotRoute, async (c) => {
    await forgotPassword(requestContext(c), c.req.valid("json").email);
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(resetRoute, async (c) => {
    const input = c.req.valid("json");
    await resetPassword(requestContext(c), input.token, input.password);
    return c.body(null, 204);
  })
  .openapi(meRoute, async (c) => c.json(await account(tenantOf(c)), 200))
  .openapi(phoneVerificationRoute, async (c) => {
    await sendPhoneCode(tenantOf(c), c.req.valid("json").phone);
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(phoneVerifyRoute, async (c) => {
    const { phone, code } = c.req.valid("json");
    return c.json(await confirmPhone(tenantOf(c), phone, code), 200);
  })
  .openapi(emailVerificationRoute, async (c) => {
    await sendEmailLink(tenantOf(c), c.req.valid("json").email);
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(emailVerifyRoute, async (c) =>
    c.json(await confirmEmail(tenantOf(c), c.req.valid("json").token), 200),
  );
