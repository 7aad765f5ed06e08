import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { type ProblemCode, problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import {
  CompletePrivacyRequestInputSchema,
  ExtendPrivacyRequestInputSchema,
  OpenPrivacyRequestInputSchema,
  PrivacyRequestDetailSchema,
  PrivacyRequestSchema,
  RefusePrivacyRequestInputSchema,
  VerifyPrivacyRequestInputSchema,
} from "./privacy-requests.model";
import {
  completePrivacyRequest,
  extendPrivacyRequest,
  listRequests,
  openPrivacyRequest,
  refusePrivacyRequest,
  requestDetail,
  staffCopy,
  startPrivacyRequest,
} from "./privacy-requests.service";
import { verifyPrivacyRequest } from "./privacy-requests.verification";

// Requests carry people's personal data and their answers disclose or erase it: managers and
// owners only, and no API key.
const privacyOfficers = { role: "manager" } as const;
const params = pathId("requestId", "dsr");

const WRITE_PROBLEMS: ProblemCode[] = [
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "VALIDATION_FAILED",
];

const openRoute = createRoute({
  method: "post",
  path: "/privacy-requests",
  tags: ["privacy"],
  operationId: "openPrivacyRequest",
  summary: "Open a data-subject request (access, correction, erasure, consent withdrawal) for a person",
  description:
    "The 30-day answer period starts now. When the request names or matches a contact that has a phone or email on record, a six-digit code is sent there (never to an address only the requester gave) for the person to read back (`verify`).",
  ...access(privacyOfficers, idempotency()),
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(OpenPrivacyRequestInputSchema) },
  responses: {
    201: { description: "Opened", ...jsonContent(PrivacyRequestSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/privacy-requests",
  tags: ["privacy"],
  operationId: "listPrivacyRequests",
  summary: "Privacy requests by due date: open ones first (overdue at the top), then answered ones",
  ...access(privacyOfficers),
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of requests", ...jsonContent(pageSchema(PrivacyRequestSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/privacy-requests/{requestId}",
  tags: ["privacy"],
  operationId: "getPrivacyRequest",
  summary: "A privacy request with its history",
  ...access(privacyOfficers),
  request: { params },
  responses: {
    200: { description: "The request", ...jsonContent(PrivacyRequestDetailSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

/** What every action on one request shares: the path, the guard and the answers. */
const action = (name: string, operationId: string, summary: string, description?: string) => ({
  method: "post" as const,
  path: `/privacy-requests/{requestId}/${name}`,
  tags: ["privacy"],
  operationId,
  summary,
  ...(description ? { description } : {}),
  ...access(privacyOfficers),
  responses: {
    200: { description: "The request after the action", ...jsonContent(PrivacyRequestSchema) },
    ...problemResponses(...WRITE_PROBLEMS, ...(name === "verify" ? (["RATE_LIMITED"] as const) : [])),
  },
});

const verifyRoute = createRoute({
  ...action(
    "verify",
    "verifyPrivacyRequest",
    "Verify the person's identity: the code they received, or an ID check in person (with how)",
    "A code is single use, expires after 15 minutes and is gone after 5 wrong tries. Nothing is disclosed or erased before a request is verified.",
  ),
  request: { params, ...jsonBody(VerifyPrivacyRequestInputSchema) },
});
const extendRoute = createRoute({
  ...action(
    "extend",
    "extendPrivacyRequest",
    "Extend the answer period once, by up to 30 days, with a reason; the person is told",
  ),
  request: { params, ...jsonBody(ExtendPrivacyRequestInputSchema) },
});
const refuseRoute = createRoute({
  ...action("refuse", "refusePrivacyRequest", "Refuse the request, with the reason"),
  request: { params, ...jsonBody(RefusePrivacyRequestInputSchema) },
});
const startRoute = createRoute({
  ...action("start", "startPrivacyRequest", "Take a verified request in hand"),
  request: { params },
});
const completeRoute = createRoute({
  ...action(
    "complete",
    "completePrivacyRequest",
    "Do what the request asks and close it",
    "access: the copy is prepared (download it from `/copy`); correction: `corrections` are applied to the contact; consent_withdrawal: marketing consent is withdrawn on every channel; erasure: the person's data is erased and the result lists what the law requires to keep. The request must be verified first (409 otherwise).",
  ),
  request: { params, ...jsonBody(CompletePrivacyRequestInputSchema) },
});

const copyRoute = createRoute({
  method: "get",
  path: "/privacy-requests/{requestId}/copy",
  tags: ["privacy"],
  operationId: "getPrivacyRequestCopy",
  summary: "The person's data (access request), once their identity is verified",
  ...access(privacyOfficers),
  request: { params },
  responses: {
    200: {
      description: "Everything the tenant holds about the person",
      ...jsonContent(z.record(z.string(), z.unknown()).openapi("PersonCopy")),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "VALIDATION_FAILED"),
  },
});

export const privacyRequestsApi = createRouter()
  .openapi(openRoute, async (c) => c.json(await openPrivacyRequest(tenantOf(c), c.req.valid("json")), 201))
  .openapi(listRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await listRequests(tenantOf(c), cursor, limit), 200);
  })
  .openapi(getRoute, async (c) =>
    c.json(await requestDetail(tenantOf(c), c.req.valid("param").requestId), 200),
  )
  .openapi(verifyRoute, async (c) =>
    c.json(await verifyPrivacyRequest(tenantOf(c), c.req.valid("param").requestId, c.req.valid("json")), 200),
  )
  .openapi(extendRoute, async (c) =>
    c.json(await extendPrivacyRequest(tenantOf(c), c.req.valid("param").requestId, c.req.valid("json")), 200),
  )
  .openapi(refuseRoute, async (c) =>
    c.json(
      await refusePrivacyRequest(tenantOf(c), c.req.valid("param").requestId, c.req.valid("json").reason),
      200,
    ),
  )
  .openapi(startRoute, async (c) =>
    c.json(await startPrivacyRequest(tenantOf(c), c.req.valid("param").requestId), 200),
  )
  .openapi(completeRoute, async (c) =>
    c.json(
      await completePrivacyRequest(tenantOf(c), c.req.valid("param").requestId, c.req.valid("json")),
      200,
    ),
  )
  .openapi(copyRoute, async (c) => {
    const copy = await staffCopy(tenantOf(c), c.req.valid("param").requestId);
    c.header(
      "Content-Disposition",
      `attachment; filename="personal-data-${c.req.valid("param").requestId}.json"`,
    );
    return c.json(copy, 200);
  });
