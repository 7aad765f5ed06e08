import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import { billingTenants, extendTrial, grantCredit } from "../../src/admin/billing-console.service";
import { dbFor } from "../../src/db/client";
import { type AppEnv, type OperatorPrincipal, requestOrigin } from "../../src/platform/context";
import { idSchema } from "../../src/platform/schemas";
import { renderPage } from "../render";
import { parseWith } from "../session/forms";
import { requireOperatorPage } from "./admin.pages";
import { BillingConsolePage, type BillingNotice } from "./billing.views";

const PAGE_SIZE = 50;

const actOf = (c: Context<AppEnv>) => ({
  db: dbFor(c.env.DB),
  operator: c.get("operator") as OperatorPrincipal,
  origin: requestOrigin(c),
});

const tenantIdOf = (c: Context<AppEnv>) =>
  parseWith(z.object({ tenantId: idSchema("ten") }), { tenantId: c.req.param("tenantId") }).tenantId;

const reason = z.string().trim().min(3).max(500);

const ExtendFormSchema = z.object({ days: z.coerce.number().int().min(1).max(30), reason });

// Operators type riyals; the service takes halalas (100..1,000,000, as the JSON API).
const CreditFormSchema = z.object({
  amountSar: z.coerce
    .number()
    .transform((sar) => Math.round(sar * 100))
    .pipe(z.number().int().min(100).max(1_000_000)),
  reason,
});

const NOTICES: readonly BillingNotice[] = ["extended", "credited"];

export const billingConsolePages = new Hono<AppEnv>();

// Guards on the page routes themselves, not on /admin/billing/*: that prefix also holds the JSON
// API, whose other methods must reach the 405 rather than the sign-in redirect.
billingConsolePages.use("/admin/billing", requireOperatorPage());

billingConsolePages.get("/admin/billing", async (c) => {
  const page = await billingTenants(dbFor(c.env.DB), c.req.query("cursor") || undefined, PAGE_SIZE);
  const notice = c.req.query("notice");
  return renderPage(c, {
    title: (t) => t.admin.billing.title,
    body: (t, csrf) => (
      <BillingConsolePage
        t={t}
        locale={c.get("locale")}
        csrf={csrf}
        tenants={page.data}
        nextCursor={page.nextCursor}
        notice={NOTICES.find((known) => known === notice) ?? null}
      />
    ),
    operatorConsole: true,
  });
});

billingConsolePages.post("/admin/billing/:tenantId/extend-trial", requireOperatorPage(), async (c) => {
  const tenantId = tenantIdOf(c);
  const input = parseWith(ExtendFormSchema, await c.req.parseBody());
  await extendTrial(actOf(c), tenantId, input);
  return c.redirect("/admin/billing?notice=extended", 303);
});

billingConsolePages.post("/admin/billing/:tenantId/credits", requireOperatorPage(), async (c) => {
  const tenantId = tenantIdOf(c);
  const { amountSar, reason } = parseWith(CreditFormSchema, await c.req.parseBody());
  await grantCredit(actOf(c), tenantId, { amountHalalas: amountSar, reason });
  return c.redirect("/admin/billing?notice=credited", 303);
});
