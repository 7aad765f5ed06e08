import { and, inArray, isNull, notExists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { alias } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.schema";
import { hashPassword } from "../auth/password";
import { insertTrialSubscription } from "../billing/subscriptions.repo";
import type { Db } from "../db/client";
import type { Role } from "../platform/roles";
import { memberships, tenants } from "../tenants/tenants.schema";

/** Shared by every demo account; long enough for the policy and not on the common list. */
export const DEMO_PASSWORD = "riyadh-demo-2026";

export const DEMO_TENANTS = [
  { id: "ten_riyadhrealty00000001", nameAr: "عقارات الرياض", nameEn: "Riyadh Realty", locale: "ar" as const },
  { id: "ten_jeddahclinics0000001", nameAr: "عيادات جدة", nameEn: "Jeddah Clinics", locale: "ar" as const },
];

interface DemoAccount {
  id: string;
  name: string;
  email: string;
  phone: string;
  membership: { tenantId: string; role: Role } | null;
  isPlatformAdmin: boolean;
}

const RIYADH = "ten_riyadhrealty00000001";
const JEDDAH = "ten_jeddahclinics0000001";

export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    id: "usr_riyadhowner000000001",
    name: "نورة العتيبي",
    email: "owner@riyadh-realty.test",
    phone: "+966500000001",
    membership: { tenantId: RIYADH, role: "owner" },
    isPlatformAdmin: false,
  },
  {
    id: "usr_riyadhmanager0000001",
    name: "فهد القحطاني",
    email: "manager@riyadh-realty.test",
    phone: "+966500000002",
    membership: { tenantId: RIYADH, role: "manager" },
    isPlatformAdmin: false,
  },
  {
    id: "usr_riyadhagent000000001",
    name: "سارة الحربي",
    email: "agent1@riyadh-realty.test",
    phone: "+966500000003",
    membership: { tenantId: RIYADH, role: "agent" },
    isPlatformAdmin: false,
  },
  {
    id: "usr_riyadhagent000000002",
    name: "خالد الدوسري",
    email: "agent2@riyadh-realty.test",
    phone: "+966500000004",
    membership: { tenantId: RIYADH, role: "agent" },
    isPlatformAdmin: false,
  },
  {
    id: "usr_jeddahowner000000001",
    name: "عمر باخشب",
    email: "owner@jeddah-clinics.test",
    phone: "+966500000005",
    membership: { tenantId: JEDDAH, role: "owner" },
    isPlatformAdmin: false,
  },
  {
    id: "usr_platformadmin0000001",
    name: "Dealix Operator",
    email: "admin@dealix.test",
    phone: "+966500000009",
    membership: null,
    isPlatformAdmin: true,
  },
];

/**
 * Local databases seeded before verification existed hold the demo emails and phones unverified:
 * verify them, unless another local account has verified the same one since.
 */
function markDemoIdentifiersVerified(db: Db, now: number) {
  const demoIds = DEMO_ACCOUNTS.map((account) => account.id);
  const other = alias(users, "other");
  return [
    db
      .update(users)
      .set({ emailVerifiedAt: now })
      .where(
        and(
          inArray(users.id, demoIds),
          isNull(users.emailVerifiedAt),
          notExists(
            db
              .select()
              .from(other)
              .where(sql`${other.email} = ${users.email} AND ${other.emailVerifiedAt} IS NOT NULL`),
          ),
        ),
      ),
    db
      .update(users)
      .set({ phoneVerifiedAt: now })
      .where(
        and(
          inArray(users.id, demoIds),
          isNull(users.phoneVerifiedAt),
          notExists(
            db
              .select()
              .from(other)
              .where(sql`${other.phone} = ${users.phone} AND ${other.phoneVerifiedAt} IS NOT NULL`),
          ),
        ),
      ),
  ];
}

/**
 * Writes the demo tenants and accounts (development only). Idempotent: existing rows are left as
 * they are, so it runs on every `npm start`. Passwords are hashed with this environment's pepper.
 * Demo emails and phones are seeded verified, so WhatsApp sign-in works with them.
 */
export async function seedDemoData(db: Db, pepper: string, now = Date.now()) {
  const passwordHash = await hashPassword(DEMO_PASSWORD, pepper);
  const statements: BatchItem<"sqlite">[] = [
    ...DEMO_TENANTS.map((tenant) =>
      db
        .insert(tenants)
        .values({ ...tenant, timezone: "Asia/Riyadh", status: "active", createdAt: now })
        .onConflictDoNothing(),
    ),
    // Demo tenants start on the trial a sign-up gets; an existing subscription is left as it is.
    ...DEMO_TENANTS.map((tenant) => insertTrialSubscription(db, tenant.id, now).onConflictDoNothing()),
    ...DEMO_ACCOUNTS.map((account) =>
      db
        .insert(users)
        .values({
          id: account.id,
          name: account.name,
          email: account.email,
          emailVerifiedAt: now,
          phone: account.phone,
          phoneVerifiedAt: now,
          passwordHash,
          locale: "ar",
          isPlatformAdmin: account.isPlatformAdmin,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing(),
    ),
    ...DEMO_ACCOUNTS.flatMap((account) =>
      account.membership
        ? [
            db
              .insert(memberships)
              .values({ ...account.membership, userId: account.id, createdAt: now })
              .onConflictDoNothing(),
          ]
        : [],
    ),
    ...markDemoIdentifiersVerified(db, now),
  ];
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  return {
    password: DEMO_PASSWORD,
    accounts: DEMO_ACCOUNTS.map((a) => ({
      email: a.email,
      phone: a.phone,
      tenant: a.membership
        ? (DEMO_TENANTS.find((t) => t.id === a.membership?.tenantId)?.nameEn ?? null)
        : null,
      role: a.membership?.role ?? (a.isPlatformAdmin ? "platform admin" : null),
    })),
  };
}
