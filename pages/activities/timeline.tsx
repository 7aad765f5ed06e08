import type { FC } from "hono/jsx";
import { TITLE_MAX_LENGTH } from "../../src/activities/activities.model";
import {
  type ActivityWithNames,
  type TimelineTarget,
  timeline,
} from "../../src/activities/activities.service";
import { DEFAULT_TIME_ZONE, dateInZone } from "../../src/activities/calendar-day";
import type { TenantContext } from "../../src/platform/context";
import { formatDate } from "../components/date";
import { CsrfField } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

export type { ActivityWithNames, TimelineTarget };

/** How many activities a record's page shows; older ones stay in the API. */
export const TIMELINE_PAGE_SIZE = 50;

/**
 * A record's timeline for its page: one D1 round trip (with the session check) that also checks
 * the caller may see the record (404 otherwise). A page that reads its record itself can put
 * `timelineQuery` from the activities service in its own batch instead.
 */
export async function loadTimeline(ctx: TenantContext, target: TimelineTarget, limit = TIMELINE_PAGE_SIZE) {
  return (await timeline(ctx, target, undefined, limit)).data;
}

// One per locale and zone, as in components/date.tsx: building a formatter costs more than using it.
const timeFormatters = new Map<string, Intl.DateTimeFormat>();
function timeFormatter(locale: Locale, timeZone: string) {
  const key = `${locale}|${timeZone}`;
  let cached = timeFormatters.get(key);
  if (!cached) {
    const options: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };
    try {
      cached = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      cached = new Intl.DateTimeFormat(locale, { ...options, timeZone: DEFAULT_TIME_ZONE });
    }
    timeFormatters.set(key, cached);
  }
  return cached;
}

/** A moment as people here read it: Gregorian date, Hijri date beside it, and the time of day. */
export const When: FC<{ ms: number; locale: Locale; timeZone: string | null }> = ({
  ms,
  locale,
  timeZone,
}) => {
  const zone = timeZone ?? DEFAULT_TIME_ZONE;
  const { gregorian, hijri } = formatDate(ms, locale, zone);
  return (
    <time datetime={new Date(ms).toISOString()} class="when">
      <span>
        {gregorian} ({hijri})
      </span>{" "}
      <span class="when__time">{timeFormatter(locale, zone).format(ms)}</span>
    </time>
  );
};

const KIND_ICONS: Record<ActivityWithNames["kind"], string> = {
  note: "✎",
  call: "☎",
  visit: "⌂",
  meeting: "◎",
  task: "✓",
};

export const KindBadge: FC<{ t: Dictionary; kind: ActivityWithNames["kind"] }> = ({ t, kind }) => (
  <span class={`kind kind--${kind}`}>
    <span aria-hidden="true">{KIND_ICONS[kind]}</span> {t.activities.kinds[kind]}
  </span>
);

/** Marks an open activity done (or reopens a done one); a plain form, so it works without JavaScript. */
export const DoneButton: FC<{ t: Dictionary; csrf: string; activity: ActivityWithNames; back: string }> = ({
  t,
  csrf,
  activity,
  back,
}) => (
  <form method="post" action={`/activities/${activity.id}/done`} class="inline-form">
    <CsrfField token={csrf} />
    <input type="hidden" name="version" value={String(activity.version)} />
    <input type="hidden" name="back" value={back} />
    <input type="hidden" name="done" value={activity.doneAt === null ? "true" : "false"} />
    <button
      type="submit"
      class={activity.doneAt === null ? "button button--small button--primary" : "button button--small"}
    >
      {activity.doneAt === null ? t.activities.markDone : t.activities.reopen}
    </button>
  </form>
);

interface TimelineProps {
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  items: ActivityWithNames[];
  /** The page to come back to after marking a task done: the record's own path. */
  back: string;
  now: number;
}

/** A record's activities, newest first, as a list a phone reader scrolls. */
export const Timeline: FC<TimelineProps> = ({ t, locale, timeZone, csrf, items, back, now }) => (
  <section class="timeline" aria-labelledby="timeline-title" id="timeline" data-testid="timeline">
    <h2 id="timeline-title">{t.activities.timeline}</h2>
    {items.length === 0 ? (
      <p class="muted" data-testid="timeline-empty">
        {t.activities.timelineEmpty}
      </p>
    ) : (
      <ol class="timeline__list">
        {items.map((item) => {
          const late = item.doneAt === null && item.dueAt !== null && item.dueAt < now;
          return (
            <li class="timeline__item" data-testid="timeline-item" data-kind={item.kind} data-id={item.id}>
              <div class="timeline__head">
                <KindBadge t={t} kind={item.kind} />
                {item.title ? (
                  <strong class="timeline__title" dir="auto">
                    {item.title}
                  </strong>
                ) : null}
              </div>
              {item.body ? (
                <p class="timeline__body" dir="auto">
                  {item.body}
                </p>
              ) : null}
              <p class="timeline__meta muted">
                <When ms={item.occurredAt} locale={locale} timeZone={timeZone} /> · {t.activities.by}{" "}
                {item.authorName ?? t.activities.viaApi}
              </p>
              {item.dueAt !== null ? (
                <p class="timeline__meta">
                  {t.activities.due}: <When ms={item.dueAt} locale={locale} timeZone={timeZone} />
                  {late ? <span class="badge badge--warn">{t.activities.late}</span> : null}
                  {item.assigneeName && item.assigneeId !== item.createdBy ? (
                    <>
                      {" "}
                      · {t.activities.assignedTo} {item.assigneeName}
                    </>
                  ) : null}
                </p>
              ) : null}
              {item.doneAt !== null && item.dueAt !== null ? (
                <p class="timeline__meta muted">
                  {t.activities.doneOn}: <When ms={item.doneAt} locale={locale} timeZone={timeZone} />
                </p>
              ) : null}
              {item.dueAt !== null ? <DoneButton t={t} csrf={csrf} activity={item} back={back} /> : null}
            </li>
          );
        })}
      </ol>
    )}
  </section>
);

export type QuickActionKind = "note" | "call" | "task";

export interface QuickActionState {
  /** Which form the values and error belong to (after a refused submission). */
  kind?: QuickActionKind;
  values?: Record<string, string>;
  error?: string;
}

interface QuickActionsProps {
  t: Dictionary;
  csrf: string;
  target: TimelineTarget;
  /** Where to come back to after saving: the record's page. */
  back: string;
  timeZone: string | null;
  now: number;
  state?: QuickActionState;
}

const HiddenTarget: FC<{ target: TimelineTarget; back: string; kind: QuickActionKind }> = ({
  target,
  back,
  kind,
}) => (
  <>
    <input type="hidden" name="kind" value={kind} />
    {"contactId" in target ? <input type="hidden" name="contactId" value={target.contactId} /> : null}
    {"dealId" in target ? <input type="hidden" name="dealId" value={target.dealId} /> : null}
    <input type="hidden" name="back" value={back} />
  </>
);

/**
 * Add a note, log a call, schedule a task: three small forms posting to /activities, each usable
 * without JavaScript; after saving, the browser comes back to `back`.
 */
export const QuickActions: FC<QuickActionsProps> = ({ t, csrf, target, back, timeZone, now, state = {} }) => {
  const submitted = (kind: QuickActionKind, name: string) =>
    state.kind === kind ? (state.values?.[name] ?? "") : "";
  const errorFor = (kind: QuickActionKind) =>
    state.kind === kind && state.error ? (
      <p class="field__error" role="alert">
        {state.error}
      </p>
    ) : null;
  const today = dateInZone(now, timeZone ?? DEFAULT_TIME_ZONE);
  return (
    <section class="quick-actions" aria-label={t.activities.quickActions} data-testid="quick-actions">
      <details open={state.kind === undefined || state.kind === "note"}>
        <summary>{t.activities.addNote}</summary>
        <form method="post" action="/activities" class="form stack--tight" data-testid="quick-note">
          <CsrfField token={csrf} />
          <HiddenTarget target={target} back={back} kind="note" />
          <div class="field">
            <label for="note-body">{t.activities.noteBody}</label>
            <textarea id="note-body" name="body" rows={3} required maxlength={5000}>
              {submitted("note", "body")}
            </textarea>
          </div>
          {errorFor("note")}
          <button type="submit" class="button button--primary">
            {t.activities.save}
          </button>
        </form>
      </details>
      <details open={state.kind === "call"}>
        <summary>{t.activities.logCall}</summary>
        <form method="post" action="/activities" class="form stack--tight" data-testid="quick-call">
          <CsrfField token={csrf} />
          <HiddenTarget target={target} back={back} kind="call" />
          <div class="field">
            <label for="call-body">{t.activities.callBody}</label>
            <textarea id="call-body" name="body" rows={3} maxlength={5000}>
              {submitted("call", "body")}
            </textarea>
          </div>
          {errorFor("call")}
          <button type="submit" class="button button--primary">
            {t.activities.save}
          </button>
        </form>
      </details>
      <details open={state.kind === "task"}>
        <summary>{t.activities.scheduleTask}</summary>
        <form method="post" action="/activities" class="form stack--tight" data-testid="quick-task">
          <CsrfField token={csrf} />
          <HiddenTarget target={target} back={back} kind="task" />
          <div class="field">
            <label for="task-title">{t.activities.taskTitle}</label>
            <input
              id="task-title"
              name="title"
              type="text"
              required
              maxlength={TITLE_MAX_LENGTH}
              value={submitted("task", "title")}
            />
          </div>
          <div class="quick-actions__when">
            <div class="field">
              <label for="task-date">{t.activities.dueDate}</label>
              <input
                id="task-date"
                name="dueDate"
                type="date"
                dir="ltr"
                required
                min={today}
                value={submitted("task", "dueDate") || today}
              />
            </div>
            <div class="field">
              <label for="task-time">{t.activities.dueTime}</label>
              <input
                id="task-time"
                name="dueTime"
                type="time"
                value={submitted("task", "dueTime") || "09:00"}
              />
            </div>
          </div>
          {errorFor("task")}
          <button type="submit" class="button button--primary">
            {t.activities.save}
          </button>
        </form>
      </details>
    </section>
  );
};
