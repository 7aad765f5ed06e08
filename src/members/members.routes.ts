import { createRoute, z } from "@hono/zod-openapi";
import { SessionSchema } from "../auth/auth.model";
import { access, bearerOf, resolveCredential, tenantOf } from "../platform/access";
import { requestContext } from "../platform/context";
import { SECRET_PATTERN } from "../platform/ids";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import {
  acceptInvitation,
  cancelInvitation,
  invite,
  pendingInvitations,
  previewInvitation,
} from "./invitations.service";
import {
  AcceptInvitationInputSchema,
  ChangeRoleInputSchema,
  CreatedInvitationSchema,
  CreateInvitationInputSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  MemberSchema,
} from "./members.model";
import { changeRole, members, removeMember } from "./members.service";

const UserIdParam = pathId("userId", "usr");
const InvitationIdParam = pathId("invitationId", "inv");
const TokenParam = z.object({
  token: z
    .string()
    .regex(SECRET_PATTERN)
    .openapi({ param: { name: "token", in: "path" } }),
});

const listMembersRoute = createRoute({
  method: "get",
  path: "/members",
  tags: ["members"],
  operationId: "listMembers",
  summary: "Members of the tenant with their roles (owner or manager; API keys need members:read)",
  ...access({ role: "manager", scope: "members:read" }),
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of members", ...jsonContent(pageSchema(MemberSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const changeRoleRoute = createRoute({
  method: "patch",
  path: "/members/{userId}",
  tags: ["members"],
  operationId: "changeMemberRole",
  summary: "Change a member's role (owner only; the last owner cannot be demoted)",
  ...access({ role: "owner" }),
  request: { params: UserIdParam, ...jsonBody(ChangeRoleInputSchema) },
  responses: {
    204: { description: "Changed; applies to the member's next request" },
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

const removeMemberRoute = createRoute({
  method: "delete",
  path: "/members/{userId}",
  tags: ["members"],
  operationId: "removeMember",
  summary: "Remove a member and end their sessions (owner only; not the last owner)",
  ...access({ role: "owner" }),
  request: { params: UserIdParam },
  responses: {
    204: { description: "Removed" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const createInvitationRoute = createRoute({
  method: "post",
  path: "/invitations",
  tags: ["members"],
  operationId: "createInvitation",
  summary: "Invite someone by email or WhatsApp with a role (manager or owner; only owners invite owners)",
  ...access({ role: "manager" }),
  request: jsonBody(CreateInvitationInputSchema),
  responses: {
    201: { description: "Invitation created and sent", ...jsonContent(CreatedInvitationSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "PLAN_LIMIT",
      "FORBIDDEN",
      "CONFLICT",
      "VALIDATION_FAILED",
    ),
  },
});

const listInvitationsRoute = createRoute({
  method: "get",
  path: "/invitations",
  tags: ["members"],
  operationId: "listInvitations",
  summary: "Pending invitations (owner or manager)",
  ...access({ role: "manager" }),
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of pending invitations", ...jsonContent(pageSchema(InvitationSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const cancelInvitationRoute = createRoute({
  method: "delete",
  path: "/invitations/{invitationId}",
  tags: ["members"],
  operationId: "cancelInvitation",
  summary: "Cancel a pending invitation (owner or manager)",
  ...access({ role: "manager" }),
  request: { params: InvitationIdParam },
  responses: {
    204: { description: "Cancelled" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const previewInvitationRoute = createRoute({
  method: "get",
  path: "/invitations/{token}/preview",
  tags: ["members"],
  operationId: "previewInvitation",
  security: [],
  summary: "What an invitation link is for (public: the link is the credential)",
  request: { params: TokenParam },
  responses: {
    200: { description: "Invitation", ...jsonContent(InvitationPreviewSchema) },
    ...problemResponses("NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const acceptInvitationRoute = createRoute({
  method: "post",
  path: "/invitations/{token}/accept",
  tags: ["members"],
  operationId: "acceptInvitation",
  // Anonymous (a new account) or signed in with the invited account.
  security: [{}, { Bearer: [] }] as Record<string, string[]>[],
  summary: "Join the tenant: signed in (Bearer) with the invited account, or as a new account",
  description:
    "Signed in, the account's verified email or phone must match the invitation (UNVERIFIED_IDENTIFIER when it matches but is not verified yet).",
  request: { params: TokenParam, ...jsonBody(AcceptInvitationInputSchema) },
  responses: {
    200: { description: "Joined and signed in to the tenant", ...jsonContent(SessionSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "PLAN_LIMIT",
      "FORBIDDEN",
      "UNVERIFIED_IDENTIFIER",
      "NOT_FOUND",
      "CONFLICT",
      "VALIDATION_FAILED",
      "RATE_LIMITED",
    ),
  },
});

export const membersApi = createRouter()
  .openapi(listMembersRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await members(tenantOf(c), cursor, limit), 200);
  })
  .openapi(changeRoleRoute, async (c) => {
    await changeRole(tenantOf(c), c.req.valid("param").userId, c.req.valid("json").role);
    return c.body(null, 204);
  })
  .openapi(removeMemberRoute, async (c) => {
    await removeMember(tenantOf(c), c.req.valid("param").userId);
    return c.body(null, 204);
  })
  .openapi(createInvitationRoute, async (c) => c.json(await invite(tenantOf(c), c.req.valid("json")), 201))
  .openapi(listInvitationsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await pendingInvitations(tenantOf(c), cursor, limit), 200);
  })
  .openapi(cancelInvitationRoute, async (c) => {
    await cancelInvitation(tenantOf(c), c.req.valid("param").invitationId);
    return c.body(null, 204);
  })
  .openapi(previewInvitationRoute, async (c) =>
    c.json(await previewInvitation(requestContext(c), c.req.valid("param").token), 200),
  )
  .openapi(acceptInvitationRoute, async (c) => {
    // Signed in is optional here: with a bearer token the existing account joins.
    const signedIn = bearerOf(c) ? (await resolveCredential(c)).principal : null;
    if (signedIn && signedIn.kind !== "user")
      throw new ApiError("FORBIDDEN", "API keys cannot accept invitations.");
    const session = await acceptInvitation(
      requestContext(c),
      c.req.valid("param").token,
      c.req.valid("json"),
      signedIn?.kind === "user" ? signedIn.userId : null,
    );
    return c.json(session, 200);
  });
