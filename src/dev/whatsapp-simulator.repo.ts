import { desc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { whatsappAccounts } from "../messaging/messaging.schema";
import { tenants } from "../tenants/tenants.schema";
import { devWhatsappSends, devWhatsappSimulator, type SimulatorMode } from "./whatsapp-simulator.schema";

export type SimulatedSend = typeof devWhatsappSends.$inferSelect;

const GRAPH_ROW = "graph";

export const simulatorMode = (db: Db) =>
  db
    .select({ mode: devWhatsappSimulator.mode })
    .from(devWhatsappSimulator)
    .where(eq(devWhatsappSimulator.id, GRAPH_ROW));

export const setSimulatorMode = (db: Db, mode: SimulatorMode, now: number) =>
  db
    .insert(devWhatsappSimulator)
    .values({ id: GRAPH_ROW, mode, updatedAt: now })
    .onConflictDoUpdate({ target: devWhatsappSimulator.id, set: { mode, updatedAt: now } });

export const accountByPhoneNumberId = (db: Db, phoneNumberId: string) =>
  db.select().from(whatsappAccounts).where(eq(whatsappAccounts.phoneNumberId, phoneNumberId)).limit(1);

export const accountByBusinessAccountId = (db: Db, businessAccountId: string) =>
  db
    .select()
    .from(whatsappAccounts)
    .where(eq(whatsappAccounts.businessAccountId, businessAccountId))
    .limit(1);

export const accountWithId = (db: Db, id: string) =>
  db.select().from(whatsappAccounts).where(eq(whatsappAccounts.id, id)).limit(1);

/** Every connected number with its tenant's names: the simulator stands in for Meta, which serves them all. */
export const connectedNumbers = (db: Db) =>
  db
    .select({
      id: whatsappAccounts.id,
      phoneNumberId: whatsappAccounts.phoneNumberId,
      displayPhone: whatsappAccounts.displayPhone,
      tenantNameAr: tenants.nameAr,
      tenantNameEn: tenants.nameEn,
    })
    .from(whatsappAccounts)
    .innerJoin(tenants, eq(tenants.id, whatsappAccounts.tenantId))
    .orderBy(desc(whatsappAccounts.updatedAt))
    .limit(50);

export const insertSend = (db: Db, row: SimulatedSend) => db.insert(devWhatsappSends).values(row);

export const recentSends = (db: Db, limit: number) =>
  db.select().from(devWhatsappSends).orderBy(desc(devWhatsappSends.createdAt)).limit(limit);

export const sendByWamid = (db: Db, wamid: string) =>
  db.select().from(devWhatsappSends).where(eq(devWhatsappSends.wamid, wamid)).limit(1);

/** Sends no status has been posted for yet, oldest first. */
export const sendsWithoutStatus = (db: Db, limit: number) =>
  db
    .select()
    .from(devWhatsappSends)
    .where(isNull(devWhatsappSends.lastStatus))
    .orderBy(devWhatsappSends.createdAt)
    .limit(limit);

export const recordStatus = (db: Db, wamids: string[], status: string) =>
  db.update(devWhatsappSends).set({ lastStatus: status }).where(inArray(devWhatsappSends.wamid, wamids));

export const tenantNames = (db: Db, tenantId: string) =>
  db.select({ nameAr: tenants.nameAr, nameEn: tenants.nameEn }).from(tenants).where(eq(tenants.id, tenantId));
