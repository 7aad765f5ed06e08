import type { BatchItem } from "drizzle-orm/batch";
import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import { tenantView, userView } from "../auth/account.service";
import { findAccount, findUserById, insertUser, type User } from "../auth/auth.repo";
import { assertPasswordPolicy, hashPassword } from "../auth/password";
import { newSession } from "../auth/session.service";
import { newPhoneCode } from "../auth/verification.service";
import { verifiedHolderOf } from "../auth/verifications.repo";
import { isPlanLimitRefusal, meter, UPGRADE_PATH, withinPlan } from "../billing/usage";
import { deliver, wasDelivered } from "../outbox/outbox.service";
import type { RequestContext, TenantContext } from "../platform/context";
import { sha256Hex } from "../platform/crypto";
import { isUniqueViolation } from "../platform/errors";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import { hasRole, type Role } from "../platform/roles";
import { tenantScope } from "../platform/tenant-scope";
import { findTenant, tenantById } from "../tenants/tenants.repo";
import { invitations } from "../tenants/tenants.schema";
import type { AcceptInvitationInput, CreateInvitationInput } from "./members.model";
import {
  findInvitationByTokenHash,
  insertInvitation,
  insertMembership,
  invitationById,
  listPendingInvitations,
  markInvitationAccepted,
  membershipOf,
  memberWithIdentifier,
  revokeInvitation,
  unmarkInvitationAccepted,
} from "./members.repo";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

const invitationView = (row: typeof invitations.$inferSelect) => ({
  id: row.id,
  email: row.email,
  phone: row.phone,
  role: row.role,
  invitedBy: row.invitedBy,
  expiresAt: iso(row.expiresAt),
  createdAt: iso(row.createdAt),
});

const ROLE_NAMES_AR: Record<Role, string> = { owner: "مالك", manager: "مدير", agent: "وكيل مبيعات" };

// The invitee's language is unknown, so the message carries both, each with the tenant's own name.
const invitationMessage = (name: { ar: string; en: string }, role: Role, link: string) => ({
  subject: `دعوة للانضمام إلى ${name.ar} على ديلكس — Invitation to join ${name.en} on Dealix`,
  body: `دُعيت للانضمام إلى ${name.ar} على ديلكس بدور ${ROLE_NAMES_AR[role]}. افتح الرابط خلال ٧ أيام:\n${link}\n\nYou are invited to join ${name.en} on Dealix as ${role}. Open the link within 7 days:\n${link}`,
});

/**
 * Invites someone by email or WhatsApp. Managers may invite agents and managers; only owners may
 * invite owners. The link is single use and expires in seven days.
 */
export async function invite(ctx: TenantContext, input: CreateInvitationInput) {
  const { scope, principal, now } = ctx;
  if (principal.kind !== "user") throw new Error("invite: invitations are sent by people");
  if (!hasRole(principal.role, input.role))
    throw new ApiError("FORBIDDEN", `Only an ${input.role} or higher may invite an ${input.role}.`);
  const identifier = input.email ? { email: input.email } : { phone: input.phone ?? "" };
  const [existing, [tenant]] = await scope.read(
    () => [memberWithIdentifier(scope, identifier), tenantById(scope.db, scope.tenantId)] as const,
  );
  if (existing.length > 0) throw new ApiError("CONFLICT", "This person is already a member.");

  const token = newSecret();
  const row = {
    id: newId(idPrefixes.invitation),
    tenantId: scope.tenantId,
    email: input.email ?? null,
    phone: input.phone ?? null,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: principal.userId,
    expiresAt: now + INVITATION_TTL_MS,
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
    createdAt: now,
  };
  // A pending invitation holds a seat: the plan must have one free beside members and other invitations.
  await withinPlan(ctx, "seats", () =>
    scope.write([
      meter(scope, "seats", 1, now, { includePendingInvitations: true }),
      insertInvitation(scope, row),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "invitation.created",
          target: { type: "invitation", id: row.id },
          details: { role: input.role },
        },
        ctx.origin,
        now,
      ),
    ]),
  );
  const acceptUrl = `${ctx.config.APP_ORIGIN}/invitations/${token}`;
  const message = invitationMessage(
    { ar: tenant?.nameAr ?? "", en: tenant?.nameEn ?? "" },
    input.role,
    acceptUrl,
  );
  const common = { locale: null, body: message.body };
  const delivery = await deliver(
    { ...ctx, db: scope.db },
    input.email
      ? { ...common, channel: "email", recipient: input.email, subject: message.subject }
      : {
          ...common,
          channel: "whatsapp",
          recipient: input.phone ?? "",
          template: {
            kind: "invitation",
            workspace: { ar: tenant?.nameAr ?? "", en: tenant?.nameEn ?? "" },
            role: { ar: ROLE_NAMES_AR[input.role], en: input.role },
            link: acceptUrl,
          },
        },
  );
  // The invitation stands either way: the answer says whether the link went out, and carries it
  // for the inviter to share when it did not.
  return { invitation: invitationView(row), acceptUrl, delivered: wasDelivered(delivery) };
}

/** A page of pending invitations, newest first. */
export async function pendingInvitations(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(
    () => [listPendingInvitations(ctx.scope, ctx.now, after, limit)] as const,
  );
  const page = toPage(rows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return { data: page.data.map(invitationView), nextCursor: page.nextCursor };
}

export async function cancelInvitation(ctx: TenantContext, id: string) {
  const { scope, now } = ctx;
  const [[row]] = await scope.read(() => [invitationById(scope, id)] as const);
  if (!row) throw new ApiError("NOT_FOUND", "No such invitation.");
  if (row.revokedAt !== null || row.acceptedAt !== null) return;
  await scope.write([
    revokeInvitation(scope, id, now),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "invitation.revoked",
        target: { type: "invitation", id },
      },
      ctx.origin,
      now,
    ),
  ]);
}

const INVALID_INVITATION = "This invitation link is invalid, used or expired.";

async function usableInvitation(ctx: Pick<RequestContext, "db" | "now">, token: string) {
  const row = await findInvitationByTokenHash(ctx.db, await sha256Hex(token));
  if (!row || row.acceptedAt !== null || row.revokedAt !== null || row.expiresAt <= ctx.now) {
    throw new ApiError("NOT_FOUND", INVALID_INVITATION);
  }
  return row;
}

export async function previewInvitation(ctx: Pick<RequestContext, "db" | "now">, token: string) {
  const row = await usableInvitation(ctx, token);
  const tenant = await findTenant(ctx.db, row.tenantId);
  if (!tenant) throw new ApiError("NOT_FOUND", INVALID_INVITATION);
  return {
    tenant: { name: { ar: tenant.nameAr, en: tenant.nameEn } },
    role: row.role,
    email: row.email,
    phone: row.phone,
    expiresAt: iso(row.expiresAt),
  };
}

/**
 * Whether a signed-in user is the one the invitation was sent to: their *verified* email or phone
 * must match. A matching but unverified one is refused with UNVERIFIED_IDENTIFIER, so the person
 * can verify it and open the link again; anyone could have typed it into their account.
 */
function assertInvitee(row: typeof invitations.$inferSelect, user: User | undefined) {
  const emailMatches = user !== undefined && row.email !== null && row.email === user.email;
  const phoneMatches = user !== undefined && row.phone !== null && row.phone === user.phone;
  if (!user || !(emailMatches || phoneMatches))
    throw new ApiError("FORBIDDEN", "This invitation was sent to someone else.");
  if ((emailMatches && user.emailVerifiedAt !== null) || (phoneMatches && user.phoneVerifiedAt !== null))
    return;
  throw new ApiError(
    "UNVERIFIED_IDENTIFIER",
    emailMatches
      ? "Verify your email on your account page, then open the invitation link again."
      : "Verify your phone number on your account page, then open the invitation link again.",
  );
}

/**
 * Accepts an invitation: a signed-in user joins with their account (whose verified email or phone
 * must match the invitation); otherwise a new account is created from the name and password given,
 * with the invited email or phone stored unverified (the link is no proof: the inviter sees it and
 * may pass it on). Either way the answer is a session in the new tenant.
 */
export async function acceptInvitation(
  ctx: RequestContext,
  token: string,
  input: AcceptInvitationInput,
  signedInUserId: string | null,
) {
  const row = await usableInvitation(ctx, token);
  const { db, now } = ctx;
  const scope = tenantScope(db, row.tenantId);

  let userId: string;
  const writes: BatchItem<"sqlite">[] = [];
  let phoneCode: Awaited<ReturnType<typeof newPhoneCode>> | null = null;
  if (signedInUserId) {
    const user = await findUserById(db, signedInUserId);
    assertInvitee(row, user);
    const [membership] = await membershipOf(scope, signedInUserId);
    if (membership) throw new ApiError("CONFLICT", "You are already a member.");
    userId = signedInUserId;
  } else {
    const email = row.email ?? input.email;
    const errors = [
      ...(input.name ? [] : [{ path: "name", code: "required", message: "Enter your name." }]),
      ...(input.password ? [] : [{ path: "password", code: "required", message: "Choose a password." }]),
      ...(email ? [] : [{ path: "email", code: "required", message: "Enter your email." }]),
    ];
    if (errors.length > 0 || !input.name || !input.password || !email) {
      throw new ApiError("VALIDATION_FAILED", "Name, password and email are needed to create your account.", {
        errors,
      });
    }
    assertPasswordPolicy(input.password, { email, name: input.name });
    // Creating an account costs a PBKDF2 hash: limited per client and per link.
    await enforceRateLimit(ctx.env, RATE_LIMITS.invitationAcceptPerIp, clientIp(ctx.request));
    await enforceRateLimit(ctx.env, RATE_LIMITS.invitationAcceptPerInvitation, row.id);
    if (await verifiedHolderOf(db, "email", email))
      throw new ApiError("CONFLICT", "An account with this email exists; sign in, then open the link again.");
    if (row.phone && (await verifiedHolderOf(db, "phone", row.phone)))
      throw new ApiError("CONFLICT", "An account with this phone exists; sign in, then open the link again.");
    userId = newId(idPrefixes.user);
    const tenant = await findTenant(db, row.tenantId);
    const locale = tenant?.locale ?? "ar";
    writes.push(
      insertUser(db, {
        id: userId,
        name: input.name,
        email,
        phone: row.phone,
        passwordHash: await hashPassword(input.password, ctx.config.PASSWORD_PEPPER),
        locale,
        createdAt: now,
        updatedAt: now,
      }),
    );
    if (row.phone) {
      phoneCode = await newPhoneCode(ctx.config, userId, row.phone, locale, now);
      writes.push(phoneCode.insert(db));
    }
  }

  // Claim first: two people opening the same link at once must not both join.
  const claimed = await markInvitationAccepted(db, row.id, userId, now).returning({ id: invitations.id });
  if (claimed.length !== 1) throw new ApiError("NOT_FOUND", INVALID_INVITATION);
  const session = await newSession(
    db,
    ctx.config.JWT_SECRET,
    { userId, tenantId: row.tenantId, role: row.role, plan: row.plan },
    now,
  );
  try {
    await db.batch([
      // The new user (if any) first: the membership's foreign key needs it.
      ...(writes as [BatchItem<"sqlite">]),
      // The invitation held its seat until now; the members alone must still fit the plan.
      meter(scope, "seats", 1, now),
      insertMembership(scope, userId, row.role, now),
      ...session.inserts,
      auditInsert(
        db,
        {
          tenantId: row.tenantId,
          actor: { type: "user", id: userId },
          action: "invitation.accepted",
          target: { type: "invitation", id: row.id },
          details: { role: row.role },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    await unmarkInvitationAccepted(db, row.id);
    // Two links of the same tenant accepted at once by one person: the second membership collides.
    if (isUniqueViolation(error)) throw new ApiError("CONFLICT", "You are already a member.");
    if (isPlanLimitRefusal(error)) {
      throw new ApiError("PLAN_LIMIT", "The team's plan has no free seat; ask its owner to upgrade.", {
        upgradeUrl: `${ctx.config.APP_ORIGIN}${UPGRADE_PATH}`,
      });
    }
    throw error;
  }
  // The membership stands either way; a code that did not go out is logged, and the account page
  // offers to send a new one.
  if (phoneCode) await deliver(ctx, phoneCode.message);
  const { user, tenant } = await findAccount(db, userId, row.tenantId);
  if (!user || !tenant) throw new Error("acceptInvitation: rows missing right after insert");
  return {
    tenant: tenantView(tenant),
    user: userView(user),
    role: row.role,
    ...session.tokens,
  };
}
