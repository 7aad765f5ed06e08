import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import {
  breakerList,
  DLQ_QUEUES,
  type DlqQueue,
  deadLetterCounts,
  deadLetterPage,
  deadLetterProducers,
  purgeQueueLetters,
  resetNamedBreaker,
  retryQueueLetters,
} from "../../src/admin/operations.service";
import { dbFor } from "../../src/db/client";
import { BREAKER_NAMES, type BreakerName } from "../../src/platform/circuit-breaker";
import { type AppEnv, type OperatorPrincipal, requestOrigin } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { idSchema } from "../../src/platform/schemas";
import { renderPage } from "../render";
import { parseWith } from "../session/forms";
import { requireOperatorPage } from "./admin.pages";
import { BreakersPage, DeadLettersPage, type Notice, PurgeConfirmPage } from "./operations.views";

const PAGE_SIZE = 50;

const isQueue = (value: string | undefined): value is DlqQueue => DLQ_QUEUES.includes(value as DlqQueue);
const isBreaker = (value: string | undefined): value is BreakerName =>
  BREAKER_NAMES.includes(value as BreakerName);

function queueOf(c: Context<AppEnv>): DlqQueue {
  const queue = c.req.param("queue");
  if (!isQueue(queue)) throw new ApiError("NOT_FOUND", "No such dead-letter queue.");
  return queue;
}

const actOf = (c: Context<AppEnv>) => ({
  db: dbFor(c.env.DB),
  operator: c.get("operator") as OperatorPrincipal,
  origin: requestOrigin(c),
});

const SelectedIdsSchema = z.object({ ids: z.array(idSchema("dlt")).min(1).max(1000) });

/** The form's selection: all of the queue's letters, the checked ids, or nothing checked (null). */
async function selectionOf(c: Context<AppEnv>) {
  const form = await c.req.parseBody({ all: true });
  const raw = form.ids;
  const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (value): value is string => typeof value === "string",
  );
  const confirmed = form.confirmed === "yes";
  if (form.scope === "all") return { ids: undefined, confirmed };
  if (ids.length === 0) return null;
  return { ids: parseWith(SelectedIdsSchema, { ids }).ids, confirmed };
}

const ProgressQuerySchema = z.object({
  retried: z.coerce.number().int().min(0),
  waiting: z.coerce.number().int().min(0),
  failed: z.coerce.number().int().min(0),
  drain: z.enum(["1"]).optional(),
});

/** What the last action said, carried through the redirect in the query (counts only). */
function noticeOf(c: Context<AppEnv>): Notice | null {
  const query = c.req.query();
  if (query.notice === "none") return { kind: "nothingSelected" };
  const purged = z.coerce.number().int().min(0).safeParse(query.purged);
  if (query.purged !== undefined && purged.success) return { kind: "purged", purged: purged.data };
  const progress = ProgressQuerySchema.safeParse(query);
  if (!progress.success) return null;
  return { kind: "retry", ...progress.data, drain: progress.data.drain === "1" };
}

/** The queue's page after a form post, with what the post did in the query (counts only). */
const back = (queue: DlqQueue, values: Record<string, string | number>) => {
  const query = new URLSearchParams({ queue });
  for (const [name, value] of Object.entries(values)) query.set(name, String(value));
  return `/admin/dead-letters?${query}`;
};

export const operationsPages = new Hono<AppEnv>();

operationsPages.use("/admin/dead-letters", requireOperatorPage());
operationsPages.use("/admin/dead-letters/*", requireOperatorPage());
operationsPages.use("/admin/breakers", requireOperatorPage());
operationsPages.use("/admin/breakers/*", requireOperatorPage());

operationsPages.get("/admin/dead-letters", async (c) => {
  const requested = c.req.query("queue");
  const queue: DlqQueue = isQueue(requested) ? requested : "outbound";
  const db = dbFor(c.env.DB);
  const [counts, page] = await Promise.all([
    deadLetterCounts(db),
    deadLetterPage(db, queue, c.req.query("cursor") || undefined, PAGE_SIZE),
  ]);
  return renderPage(c, {
    title: (t) => t.admin.deadLetters.title,
    body: (t, csrf) => (
      <DeadLettersPage
        t={t}
        locale={c.get("locale")}
        csrf={csrf}
        counts={counts}
        queue={queue}
        letters={page.data}
        nextCursor={page.nextCursor}
        notice={noticeOf(c)}
      />
    ),
    scripts: ["/assets/dead-letters.js"],
    operatorConsole: true,
  });
});

operationsPages.post("/admin/dead-letters/:queue/retry", async (c) => {
  const queue = queueOf(c);
  const selection = await selectionOf(c);
  if (!selection) return c.redirect(back(queue, { notice: "none" }), 303);
  const progress = await retryQueueLetters(actOf(c), deadLetterProducers(c.env), queue, selection.ids);
  const { retried, waiting, failed } = progress;
  return c.redirect(back(queue, { retried, waiting, failed, ...(selection.ids ? {} : { drain: 1 }) }), 303);
});

operationsPages.post("/admin/dead-letters/:queue/purge", async (c) => {
  const queue = queueOf(c);
  const selection = await selectionOf(c);
  if (!selection) return c.redirect(back(queue, { notice: "none" }), 303);
  if (!selection.confirmed) {
    return renderPage(c, {
      title: (t) => t.admin.deadLetters.confirmTitle,
      body: (t, csrf) => <PurgeConfirmPage t={t} csrf={csrf} queue={queue} ids={selection.ids} />,
      operatorConsole: true,
    });
  }
  const { purged } = await purgeQueueLetters(actOf(c), queue, selection.ids);
  return c.redirect(back(queue, { purged }), 303);
});

operationsPages.get("/admin/breakers", async (c) => {
  const { data } = await breakerList(c.env.CIRCUIT_BREAKER);
  const reset = c.req.query("reset");
  return renderPage(c, {
    title: (t) => t.admin.breakers.title,
    body: (t, csrf) => (
      <BreakersPage
        t={t}
        locale={c.get("locale")}
        csrf={csrf}
        breakers={data}
        resetName={isBreaker(reset) ? reset : null}
      />
    ),
    operatorConsole: true,
  });
});

operationsPages.post("/admin/breakers/:name/reset", async (c) => {
  const name = c.req.param("name");
  if (!isBreaker(name)) throw new ApiError("NOT_FOUND", "No such circuit breaker.");
  await resetNamedBreaker(actOf(c), c.env.CIRCUIT_BREAKER, name);
  return c.redirect(`/admin/breakers?reset=${name}`, 303);
});
