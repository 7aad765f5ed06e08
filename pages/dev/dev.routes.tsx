import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { dbFor } from "../../src/db/client";
import { seedDeadOutboundMessage } from "../../src/dev/dead-letter-drill";
import { seedDemoData } from "../../src/dev/demo-data";
import { devToolsEnabled } from "../../src/env";
import { latestOutboxMessages } from "../../src/outbox/outbox.repo";
import type { AppEnv } from "../../src/platform/context";
import { idSchema } from "../../src/platform/schemas";
import { renderPage } from "../render";
import { parseWith } from "../session/forms";
import { OutboxPage } from "./outbox";

/**
 * The demo seed (a known password, a platform admin) and the dev transport's mailbox (live codes
 * and reset links). A function, so the module has no side effects and esbuild drops it, with
 * everything only it uses, from a bundle built with `DEV_TOOLS_BUNDLED = false` (wrangler.toml,
 * `[env.production]`). Where it is bundled it still answers only in development and test.
 */
const DrillInputSchema = z.object({ tenantId: idSchema("ten"), contactId: idSchema("con") });

export function devTools() {
  const dev = new Hono<AppEnv>();

  dev.use("/dev/*", async (c, next) => {
    if (!devToolsEnabled(c.get("config"))) return c.notFound();
    await next();
  });

  // Demo tenants and accounts for local use; `npm start` calls it once the Worker is up.
  dev.post("/dev/seed", async (c) =>
    c.json(await seedDemoData(dbFor(c.env.DB), c.get("config").PASSWORD_PEPPER), 200),
  );

  // A dead outbound message for the dead-letter drill (RUNBOOK, e2e/dead-letters.e2e.mjs).
  dev.post("/dev/dead-letters/outbound", async (c) => {
    const { tenantId, contactId } = parseWith(DrillInputSchema, await c.req.json());
    return c.json(await seedDeadOutboundMessage(dbFor(c.env.DB), tenantId, contactId), 201);
  });

  dev.get("/dev/outbox", async (c) => {
    const messages = await latestOutboxMessages(dbFor(c.env.DB), 50);
    return renderPage(c, {
      title: (t) => t.outbox.title,
      body: (t) => <OutboxPage t={t} messages={messages} />,
    });
  });

  return dev;
}
