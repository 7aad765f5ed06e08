import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { approvalPolicyOf, decideApproval, listApprovals, setApprovalPolicy } from "./approvals.service";
import { BROADCAST_MAX_CONTACTS, MessageSchema } from "./messaging.model";

// Seed gate V1: managers decide what a policy holds back.
const approvers = access({ role: "manager", scope: "messages:approve" });

const ApprovalPolicySchema = z
  .strictObject({
    approveFirstMessage: z
      .boolean()
      .openapi({ description: "Hold the first message to a contact never messaged before" }),
    approveAiDrafted: z.boolean().openapi({ description: "Hold every AI-drafted message" }),
    approveBroadcastOver: z.int().min(1).max(BROADCAST_MAX_CONTACTS).nullable().default(null).openapi({
      description:
        "Hold every message of a broadcast to more contacts than this; null (the default): broadcasts are not held",
    }),
  })
  .openapi("ApprovalPolicy");

const listApprovalsRoute = createRoute({
  method: "get",
  path: "/approvals",
  tags: ["messages"],
  operationId: "listApprovals",
  summary: "Messages held for approval (AI drafts, first messages, large broadcasts), oldest first",
  ...approvers,
  request: { query: PageQuerySchema },
  responses: {
    200: {
      description: "A page of held messages",
      ...jsonContent(
        pageSchema(
          MessageSchema.extend({
            contact: z.object({ id: z.string(), name: z.string(), phone: z.string().nullable() }),
          }),
        ),
      ),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const decisionRoute = (decision: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/approvals/{messageId}/${decision}`,
    tags: ["messages"],
    operationId: decision === "approve" ? "approveMessage" : "rejectMessage",
    summary:
      decision === "approve"
        ? "Approve a held message: it is queued for sending"
        : "Reject a held message: it is never sent",
    ...approvers,
    request: { params: pathId("messageId", "wam") },
    responses: {
      200: { description: "Decided", ...jsonContent(MessageSchema) },
      ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "VALIDATION_FAILED"),
    },
  });

const getPolicyRoute = createRoute({
  method: "get",
  path: "/messaging/approval-policy",
  tags: ["messages"],
  operationId: "getApprovalPolicy",
  summary: "Which outbound messages wait for a manager",
  ...approvers,
  responses: {
    200: { description: "The policy", ...jsonContent(ApprovalPolicySchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const setPolicyRoute = createRoute({
  method: "put",
  path: "/messaging/approval-policy",
  tags: ["messages"],
  operationId: "setApprovalPolicy",
  summary: "Change which outbound messages wait for a manager",
  ...approvers,
  request: jsonBody(ApprovalPolicySchema),
  responses: {
    200: { description: "The policy", ...jsonContent(ApprovalPolicySchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

export const approvalsApi = createRouter()
  .openapi(listApprovalsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await listApprovals(tenantOf(c), cursor, limit), 200);
  })
  .openapi(decisionRoute("approve"), async (c) =>
    c.json(await decideApproval(tenantOf(c), c.req.valid("param").messageId, true), 200),
  )
  .openapi(decisionRoute("reject"), async (c) =>
    c.json(await decideApproval(tenantOf(c), c.req.valid("param").messageId, false), 200),
  )
  .openapi(getPolicyRoute, async (c) => c.json(await approvalPolicyOf(tenantOf(c)), 200))
  .openapi(setPolicyRoute, async (c) =>
    c.json(await setApprovalPolicy(tenantOf(c), c.req.valid("json")), 200),
  );
