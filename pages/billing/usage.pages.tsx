import { Hono } from "hono";
import { usageOf } from "../../src/billing/usage";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { renderPage } from "../render";
import { requireManager, requireSignedIn } from "../session/page-session";
import { UsagePage } from "./usage.views";

/** The account's use of each plan limit, for owners and managers. */
export const usagePages = new Hono<AppEnv>();

usagePages.use("/billing/usage", requireSignedIn(), requireManager());

usagePages.get("/billing/usage", async (c) => {
  const usage = await usageOf(tenantOf(c));
  return renderPage(c, {
    title: (t) => t.usage.title,
    body: (t) => <UsagePage t={t} locale={c.get("locale")} usage={usage} />,
  });
});
