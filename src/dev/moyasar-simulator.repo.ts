import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { devMoyasarInvoices, devMoyasarPayments } from "./moyasar-simulator.schema";

export type SimulatedInvoice = typeof devMoyasarInvoices.$inferSelect;
export type SimulatedPayment = typeof devMoyasarPayments.$inferSelect;

export const insertSimulatedInvoice = (db: Db, row: SimulatedInvoice) =>
  db.insert(devMoyasarInvoices).values(row);

export const simulatedInvoice = (db: Db, id: string) =>
  db.select().from(devMoyasarInvoices).where(eq(devMoyasarInvoices.id, id));

export const paymentsOfSimulatedInvoice = (db: Db, invoiceId: string) =>
  db.select().from(devMoyasarPayments).where(eq(devMoyasarPayments.invoiceId, invoiceId));

export const simulatedPayment = (db: Db, id: string) =>
  db.select().from(devMoyasarPayments).where(eq(devMoyasarPayments.id, id));

export const insertSimulatedPayment = (db: Db, row: SimulatedPayment) =>
  db.insert(devMoyasarPayments).values(row);

export const setSimulatedInvoiceStatus = (db: Db, id: string, status: string, now: number) =>
  db.update(devMoyasarInvoices).set({ status, updatedAt: now }).where(eq(devMoyasarInvoices.id, id));
