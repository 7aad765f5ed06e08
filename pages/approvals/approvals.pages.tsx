import { type Context, Hono } from "hono";
import { members } from "../../src/members/members.service";
import { decideApproval, listApprovals } from "../../src/messaging/approvals.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { requireManager, requireSignedIn, signedInUser } from "../session/page-session";
import { ApprovalsPage } from "./approvals.views";

/** Outbound messages the tenant's approval policy held, for managers and owners to decide. */
export const approvalsPages = new Hono<AppEnv>();

const PAGE_SIZE = 20;
// Names for "written by": a tenant's team fits in one page; a writer beyond it shows as a member.
const AUTHOR_PAGE = 100;

const managersOnly = requireManager();
for (const path of ["/approvals", "/approvals/*"]) approvalsPages.use(path, requireSignedIn(), managersOnly);

const FLASH = ["approved", "rejected", "taken"] as const;
type Flash = (typeof FLASH)[number];
const isFlash = (value: string | undefined): value is Flash => FLASH.includes(value as Flash);

const flashOf = (t: Dictionary, done: string | undefined) => {
  if (!isFlash(done)) return {};
  return done === "taken" ? { error: t.approvals.taken } : { notice: t.approvals[done] };
};

/** The held messages and the team's names, read side by side. A hand-edited cursor shows the first page. */
async function load(c: Context<AppEnv>, cursor: string | undefined) {
  const ctx = tenantOf(c);
  const list = (at: string | undefined) => listApprovals(ctx, at, PAGE_SIZE);
  const [page, team] = await Promise.all([
    list(cursor).catch((error) => {
      if (cursor && error instanceof ApiError && error.code === "VALIDATION_FAILED") return list(undefined);
      throw error;
    }),
    members(ctx, undefined, AUTHOR_PAGE),
  ]);
  return { page, authors: new Map(team.data.map((m) => [m.userId, m.name])) };
}

approvalsPages.get("/approvals", async (c) => {
  const cursor = c.req.query("cursor");
  const { page, authors } = await load(c, cursor && cursor.length <= 512 ? cursor : undefined);
  const done = c.req.query("done");
  return renderPage(c, {
    title: (t) => t.approvals.title,
    body: (t, csrf) => (
      <ApprovalsPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        messages={page.data}
        nextCursor={page.nextCursor}
        authors={authors}
        {...flashOf(t, done)}
      />
    ),
  });
});

for (const [action, approved] of [
  ["approve", true],
  ["reject", false],
] as const) {
  approvalsPages.post(`/approvals/:messageId/${action}`, async (c) => {
    const id = c.req.param("messageId");
    if (!isId("wam", id)) throw new ApiError("NOT_FOUND");
    try {
      await decideApproval(tenantOf(c), id, approved);
      return c.redirect(`/approvals?done=${approved ? "approved" : "rejected"}`, 303);
    } catch (error) {
      // Someone else decided first: back to the list, which says so and no longer shows it.
      if (error instanceof ApiError && error.code === "CONFLICT")
        return c.redirect("/approvals?done=taken", 303);
      throw error;
    }
  });
}
