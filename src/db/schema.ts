// The schema index drizzle-kit reads to generate migrations. Tables live beside their capability.
export { earlyAccessRequests } from "../early-access/early-access.schema";
export { idempotencyKeys } from "../platform/idempotency.schema";
