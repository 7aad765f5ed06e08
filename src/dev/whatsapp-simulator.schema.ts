import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The dev WhatsApp simulator's state (development and test only; see src/dev/whatsapp-simulator.ts).
 * These tables are not in src/db/schema.ts: that index is the runtime drizzle schema, bundled into
 * production, and the production bundle must hold no dev tool. drizzle.config.ts lists this file
 * beside it, so the migration still creates them everywhere (empty outside development). Each table is
 * built in a call marked pure (its column builders are calls too), so esbuild drops it with the dev
 * tools that use it; drizzle-kit still sees the exported tables.
 */

export const SIMULATOR_MODES = ["ok", "error_500", "timeout", "rate_429"] as const;
export type SimulatorMode = (typeof SIMULATOR_MODES)[number];

/**
 * How the fake Graph API answers. One row (`id = 'graph'`), in D1 rather than KV: a drill flips it
 * and the very next send, on any isolate, must see the change (KV may serve an old value for up to
 * a minute once deployed, and a drill that cannot trust its switch measures nothing).
 */
export const devWhatsappSimulator = /* @__PURE__ */ (() =>
  sqliteTable("dev_whatsapp_simulator", {
    id: text("id").primaryKey(),
    mode: text("mode", { enum: SIMULATOR_MODES }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  }))();

/** Every send the fake Graph API accepted: what a real number would have delivered. */
export const devWhatsappSends = /* @__PURE__ */ (() =>
  sqliteTable(
    "dev_whatsapp_sends",
    {
      /** The wamid the fake Graph API answered with. */
      wamid: text("wamid").primaryKey(),
      phoneNumberId: text("phone_number_id").notNull(),
      /** As Meta receives it: digits without the plus. */
      recipient: text("recipient").notNull(),
      /** The text, or `[template name (lang)]`, `[image] url`: enough to recognise it on the page. */
      summary: text("summary").notNull(),
      /** Dealix's message id (biz_opaque_callback_data); a second send of the same message is a duplicate. */
      callbackData: text("callback_data"),
      /** The last status the simulator posted for it (delivered, read, failed), null before any. */
      lastStatus: text("last_status"),
      createdAt: integer("created_at").notNull(),
    },
    (t) => [
      index("dev_whatsapp_sends_time").on(t.createdAt),
      index("dev_whatsapp_sends_callback").on(t.callbackData),
    ],
  ))();
