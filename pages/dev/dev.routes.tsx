import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { dbFor } from "../../src/db/client";
import { retryDeadLetters } from "../../src/dead-letters/dead-letters.service";
import { seedDeadOutboundMessage } from "../../src/dev/dead-letter-drill";
import { seedDemoData } from "../../src/dev/demo-data";
import {
  answerCreateInvoice,
  answerFetchInvoice,
  answerFetchPayment,
  invoiceForCheckoutPage,
  payWithCard,
} from "../../src/dev/moyasar-simulator";
import {
  answerGraphSend,
  answerGraphTemplates,
  connectSimulatedNumber,
  currentMode,
  deliverAll,
  type SimulatorDeps,
  STATUS_UPDATES,
  simulateInbound,
  simulateStatus,
  switchMode,
  type WorkerFetch,
} from "../../src/dev/whatsapp-simulator";
import { connectedNumbers, recentSends, tenantNames } from "../../src/dev/whatsapp-simulator.repo";
import { SIMULATOR_MODES } from "../../src/dev/whatsapp-simulator.schema";
import { devToolsEnabled } from "../../src/env";
import { latestOutboxMessages } from "../../src/outbox/outbox.repo";
import { tenantOf } from "../../src/platform/access";
import { breakerStatuses } from "../../src/platform/circuit-breaker";
import type { AppEnv } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { hasRole } from "../../src/platform/roles";
import { idSchema, MobilePhoneSchema, PersonNameSchema } from "../../src/platform/schemas";
import { billingStrings } from "../billing/billing-strings";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { verifyCsrfToken } from "../session/cookies";
import { formValues, parseWith } from "../session/forms";
import { pageSession } from "../session/page-session";
import { MoyasarCheckoutPage } from "./moyasar-checkout";
import { OutboxPage } from "./outbox";
import { SimulatorPage } from "./whatsapp-simulator";

/** What the simulator page says after a form post: `?flash=<kind>&a=…&b=…` (303 after the post). */
function flashMessage(t: Dictionary, query: (name: string) => string | undefined) {
  const f = t.simulator.flash;
  const a = query("a") ?? "";
  const b = Number(query("b") ?? 0);
  switch (query("flash")) {
    case "mode":
      return { message: f.mode(t.simulator.modes[a as keyof typeof t.simulator.modes] ?? a), error: false };
    case "connected":
      return { message: f.connected(a), error: false };
    case "needs_owner":
      return { message: f.needsOwner, error: true };
    case "inbound":
      return { message: f.inbound(Number(a)), error: a !== "200" };
    case "status":
      return { message: f.status(Number(a)), error: a !== "200" };
    case "delivered_all":
      return { message: f.deliveredAll(Number(a), b), error: b > 0 };
    case "dlq":
      return { message: f.dlq(Number(a), b), error: false };
    case "not_found":
      return { message: f.notFound, error: true };
    case "invalid":
      return { message: f.invalid, error: true };
    default:
      return null;
  }
}

const back = (c: Context<AppEnv>, flash: string, a: string | number = "", b: string | number = "") =>
  c.redirect(`/dev/whatsapp?${new URLSearchParams({ flash, a: String(a), b: String(b) })}`, 303);

/**
 * The demo seed (a known password, a platform admin), the dev transport's mailbox (live codes
 * and reset links) and the WhatsApp simulator. A function, so the module has no side effects and
 * esbuild drops it, with everything only it uses, from a bundle built with `DEV_TOOLS_BUNDLED =
 * false` (wrangler.toml, `[env.production]`). Where it is bundled it still answers only in
 * development and test. `app` is the whole Worker: the simulator posts its webhooks through it.
 */
export function devTools(app: WorkerFetch) {
  const dev = new Hono<AppEnv>();
  // Built here, not at the top of the module: a schema built at load time is code esbuild must keep,
  // and this whole module must drop out of the production bundle.
  const InboundFormSchema = z.object({
    accountId: z.string().min(1).max(40),
    from: MobilePhoneSchema,
    name: PersonNameSchema,
    text: z.string().trim().min(1).max(4096),
  });
  const DrillInputSchema = z.object({ tenantId: idSchema("ten"), contactId: idSchema("con") });

  dev.use("/dev/*", async (c, next) => {
    if (!devToolsEnabled(c.get("config"))) return c.notFound();
    await next();
  });

  // The simulator's forms get the pages' protection (Origin check, then the double-submit token):
  // this router is mounted before the pages, whose middleware would otherwise not see them.
  const forms = csrf();
  const formPost = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    try {
      await forms(c, () => verifyCsrfToken(c));
    } catch (error) {
      if (error instanceof HTTPException && error.status === 403) {
        throw new ApiError("CSRF_REJECTED", "The form came from another site.");
      }
      throw error;
    }
    await next();
  };
  dev.post("/dev/whatsapp/:form{mode|connect|inbound|status|deliver-all}", formPost);
  dev.post("/dev/dead-letters/outbound/retry", formPost);
  dev.post("/dev/moyasar/checkout/:invoiceId", formPost);

  const deps = (c: Context<AppEnv>): SimulatorDeps => ({
    db: dbFor(c.env.DB),
    config: c.get("config"),
    env: c.env,
    executionCtx: c.executionCtx,
    app,
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

  // The fake Graph API: WHATSAPP_API_ORIGIN=<this origin>/dev/whatsapp/graph sends here.
  dev.post("/dev/whatsapp/graph/:version/:phoneNumberId/messages", async (c) => {
    let body: unknown = null;
    try {
      body = await c.req.json();
    } catch {
      // Judged as an invalid parameter below, as Meta does.
    }
    const answer = await answerGraphSend(dbFor(c.env.DB), c.get("config"), {
      phoneNumberId: c.req.param("phoneNumberId"),
      authorization: c.req.header("Authorization"),
      body,
      signal: c.req.raw.signal,
    });
    return c.json(answer.body as object, answer.status, answer.headers);
  });

  dev.get("/dev/whatsapp/graph/:version/:businessAccountId/message_templates", async (c) => {
    const answer = await answerGraphTemplates(dbFor(c.env.DB), c.get("config"), {
      businessAccountId: c.req.param("businessAccountId"),
      authorization: c.req.header("Authorization"),
      limit: c.req.query("limit"),
      after: c.req.query("after"),
      signal: c.req.raw.signal,
    });
    return c.json(answer.body as object, answer.status, answer.headers);
  });

  dev.get("/dev/whatsapp", async (c) => {
    const db = dbFor(c.env.DB);
    const principal = await pageSession(c);
    const [mode, numbers, sends, names] = await Promise.all([
      currentMode(db),
      connectedNumbers(db),
      recentSends(db, 50),
      principal ? tenantNames(db, principal.tenantId) : Promise.resolve([]),
    ]);
    const locale = c.get("locale");
    const [tenant] = names;
    return renderPage(c, {
      title: (t) => t.simulator.title,
      body: (t, csrfToken) => (
        <SimulatorPage
          t={t}
          csrf={csrfToken}
          locale={locale}
          view={{
            mode,
            numbers,
            sends,
            signedInAs:
              principal && tenant
                ? {
                    tenantName: locale === "ar" ? tenant.nameAr : tenant.nameEn,
                    isOwner: hasRole(principal.role, "owner"),
                  }
                : null,
            flash: flashMessage(t, (name) => c.req.query(name)),
          }}
        />
      ),
    });
  });

  dev.post("/dev/whatsapp/mode", async (c) => {
    const { mode } = await formValues(c, ["mode"]);
    const parsed = z.enum(SIMULATOR_MODES).safeParse(mode);
    if (!parsed.success) return back(c, "invalid");
    await switchMode(dbFor(c.env.DB), parsed.data);
    return back(c, "mode", parsed.data);
  });

  dev.post("/dev/whatsapp/connect", async (c) => {
    const principal = await pageSession(c);
    if (!principal || !hasRole(principal.role, "owner")) return back(c, "needs_owner");
    const account = await connectSimulatedNumber(tenantOf(c));
    return back(c, "connected", account.phoneNumberId);
  });

  dev.post("/dev/whatsapp/inbound", async (c) => {
    const parsed = InboundFormSchema.safeParse(await formValues(c, ["accountId", "from", "name", "text"]));
    if (!parsed.success) return back(c, "invalid");
    const status = await simulateInbound(deps(c), parsed.data);
    return status === null ? back(c, "not_found") : back(c, "inbound", status);
  });

  dev.post("/dev/whatsapp/status", async (c) => {
    const { wamid, status } = await formValues(c, ["wamid", "status"]);
    const update = z.enum(STATUS_UPDATES).safeParse(status);
    if (!update.success || !wamid) return back(c, "invalid");
    const answered = await simulateStatus(deps(c), wamid, update.data);
    return answered === null ? back(c, "not_found") : back(c, "status", answered);
  });

  dev.post("/dev/whatsapp/deliver-all", async (c) => {
    const { delivered, refused } = await deliverAll(deps(c));
    return back(c, "delivered_all", delivered, refused);
  });

  // Dev-only stand-in for the operator console's `POST /admin/dlq/outbound/retry`: the same service.
  dev.post("/dev/dead-letters/outbound/retry", async (c) => {
    const progress = await retryDeadLetters(
      dbFor(c.env.DB),
      { outbound: c.env.OUTBOUND_QUEUE as Queue<unknown> },
      "outbound",
      "all",
    );
    return back(c, "dlq", progress.retried, progress.waiting);
  });

  // The fake Moyasar API: without MOYASAR_SECRET_KEY, src/integrations/moyasar calls it here.
  const readJson = async (c: Context<AppEnv>) => {
    try {
      return (await c.req.json()) as unknown;
    } catch {
      return null;
    }
  };
  dev.post("/dev/moyasar/v1/invoices", async (c) => {
    const answer = await answerCreateInvoice(deps(c), c.req.header("Authorization"), await readJson(c));
    return c.json(answer.body as object, answer.status);
  });
  dev.get("/dev/moyasar/v1/invoices/:id", async (c) => {
    const answer = await answerFetchInvoice(deps(c), c.req.header("Authorization"), c.req.param("id"));
    return c.json(answer.body as object, answer.status);
  });
  dev.get("/dev/moyasar/v1/payments/:id", async (c) => {
    const answer = await answerFetchPayment(deps(c), c.req.header("Authorization"), c.req.param("id"));
    return c.json(answer.body as object, answer.status);
  });

  // The hosted checkout page Moyasar's invoice URL points to.
  const checkoutPage = async (c: Context<AppEnv>, error?: string) => {
    const invoice = await invoiceForCheckoutPage(dbFor(c.env.DB), c.req.param("invoiceId") ?? "");
    const s = billingStrings(c.get("locale"));
    if (!invoice) throw new ApiError("NOT_FOUND", s.simulator.notFound);
    return renderPage(c, {
      title: () => s.simulator.title,
      body: (_, csrfToken) => <MoyasarCheckoutPage s={s} csrf={csrfToken} invoice={invoice} error={error} />,
      status: error ? 422 : 200,
    });
  };
  dev.get("/dev/moyasar/checkout/:invoiceId", (c) => checkoutPage(c));
  dev.post("/dev/moyasar/checkout/:invoiceId", async (c) => {
    const invoice = await invoiceForCheckoutPage(dbFor(c.env.DB), c.req.param("invoiceId") ?? "");
    if (!invoice) return checkoutPage(c);
    const { number } = await formValues(c, ["number"]);
    const outcome = await payWithCard(deps(c), invoice, number ?? "");
    return c.redirect(outcome.redirect, 303);
  });

  // Dev-only stand-in for the operator console's `GET /admin/circuit-breakers`: the outage drill
  // prints the whatsapp breaker's transitions from it.
  dev.get("/dev/circuit-breakers", async (c) => c.json(await breakerStatuses(c.env.CIRCUIT_BREAKER), 200));

  return dev;
}
