import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Role } from "../platform/roles";
import { memberships, tenants } from "./tenants.schema";

export type Tenant = typeof tenants.$inferSelect;

export const insertTenant = (db: Db, tenant: typeof tenants.$inferInsert) =>
  db.insert(tenants).values(tenant);

/** The query for one tenant by id (run it, or put it in a batch). */
export const tenantById = (db: Db, tenantId: string) =>
  db.select().from(tenants).where(eq(tenants.id, tenantId));

export const findTenant = (db: Db, tenantId: string) => tenantById(db, tenantId).get();

/** A membership insert for a tenant known before any tenant scope exists (sign-up, invitations). */
export const insertMembershipOf = (db: Db, tenantId: string, userId: string, role: Role, now: number) =>
  db.insert(memberships).values({ tenantId, userId, role, createdAt: now });
