import type { FC } from "hono/jsx";
import type { ActivityWithNames } from "../../src/activities/activities.service";
import { DoneButton, KindBadge, When } from "../activities/timeline";
import { ErrorSummary, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

type Bucket = "overdue" | "today" | "upcoming";

export interface TasksPageProps {
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  now: number;
  buckets: Record<Bucket, { data: ActivityWithNames[]; nextCursor: string | null }>;
  notice?: string | undefined;
  error?: string | undefined;
}

/** Where a task leads: its contact's or deal's page. */
const About: FC<{ t: Dictionary; task: ActivityWithNames }> = ({ t, task }) => {
  if (task.dealId && task.dealTitle) {
    return (
      <p class="task__about">
        {t.tasks.about}:{" "}
        <a href={`/deals/${task.dealId}`} dir="auto">
          {task.dealTitle}
        </a>
      </p>
    );
  }
  if (task.contactId && task.contactName) {
    return (
      <p class="task__about">
        {t.tasks.about}:{" "}
        <a href={`/contacts/${task.contactId}`} dir="auto">
          {task.contactName}
        </a>
      </p>
    );
  }
  return null;
};

const TaskList: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  now: number;
  bucket: Bucket;
  page: { data: ActivityWithNames[]; nextCursor: string | null };
  empty: string;
}> = ({ t, locale, timeZone, csrf, now, bucket, page, empty }) => (
  <section class="task-bucket" aria-labelledby={`bucket-${bucket}`} data-testid={`bucket-${bucket}`}>
    <h2 id={`bucket-${bucket}`}>
      {t.tasks[bucket]} <span class="task-bucket__count">{page.data.length}</span>
    </h2>
    {page.data.length === 0 ? (
      <p class="muted" data-testid="bucket-empty">
        {empty}
      </p>
    ) : (
      <ul class="task-list">
        {page.data.map((task) => (
          <li
            class={`task${bucket === "overdue" ? " task--overdue" : ""}`}
            data-testid="task"
            data-id={task.id}
          >
            <div class="task__main">
              <div class="timeline__head">
                <KindBadge t={t} kind={task.kind} />
                <strong dir="auto">{task.title ?? task.body ?? t.activities.kinds[task.kind]}</strong>
              </div>
              <About t={t} task={task} />
              {task.dueAt !== null ? (
                <p class="muted task__due">
                  <When ms={task.dueAt} locale={locale} timeZone={timeZone} />
                  {bucket === "today" && task.dueAt < now ? (
                    <span class="badge badge--warn">{t.activities.late}</span>
                  ) : null}
                </p>
              ) : null}
            </div>
            <DoneButton t={t} csrf={csrf} activity={task} back="/tasks" />
          </li>
        ))}
      </ul>
    )}
    {page.nextCursor ? <p class="muted">{t.tasks.showingFirst}</p> : null}
  </section>
);

export const TasksPage: FC<TasksPageProps> = ({ t, locale, timeZone, csrf, now, buckets, notice, error }) => {
  const none = buckets.overdue.data.length + buckets.today.data.length + buckets.upcoming.data.length === 0;
  const common = { t, locale, timeZone, csrf, now };
  return (
    <section class="section">
      <div class="container stack" data-testid="tasks-page">
        <h1>{t.tasks.title}</h1>
        <p class="muted">{t.tasks.intro}</p>
        <Notice message={notice} />
        <ErrorSummary message={error} />
        {none ? (
          <div class="panel stack--tight" data-testid="tasks-empty">
            <p>{t.tasks.emptyAll}</p>
            <p>
              <a class="button button--primary" href="/contacts">
                {t.tasks.openContacts}
              </a>
            </p>
          </div>
        ) : (
          <>
            <TaskList {...common} bucket="overdue" page={buckets.overdue} empty={t.tasks.emptyOverdue} />
            <TaskList {...common} bucket="today" page={buckets.today} empty={t.tasks.emptyToday} />
            <TaskList {...common} bucket="upcoming" page={buckets.upcoming} empty={t.tasks.emptyUpcoming} />
          </>
        )}
      </div>
    </section>
  );
};
