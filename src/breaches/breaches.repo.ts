import { desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { tenants } from "../tenants/tenants.schema";
import { breachIncidents, breachNotifications } from "./breaches.schema";

export type BreachRow = typeof breachIncidents.$inferSelect;
export type BreachNotificationRow = typeof breachNotifications.$inferSelect;

/** The register, newest awareness first. */
export const breachList = (db: Db, limit: number) =>
  db.select().from(breachIncidents).orderBy(desc(breachIncidents.awareAt)).limit(limit);

export const breachById = (db: Db, id: string) =>
  db.select().from(breachIncidents).where(eq(breachIncidents.id, id)).limit(1);

export const notificationsOf = (db: Db, incidentId: string) =>
  db
    .select()
    .from(breachNotifications)
    .where(eq(breachNotifications.incidentId, incidentId))
    .orderBy(breachNotifications.notifiedAt, breachNotifications.createdAt);

/** Which of these tenant ids exist (an incident names only real tenants). */
export const existingTenantIds = (db: Db, ids: readonly string[]) =>
  db
    .select({ id: tenants.id })
    .from(tenants)
    .where(inArray(tenants.id, ids.length > 0 ? [...ids] : [""]));

export const insertBreach = (db: Db, row: BreachRow) => db.insert(breachIncidents).values(row);

/** Applies an edit only to the version that was read, so two operators' edits never interleave. */
export const updateBreach = (db: Db, id: string, readAt: number, changes: Partial<BreachRow>) =>
  db
    .update(breachIncidents)
    .set(changes)
    .where(sql`${breachIncidents.id} = ${id} AND ${breachIncidents.updatedAt} = ${readAt}`);

export const insertNotification = (db: Db, row: BreachNotificationRow) =>
  db.insert(breachNotifications).values(row);

/** The first regulator notice stamps the incident; later ones (follow-ups) leave it. */
export const stampRegulatorNotice = (db: Db, id: string, at: number, now: number) =>
  db
    .update(breachIncidents)
    .set({
      regulatorNotifiedAt: sql`COALESCE(${breachIncidents.regulatorNotifiedAt}, ${at})`,
      updatedAt: now,
    })
    .where(eq(breachIncidents.id, id));
