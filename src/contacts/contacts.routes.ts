import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { etagOf, IfMatchHeadersSchema } from "../platform/versioning";
import {
  ContactListQuerySchema,
  ContactSchema,
  CreateContactInputSchema,
  DuplicateMatchSchema,
  MergeContactInputSchema,
  UpdateContactInputSchema,
} from "./contacts.model";
import { createContact, getContact, listContactsFor, updateContactFor } from "./contacts.service";
import { duplicatesOf, mergeContacts } from "./duplicates.service";

const readers = access({ role: "agent", scope: "crm:read" });
const writers = access({ role: "agent", scope: "crm:write" });
const contactId = pathId("contactId", "con");
const VISIBILITY =
  "Agents see and edit only the contacts they own unless the tenant's visibility setting is `all`; others answer 404.";

const listContactsRoute = createRoute({
  method: "get",
  path: "/contacts",
  tags: ["contacts"],
  operationId: "listContacts",
  summary: "Contacts (leads and customers), filtered and sorted, a page at a time",
  description: `${VISIBILITY} Custom fields filter as \`custom.<key>=value\` (\`a,b\` any of; \`from..to\` ranges for numbers, money and dates).`,
  ...readers,
  request: { query: ContactListQuerySchema },
  responses: {
    200: { description: "A page of contacts", ...jsonContent(pageSchema(ContactSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const createContactRoute = createRoute({
  method: "post",
  path: "/contacts",
  tags: ["contacts"],
  operationId: "createContact",
  summary: "Add a contact; duplicates by phone, email or name are refused unless asked for",
  description:
    "Without `ownerId` the lead is assigned by the tenant's rule (manual: the creator; round-robin: the next agent). Agents own what they create. Honours `Idempotency-Key`.",
  ...access({ role: "agent", scope: "crm:write" }, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(CreateContactInputSchema) },
  responses: {
    201: { description: "Created", ...jsonContent(ContactSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "PLAN_LIMIT",
      "FORBIDDEN",
      "DUPLICATE_CONTACT",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const getContactRoute = createRoute({
  method: "get",
  path: "/contacts/{contactId}",
  tags: ["contacts"],
  operationId: "getContact",
  summary: "One contact, with its version as the ETag",
  description: VISIBILITY,
  ...readers,
  request: { params: contactId },
  responses: {
    200: { description: "The contact", ...jsonContent(ContactSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const updateContactRoute = createRoute({
  method: "patch",
  path: "/contacts/{contactId}",
  tags: ["contacts"],
  operationId: "updateContact",
  summary: "Change a contact's fields (If-Match required)",
  description: `${VISIBILITY} A change of owner is audited as a reassignment; agents cannot reassign.`,
  ...writers,
  request: { params: contactId, headers: IfMatchHeadersSchema, ...jsonBody(UpdateContactInputSchema) },
  responses: {
    200: { description: "The updated contact", ...jsonContent(ContactSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VERSION_MISMATCH",
      "VALIDATION_FAILED",
      "VERSION_REQUIRED",
    ),
  },
});

const duplicatesRoute = createRoute({
  method: "get",
  path: "/contacts/{contactId}/duplicates",
  tags: ["contacts"],
  operationId: "listContactDuplicates",
  summary: "Contacts that look like this one: same phone, then email, then name (Arabic-aware)",
  ...readers,
  request: { params: contactId },
  responses: {
    200: {
      description: "Likely duplicates, strongest match first",
      ...jsonContent(z.object({ data: z.array(DuplicateMatchSchema) })),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const mergeRoute = createRoute({
  method: "post",
  path: "/contacts/{contactId}/merge",
  tags: ["contacts"],
  operationId: "mergeContacts",
  summary: "Merge another contact into this one, moving its activities, deals, phones and tags",
  description:
    "Empty fields take the other contact's values and notes are kept from both. The other contact remains, marked `mergedIntoId`. Audited.",
  ...writers,
  request: { params: contactId, ...jsonBody(MergeContactInputSchema) },
  responses: {
    200: { description: "The surviving contact", ...jsonContent(ContactSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "CONFLICT",
      "VALIDATION_FAILED",
    ),
  },
});

export const contactsApi = createRouter()
  .openapi(listContactsRoute, async (c) => {
    const customFilters = Object.fromEntries(
      Object.entries(c.req.query()).filter(([name]) => name.startsWith("custom.")),
    );
    return c.json(await listContactsFor(tenantOf(c), c.req.valid("query"), customFilters), 200);
  })
  .openapi(createContactRoute, async (c) => {
    const contact = await createContact(tenantOf(c), c.req.valid("json"));
    return c.json(contact, 201, { ETag: etagOf(contact.version) });
  })
  .openapi(getContactRoute, async (c) => {
    const contact = await getContact(tenantOf(c), c.req.valid("param").contactId);
    return c.json(contact, 200, { ETag: etagOf(contact.version) });
  })
  .openapi(updateContactRoute, async (c) => {
    const contact = await updateContactFor(
      tenantOf(c),
      c.req.valid("param").contactId,
      c.req.valid("header")["if-match"],
      c.req.valid("json"),
    );
    return c.json(contact, 200, { ETag: etagOf(contact.version) });
  })
  .openapi(duplicatesRoute, async (c) =>
    c.json({ data: await duplicatesOf(tenantOf(c), c.req.valid("param").contactId) }, 200),
  )
  .openapi(mergeRoute, async (c) => {
    const contact = await mergeContacts(
      tenantOf(c),
      c.req.valid("param").contactId,
      c.req.valid("json").otherId,
    );
    return c.json(contact, 200, { ETag: etagOf(contact.version) });
  });
