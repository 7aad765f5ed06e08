import { type Context, Hono } from "hono";
import { CreateActivityInputSchema } from "../../src/activities/activities.model";
import { createActivity, updateActivityOf } from "../../src/activities/activities.service";
import { DEFAULT_TIME_ZONE, zonedInstant } from "../../src/activities/calendar-day";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { etagOf } from "../../src/platform/versioning";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, parseWith, safeReturnPath } from "../session/forms";
import { requireSignedIn, signedInUser } from "../session/page-session";
import { type QuickActionKind, QuickActions, type TimelineTarget } from "./timeline";

const QUICK_KINDS: readonly QuickActionKind[] = ["note", "call", "task"];
const FORM_FIELDS = ["kind", "contactId", "dealId", "title", "body", "dueDate", "dueTime", "back"] as const;

/** The message for a refused quick action, from the first field the API named. */
function messageFor(t: Dictionary, error: ApiError): string {
  const path = error.errors?.[0]?.path ?? "";
  if (path === "contactId" || path === "dealId") return t.activities.errors.record;
  if (path === "body") return t.activities.errors.body;
  if (path === "title") return t.activities.errors.title;
  if (path === "dueAt" || path === "remindAt") return t.activities.errors.due;
  return t.activities.errors.generic;
}

export const activityPages = new Hono<AppEnv>();
activityPages.use("/activities", requireSignedIn());
activityPages.use("/activities/*", requireSignedIn());

/**
 * A quick action from a contact's or deal's page: saved, then back to that page. A refused form
 * comes back as a small page with the form filled in and what to fix, so nothing typed is lost.
 */
activityPages.post("/activities", async (c) => {
  const values = await formValues(c, FORM_FIELDS);
  const back = safeReturnPath(values.back, "/tasks");
  const kind = QUICK_KINDS.find((k) => k === values.kind);
  if (!kind) throw new ApiError("VALIDATION_FAILED", "Unknown activity kind.");
  const target: TimelineTarget | null = isId("con", values.contactId ?? "")
    ? { contactId: values.contactId ?? "" }
    : isId("deal", values.dealId ?? "")
      ? { dealId: values.dealId ?? "" }
      : null;
  if (!target) throw new ApiError("NOT_FOUND");
  const zone = signedInUser(c).tenantTimeZone ?? DEFAULT_TIME_ZONE;
  const dueAt =
    kind === "task" && values.dueDate ? zonedInstant(values.dueDate, values.dueTime || "09:00", zone) : null;
  try {
    const input = parseWith(CreateActivityInputSchema, {
      kind,
      ...target,
      ...(values.title ? { title: values.title } : {}),
      ...(values.body ? { body: values.body } : {}),
      ...(kind === "task" ? { dueAt: dueAt === null ? "" : new Date(dueAt).toISOString() } : {}),
    });
    await createActivity(tenantOf(c), input);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "VALIDATION_FAILED") throw error;
    return renderQuickActionError(c, { kind, target, back, values, error });
  }
  return c.redirect(back, 303);
});

function renderQuickActionError(
  c: Context<AppEnv>,
  form: {
    kind: QuickActionKind;
    target: TimelineTarget;
    back: string;
    values: Record<string, string>;
    error: ApiError;
  },
) {
  return renderPage(c, {
    title: (t) => t.activities.formTitle,
    body: (t, csrf) => (
      <section class="section">
        <div class="container narrow stack" data-testid="activity-form-page">
          <h1>{t.activities.formTitle}</h1>
          <QuickActions
            t={t}
            csrf={csrf}
            target={form.target}
            back={form.back}
            timeZone={signedInUser(c).tenantTimeZone}
            now={Date.now()}
            state={{ kind: form.kind, values: form.values, error: messageFor(t, form.error) }}
          />
          <p>
            <a href={form.back}>{t.activities.back}</a>
          </p>
        </div>
      </section>
    ),
    status: 422,
  });
}

/**
 * Marks a task done (or reopens it) from the timeline or "my tasks", for the version the page
 * showed. When someone changed it meanwhile, the page comes back with `?activity=changed`.
 */
activityPages.post("/activities/:activityId/done", async (c) => {
  const id = c.req.param("activityId");
  if (!isId("act", id)) throw new ApiError("NOT_FOUND");
  const values = await formValues(c, ["version", "back", "done"]);
  const back = safeReturnPath(values.back, "/tasks");
  const version = /^\d{1,9}$/.test(values.version ?? "") ? Number(values.version) : 0;
  try {
    await updateActivityOf(tenantOf(c), id, etagOf(version), { done: values.done !== "false" });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "VERSION_MISMATCH") throw error;
    return c.redirect(withFlag(back, "changed"), 303);
  }
  return c.redirect(withFlag(back, values.done === "false" ? "reopened" : "done"), 303);
});

/** `back` with `activity=<outcome>` added, for the page to say what happened. */
function withFlag(back: string, outcome: string) {
  const url = new URL(back, "https://dealix.invalid");
  url.searchParams.set("activity", outcome);
  return `${url.pathname}${url.search}${url.hash}`;
}
