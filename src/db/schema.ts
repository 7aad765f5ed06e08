// The schema index drizzle-kit reads to generate migrations. Tables live beside their capability.
export { apiKeys } from "../api-keys/api-keys.schema";
export { auditEvents } from "../audit/audit.schema";
export {
  identityVerifications,
  otpCodes,
  passwordResets,
  refreshFamilies,
  refreshTokens,
  users,
} from "../auth/auth.schema";
export { earlyAccessRequests } from "../early-access/early-access.schema";
export { outboxMessages } from "../outbox/outbox.schema";
export { idempotencyKeys } from "../platform/idempotency.schema";
export { invitations, memberships, tenants } from "../tenants/tenants.schema";
