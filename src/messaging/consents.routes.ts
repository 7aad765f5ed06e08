import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { expiringConsents } from "./consent-expiry";
import {
  ConsentSchema,
  ContactConsentsSchema,
  ExpiringConsentsSchema,
  RecordConsentInputSchema,
} from "./consents.model";
import { consentsOf, recordConsent } from "./consents.service";

const listConsentsRoute = createRoute({
  method: "get",
  path: "/contacts/{contactId}/consents",
  tags: ["messages"],
  operationId: "listContactConsents",
  summary: "A contact's consent ledger and current state per channel and purpose",
  ...access({ role: "agent", scope: "crm:read" }),
  request: { params: pathId("contactId", "con") },
  responses: {
    200: { description: "The ledger", ...jsonContent(ContactConsentsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const recordConsentRoute = createRoute({
  method: "post",
  path: "/contacts/{contactId}/consents",
  tags: ["messages"],
  operationId: "recordContactConsent",
  summary: "Record a grant or withdrawal of consent, with the exact text the person saw",
  description:
    "Appends to the ledger (nothing is ever changed or deleted). A WhatsApp marketing message is only sent while the newest record for whatsapp/marketing is `granted`.",
  ...access({ role: "agent", scope: "crm:write" }),
  request: { params: pathId("contactId", "con"), ...jsonBody(RecordConsentInputSchema) },
  responses: {
    201: { description: "Recorded", ...jsonContent(ConsentSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VALIDATION_FAILED",
    ),
  },
});

const expiringConsentsRoute = createRoute({
  method: "get",
  path: "/consents/expiring",
  tags: ["messages"],
  operationId: "listExpiringConsents",
  summary: "Marketing consents lapsing within 30 days, and those lapsed and not renewed",
  description:
    "A marketing grant lapses 12 months after it was given unless a newer grant renews it; after that the consent gate blocks marketing to the contact.",
  ...access({ role: "manager", scope: "crm:read" }),
  responses: {
    200: { description: "Expiring and expired consents", ...jsonContent(ExpiringConsentsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

export const consentsApi = createRouter()
  .openapi(expiringConsentsRoute, async (c) => c.json(await expiringConsents(tenantOf(c)), 200))
  .openapi(listConsentsRoute, async (c) =>
    c.json(await consentsOf(tenantOf(c), c.req.valid("param").contactId), 200),
  )
  .openapi(recordConsentRoute, async (c) =>
    c.json(await recordConsent(tenantOf(c), c.req.valid("param").contactId, c.req.valid("json")), 201),
  );
