import { env } from "cloudflare:workers";
import { hashPassword } from "../src/auth/password";
import { newSession } from "../src/auth/session.service";
import { dbFor } from "../src/db/client";
import { loadConfig } from "../src/env";
import { idPrefixes, newId } from "../src/platform/ids";
import type { Role } from "../src/platform/roles";
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

/** A user with a membership and a live session, written straight to D1 (no sign-in, no rate limits). */
export async function createMember(
  tenantId: string,
  role: Role,
  options: { phone?: string } = {},
): Promise<Actor> {
  const db = dbFor(env.DB);
  const now = Date.now();
  const userId = newId(idPrefixes.user);
  const email = `user-${unique()}@example.sa`;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO users (id, name, email, phone, password_hash, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'ar', ?, ?)",
    ).bind(userId, `User ${role}`, email, options.phone ?? null, await sharedHash(), now, now),
    env.DB.prepare("INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?)").bind(
      tenantId,
      userId,
      role,
      now,
    ),
  ]);
  const session = await newSession(db, loadConfig(env).JWT_SECRET, { userId, tenantId, role }, now);
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

/** A tenant with an owner, a manager and an agent. */
export async function createTenant(name = "Test Realty") {
  const tenantId = newId(idPrefixes.tenant);
  await env.DB.prepare(
    "INSERT INTO tenants (id, name_ar, name_en, locale, timezone, status, created_at) VALUES (?, ?, ?, 'ar', 'Asia/Riyadh', 'active', ?)",
  )
    .bind(tenantId, name, name, Date.now())
    .run();
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
