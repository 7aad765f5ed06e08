import { createRoute, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/audit.service";
import { SessionSchema } from "../auth/auth.model";
import { authContext } from "../auth/auth.routes";
import { dbFor } from "../db/client";
import { actorOf, principalOf, requireAccess, resolvePrincipal, userPrincipalOf } from "../platform/auth";
import { SECRET_PATTERN } from "../platform/ids";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { tenantScope } from "../platform/tenant-scope";
import {
  AcceptInvitationInputSchema,
  ChangeRoleInputSchema,
  CreatedInvitationSchema,
  CreateInvitationInputSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  MemberSchema,
} from "./members.model";
import {
  acceptInvitation,
  cancelInvitation,
  changeRole,
  invite,
  members,
  pendingInvitations,
  previewInvitation,
  removeMember,
} from "./members.service";

const UserIdParam = pathId("userId", "usr");
const InvitationIdParam = pathId("invitationId", "inv");
const TokenParam = z.object({
  token: z
    .string()
    .regex(SECRET_PATTERN)
    .openapi({ param: { name: "token", in: "path" } }),
});
const secured = { security: [{ Bearer: [] }] };

const listMembersRoute = createRoute({
  method: "get",
  path: "/members",
  tags: ["members"],
  operationId: "listMembers",
  summary: "Members of the tenant with their roles (owner or manager; API keys need members:read)",
  ...secured,
  middleware: [requireAccess({ role: "manager", scope: "members:read" })] as const,
  responses: {
    200: { description: "Members", ...jsonContent(z.object({ data: z.array(MemberSchema) })) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const changeRoleRoute = createRoute({
  method: "patch",
  path: "/members/{userId}",
  tags: ["members"],
  operationId: "changeMemberRole",
  summary: "Change a member's role (owner only; the last owner cannot be demoted)",
  ...secured,
  middleware: [requireAccess({ role: "owner" })] as const,
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
  ...secured,
  middleware: [requireAccess({ role: "owner" })] as const,
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
  ...secured,
  middleware: [requireAccess({ role: "manager" })] as const,
  request: jsonBody(CreateInvitationInputSchema),
  responses: {
    201: { description: "Invitation created and sent", ...jsonContent(CreatedInvitationSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const listInvitationsRoute = createRoute({
  method: "get",
  path: "/invitations",
  tags: ["members"],
  operationId: "listInvitations",
  summary: "Pending invitations (owner or manager)",
  ...secured,
  middleware: [requireAccess({ role: "manager" })] as const,
  responses: {
    200: {
      description: "Pending invitations",
      ...jsonContent(z.object({ data: z.array(InvitationSchema) })),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const cancelInvitationRoute = createRoute({
  method: "delete",
  path: "/invitations/{invitationId}",
  tags: ["members"],
  operationId: "cancelInvitation",
  summary: "Cancel a pending invitation (owner or manager)",
  ...secured,
  middleware: [requireAccess({ role: "manager" })] as const,
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
  request: { params: TokenParam, ...jsonBody(AcceptInvitationInputSchema) },
  responses: {
    200: { description: "Joined and signed in to the tenant", ...jsonContent(SessionSchema) },
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

export const membersApi = createRouter()
  .openapi(listMembersRoute, async (c) => {
    const scope = tenantScope(dbFor(c.env.DB), principalOf(c).tenantId);
    return c.json({ data: await members(scope) }, 200);
  })
  .openapi(changeRoleRoute, async (c) => {
    const principal = principalOf(c);
    const scope = tenantScope(dbFor(c.env.DB), principal.tenantId);
    await changeRole(
      scope,
      actorOf(principal),
      c.req.valid("param").userId,
      c.req.valid("json").role,
      auditOrigin(c),
    );
    return c.body(null, 204);
  })
  .openapi(removeMemberRoute, async (c) => {
    const principal = principalOf(c);
    const scope = tenantScope(dbFor(c.env.DB), principal.tenantId);
    await removeMember(scope, actorOf(principal), c.req.valid("param").userId, auditOrigin(c));
    return c.body(null, 204);
  })
  .openapi(createInvitationRoute, async (c) => {
    const principal = userPrincipalOf(c);
    const scope = tenantScope(dbFor(c.env.DB), principal.tenantId);
    const created = await invite(
      scope,
      { userId: principal.userId, role: principal.role },
      c.req.valid("json"),
      c.get("config"),
      new URL(c.req.url).origin,
      auditOrigin(c),
    );
    return c.json(created, 201);
  })
  .openapi(listInvitationsRoute, async (c) => {
    const scope = tenantScope(dbFor(c.env.DB), principalOf(c).tenantId);
    return c.json({ data: await pendingInvitations(scope) }, 200);
  })
  .openapi(cancelInvitationRoute, async (c) => {
    const principal = principalOf(c);
    const scope = tenantScope(dbFor(c.env.DB), principal.tenantId);
    await cancelInvitation(scope, actorOf(principal), c.req.valid("param").invitationId, auditOrigin(c));
    return c.body(null, 204);
  })
  .openapi(previewInvitationRoute, async (c) =>
    c.json(await previewInvitation(authContext(c), c.req.valid("param").token), 200),
  )
  .openapi(acceptInvitationRoute, async (c) => {
    // Signed in is optional here: with a bearer token the existing account joins.
    const principal = c.req.header("Authorization") ? await resolvePrincipal(c) : null;
    if (principal && principal.kind !== "user")
      throw new ApiError("FORBIDDEN", "API keys cannot accept invitations.");
    const signedInUserId = principal?.kind === "user" ? principal.userId : null;
    const session = await acceptInvitation(
      authContext(c),
      c.req.valid("param").token,
      c.req.valid("json"),
      signedInUserId,
    );
    return c.json(session, 200);
  });
