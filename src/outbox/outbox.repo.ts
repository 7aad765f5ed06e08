import { desc } from "drizzle-orm";
import type { Db } from "../db/client";
import { outboxMessages } from "./outbox.schema";

/** The newest dev-transport messages (the outbox is not tenant data: it stands in for WhatsApp and email). */
export const latestOutboxMessages = (db: Db, limit: number) =>
  db.select().from(outboxMessages).orderBy(desc(outboxMessages.createdAt)).limit(limit).all();

export const insertOutboxMessage = (db: Db, row: typeof outboxMessages.$inferInsert) =>
  db.insert(outboxMessages).values(row);
