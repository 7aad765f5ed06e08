// The schema index drizzle-kit reads to generate migrations. Tables live beside their capability.

export { activities } from "../activities/activities.schema";
export { operatorAuditEvents, operatorChallenges, operatorSessions } from "../admin/admin.schema";
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
export { billingCredits } from "../billing/billing-credits.schema";
export { billingProfiles } from "../billing/billing-profile.schema";
export { billingReminders } from "../billing/billing-reminders.schema";
export { billingCheckouts, billingPayments, moyasarWebhookEvents } from "../billing/checkouts.schema";
export { subscriptions } from "../billing/subscriptions.schema";
export { taxInvoices } from "../billing/tax-invoices.schema";
export { usageCounters } from "../billing/usage.schema";
export { breachIncidents, breachNotifications } from "../breaches/breaches.schema";
export { companies } from "../companies/companies.schema";
export { contactPhones, contacts, contactTags } from "../contacts/contacts.schema";
export { assignmentAgents, crmSettings } from "../crm/crm.schema";
export { customFieldDefinitions } from "../custom-fields/custom-fields.schema";
export { deadLetters } from "../dead-letters/dead-letters.schema";
export { dealStageHistory, deals } from "../deals/deals.schema";
export { earlyAccessRequests } from "../early-access/early-access.schema";
export { importRows, imports } from "../imports/imports.schema";
export {
  consents,
  conversations,
  messages,
  messagingSettings,
  whatsappAccounts,
} from "../messaging/messaging.schema";
export { whatsappTemplates } from "../messaging/whatsapp-templates.schema";
export { outboxMessages } from "../outbox/outbox.schema";
export { pipelineStages, pipelines } from "../pipelines/pipelines.schema";
export { idempotencyKeys } from "../platform/idempotency.schema";
export { privacyRequestEvents, privacyRequests } from "../privacy-requests/privacy-requests.schema";
export { retentionPolicies, retentionRuns } from "../retention/retention.schema";
export { invitations, memberships, tenants } from "../tenants/tenants.schema";
