import { Hono } from "hono";
import { myTaskBuckets } from "../../src/activities/activities.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { renderPage } from "../render";
import { requireSignedIn, signedInUser } from "../session/page-session";
import { TasksPage } from "./tasks.views";

/** How many tasks each bucket shows; the API pages through the rest. */
const BUCKET_SIZE = 50;

export const taskPages = new Hono<AppEnv>();
taskPages.use("/tasks", requireSignedIn());

/** "My tasks": overdue, today and upcoming, in one D1 round trip with the session check. */
taskPages.get("/tasks", async (c) => {
  const me = signedInUser(c);
  const ctx = tenantOf(c);
  const buckets = await myTaskBuckets(ctx, me.userId, BUCKET_SIZE);
  // What the done button (or a change made meanwhile) did, from the redirect back here.
  const outcome = c.req.query("activity");
  return renderPage(c, {
    title: (t) => t.tasks.title,
    body: (t, csrf) => (
      <TasksPage
        t={t}
        locale={c.get("locale")}
        timeZone={me.tenantTimeZone}
        csrf={csrf}
        now={ctx.now}
        buckets={buckets}
        notice={outcome === "done" ? t.tasks.doneNotice : undefined}
        error={outcome === "changed" ? t.activities.errors.changed : undefined}
      />
    ),
  });
});
