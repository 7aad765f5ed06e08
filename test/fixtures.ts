import { env } from "cloudflare:workers";
import { newOperatorSession, OPERATOR_COOKIE } from "../src/admin/operator-session";
import { hashPassword } from "../src/auth/password";
import { newSession } from "../src/auth/session.service";
import type { PlanId } from "../src/billing/plans";
import { insertTrialSubscription } from "../src/billing/subscriptions.repo";
import { dbFor } from "../src/db/client";
import { loadConfig } from "../src/env";
import { idPrefixes, newId } from "../src/platform/ids";
import type { Role } from "../src/platform/roles";
import { insertTenant } from "../src/tenants/tenants.repo";
import { postJson } from "./helpers";

export const PASSWORD = "correct horse battery staple";
let passwordHash: Promise<string> | undefined;
const sharedHash = () => {
  passwordHash ??= hashPassword(PASSWORD, loadConfig(env).PASSWORD_PEPPER);
  return passwordHash;
};

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface Actor {
  userId: string;
  tenantId: string;
  role: Role;
  email: string;
  phone: string | null;
  accessToken: string;
  refreshToken: string;
  familyId: string;
  auth: { Authorization: string };
}

/**
 * A user with a membership and a live session, written straight to D1 (no sign-in, no rate limits).
 * Email and phone are verified unless `unverified` says otherwise, as an established member's are.
 */
export async function createMember(
  tenantId: string,
  role: Role,
  options: { phone?: string; email?: string; unverified?: boolean } = {},
): Promise<Actor> {
  const db = dbFor(env.DB);
  const now = Date.now();
  const userId = newId(idPrefixes.user);
  const email = options.email ?? `user-${unique()}@example.sa`;
  const verifiedAt = options.unverified ? null : now;
  const [, , subscription] = await env.DB.batch<{ plan: PlanId }>([
    env.DB.prepare(
      "INSERT INTO users (id, name, email, email_verified_at, phone, phone_verified_at, password_hash, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'ar', ?, ?)",
    ).bind(
      userId,
      `User ${role}`,
      email,
      verifiedAt,
      options.phone ?? null,
      options.phone ? verifiedAt : null,
      await sharedHash(),
      now,
      now,
    ),
    env.DB.prepare("INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?)").bind(
      tenantId,
      userId,
      role,
      now,
    ),
    // The token carries the tenant's plan as a sign-in's does (its API quotas).
    env.DB.prepare("SELECT plan FROM subscriptions WHERE tenant_id = ?").bind(tenantId),
  ]);
  const plan = subscription?.results[0]?.plan ?? null;
  const session = await newSession(db, loadConfig(env).JWT_SECRET, { userId, tenantId, role, plan }, now);
  await db.batch([...session.inserts]);
  return {
    userId,
    tenantId,
    role,
    email,
    phone: options.phone ?? null,
    accessToken: session.tokens.accessToken,
    refreshToken: session.tokens.refreshToken,
    familyId: session.familyId,
    auth: { Authorization: `Bearer ${session.tokens.accessToken}` },
  };
}

/** A tenant with an owner, a manager and an agent, on its trial as after sign-up. */
export async function createTenant(name = "Test Realty") {
  const tenantId = newId(idPrefixes.tenant);
  const now = Date.now();
  const db = dbFor(env.DB);
  await db.batch([
    insertTenant(db, {
      id: tenantId,
      nameAr: name,
      nameEn: name,
      locale: "ar",
      timezone: "Asia/Riyadh",
      status: "active",
      createdAt: now,
    }),
    insertTrialSubscription(db, tenantId, now),
  ]);
  const [owner, manager, agent] = await Promise.all([
    createMember(tenantId, "owner"),
    createMember(tenantId, "manager"),
    createMember(tenantId, "agent"),
  ]);
  return { tenantId, owner, manager, agent };
}

let ipCounter = 0;
/** A distinct client IP per call, so per-IP rate limits do not couple unrelated tests. */
export const freshIp = () => ({ "CF-Connecting-IP": `203.0.113.${(ipCounter++ % 250) + 1}` });

export async function signupViaApi(overrides: Record<string, unknown> = {}) {
  const body = {
    company: "عقارات الرياض",
    name: "Noura",
    email: `owner-${unique()}@example.sa`,
    password: PASSWORD,
    ...overrides,
  };
  const res = await postJson("/api/v1/auth/signup", body, freshIp());
  return { res, body };
}

let phoneCounter = 0;
// 055 is a Saudi mobile prefix that libphonenumber-js accepts (051 and 052 are not in use).
const phoneBase = Math.floor(Math.random() * 1_000);
/** A Saudi mobile number no other test in the file uses. */
export const uniquePhone = () =>
  `+96655${phoneBase.toString().padStart(3, "0")}${(phoneCounter++ % 10_000).toString().padStart(4, "0")}`;

/** The newest six-digit code the dev transport sent to `recipient`, or "". */
export async function latestCodeSentTo(recipient: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT body FROM outbox_messages WHERE recipient = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(recipient)
    .first<{ body: string }>();
  return /\b\d{6}\b/.exec(row?.body ?? "")?.[0] ?? "";
}

/** The token of the newest email-verification link sent to `email`, or "". */
export async function latestEmailLinkTokenSentTo(email: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT body FROM outbox_messages WHERE recipient = ? AND body LIKE '%/account/email/verify?token=%' ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(email)
    .first<{ body: string }>();
  return decodeURIComponent(
    /\/account\/email\/verify\?token=([A-Za-z0-9_%-]+)/.exec(row?.body ?? "")?.[1] ?? "",
  );
}

export interface Operator {
  userId: string;
  email: string;
  phone: string | null;
  /** A live operator session, written straight to D1. */
  sessionId: string;
  cookie: { Cookie: string };
}

/**
 * A platform operator (is_platform_admin, no membership) with a live operator session, written
 * straight to D1. The phone is verified unless `phone: null`; the email is verified unless
 * `unverifiedEmail`.
 */
export async function createOperator(
  options: { phone?: string | null; unverifiedEmail?: boolean; admin?: boolean } = {},
): Promise<Operator> {
  const now = Date.now();
  const userId = newId(idPrefixes.user);
  const email = `operator-${unique()}@dealix.test`;
  const phone = options.phone === undefined ? uniquePhone() : options.phone;
  await env.DB.prepare(
    "INSERT INTO users (id, name, email, email_verified_at, phone, phone_verified_at, password_hash, locale, is_platform_admin, created_at, updated_at) VALUES (?, 'Dealix Operator', ?, ?, ?, ?, ?, 'en', ?, ?, ?)",
  )
    .bind(
      userId,
      email,
      options.unverifiedEmail ? null : now,
      phone,
      phone ? now : null,
      await sharedHash(),
      options.admin === false ? 0 : 1,
      now,
      now,
    )
    .run();
  const db = dbFor(env.DB);
  const session = await newOperatorSession(db, userId, now);
  await db.batch([session.insert]);
  return {
    userId,
    email,
    phone,
    sessionId: session.id,
    cookie: { Cookie: `${OPERATOR_COOKIE}=${session.token}` },
  };
}

/**
 * A WhatsApp template in the tenant's registry, written straight to D1 as a sync from Meta would
 * store it: approved utility with no variables unless said otherwise.
 */
export async function addWhatsAppTemplate(
  tenantId: string,
  template: {
    name: string;
    language?: string;
    category?: "MARKETING" | "UTILITY" | "AUTHENTICATION";
    status?: "APPROVED" | "PENDING" | "REJECTED" | "PAUSED";
    body?: string;
    variableCount?: number;
    footer?: string | null;
    buttons?: { type: string; text: string }[];
  },
) {
  await env.DB.prepare(
    "INSERT INTO whatsapp_templates (id, tenant_id, name, language, category, status, body_text, footer_text, variable_count, buttons, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(
      newId(idPrefixes.whatsappTemplate),
      tenantId,
      template.name,
      template.language ?? "ar",
      template.category ?? "UTILITY",
      template.status ?? "APPROVED",
      template.body ?? "نص القالب",
      template.footer ?? null,
      template.variableCount ?? 0,
      JSON.stringify(template.buttons ?? []),
      Date.now(),
    )
    .run();
}

/** Moves a tenant to a plan, active for a month (the fixture's tenants start on the trial). */
export async function putOnPlan(tenantId: string, plan: "starter" | "growth" | "enterprise") {
  const now = Date.now();
  await env.DB.prepare(
    "UPDATE subscriptions SET plan = ?, status = 'active', trial_ends_at = NULL, current_period_start = ?, current_period_end = ? WHERE tenant_id = ?",
  )
    .bind(plan, now, now + 30 * 86_400_000, tenantId)
    .run();
}
