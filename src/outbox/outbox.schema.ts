import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The dev transport for WhatsApp and email: until the messaging integration lands (and always
 * outside production) messages are written here and shown at /dev/outbox instead of being sent.
 */
export const outboxMessages = sqliteTable(
  "outbox_messages",
  {
    id: text("id").primaryKey(),
    channel: text("channel", { enum: ["whatsapp", "email"] }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("outbox_messages_time").on(t.createdAt)],
);
