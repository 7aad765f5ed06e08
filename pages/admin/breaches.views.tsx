import type { FC } from "hono/jsx";
import { BREACH_CHANNELS, BREACH_CHECKLIST, BREACH_RECIPIENTS } from "../../src/breaches/breaches.schema";
import type { breachView } from "../../src/breaches/breaches.service";
import { CsrfField } from "../components/form";
import type { Dictionary, Locale } from "../i18n";
import { DateTime } from "./admin.views";
import { withValues } from "./operations.views";

type Breach = ReturnType<typeof breachView>;

const hoursAndMinutes = (minutes: number) => ({
  hours: String(Math.floor(Math.abs(minutes) / 60)),
  minutes: String(Math.abs(minutes) % 60),
});

/** The 72-hour clock, loud: what is left, or how late it is. */
export const BreachClock: FC<{ t: Dictionary; locale: Locale; breach: Breach }> = ({ t, locale, breach }) => {
  const b = t.governance.breaches;
  const clock = breach.regulatorClock;
  const tone =
    clock.state === "running"
      ? "warning"
      : clock.state === "overdue" || clock.state === "late"
        ? "error"
        : "info";
  return (
    <p class={`alert alert--${tone}`} role="status" data-testid="breach-clock" data-state={clock.state}>
      <strong>
        {clock.state === "running" && clock.minutesLeft !== null
          ? withValues(b.clockRunning, hoursAndMinutes(clock.minutesLeft))
          : clock.state === "overdue" && clock.minutesLeft !== null
            ? withValues(b.clockOverdue, hoursAndMinutes(clock.minutesLeft))
            : clock.state === "met"
              ? b.clockMet
              : b.clockLate}
      </strong>{" "}
      · {b.deadline}: <DateTime ms={Date.parse(clock.deadline)} locale={locale} />
    </p>
  );
};

export const BreachListPage: FC<{ t: Dictionary; locale: Locale; csrf: string; breaches: Breach[] }> = ({
  t,
  locale,
  csrf,
  breaches,
}) => {
  const b = t.governance.breaches;
  return (
    <section class="section">
      <div class="container stack" data-testid="breaches-page">
        <p>
          <a href="/admin">{t.admin.consoleTitle}</a>
        </p>
        <h1>{b.title}</h1>
        <p class="muted">{b.intro}</p>
        {breaches.length === 0 ? (
          <p class="empty-state">{b.none}</p>
        ) : (
          <ul class="record-list">
            {breaches.map((breach) => (
              <li data-testid="breach" data-id={breach.id}>
                <a href={`/admin/breaches/${breach.id}`}>{breach.title}</a>
                <BreachClock t={t} locale={locale} breach={breach} />
              </li>
            ))}
          </ul>
        )}
        <form method="post" action="/admin/breaches/new" class="card stack--tight" data-testid="open-breach">
          <h2>{b.open}</h2>
          <CsrfField token={csrf} />
          <label>
            {b.fields.title} <input type="text" name="title" minlength={3} maxlength={200} required />
          </label>
          <label>
            {b.fields.description}{" "}
            <textarea name="description" minlength={3} maxlength={5000} rows={3} required />
          </label>
          <label>
            {b.fields.awareAt} <input type="datetime-local" name="awareAt" required />
            <span class="muted">{b.riyadhTime}</span>
          </label>
          <label>
            {b.fields.dataCategories} <input type="text" name="dataCategories" required />
            <span class="muted">{b.commaSeparated}</span>
          </label>
          <label>
            {b.fields.subjectCategories} <input type="text" name="subjectCategories" required />
            <span class="muted">{b.commaSeparated}</span>
          </label>
          <label>
            {b.fields.approxSubjects} <input type="number" name="approxSubjects" min="0" required />
          </label>
          <label>
            {b.fields.affectedTenantIds} <input type="text" name="affectedTenantIds" dir="ltr" />
            <span class="muted">{b.commaSeparated}</span>
          </label>
          <button type="submit" class="button button--primary">
            {b.open}
          </button>
        </form>
      </div>
    </section>
  );
};

export const BreachDetailPage: FC<{ t: Dictionary; locale: Locale; csrf: string; breach: Breach }> = ({
  t,
  locale,
  csrf,
  breach,
}) => {
  const b = t.governance.breaches;
  return (
    <section class="section">
      <div class="container stack" data-testid="breach-page">
        <p>
          <a href="/admin/breaches">{b.title}</a>
        </p>
        <h1>{breach.title}</h1>
        <BreachClock t={t} locale={locale} breach={breach} />
        <dl class="stack--tight">
          <dt>{b.fields.awareAt}</dt>
          <dd>
            <DateTime ms={Date.parse(breach.awareAt)} locale={locale} />
          </dd>
          <dt>{b.fields.description}</dt>
          <dd>{breach.description}</dd>
          <dt>{b.fields.dataCategories}</dt>
          <dd>{breach.dataCategories.join("، ")}</dd>
          <dt>{b.fields.subjectCategories}</dt>
          <dd>{breach.subjectCategories.join("، ")}</dd>
          <dt>{b.fields.approxSubjects}</dt>
          <dd>{breach.approxSubjects}</dd>
          <dt>{b.fields.affectedTenantIds}</dt>
          <dd dir="ltr">{breach.affectedTenantIds.join(", ") || "—"}</dd>
        </dl>

        <form
          method="post"
          action={`/admin/breaches/${breach.id}/edit`}
          class="card stack--tight"
          data-testid="breach-checklist"
        >
          <h2>{b.checklistHeading}</h2>
          <CsrfField token={csrf} />
          <label>
            {b.fields.risks}{" "}
            <textarea name="risks" maxlength={5000} rows={3}>
              {breach.risks ?? ""}
            </textarea>
          </label>
          <label>
            {b.fields.remedialActions}{" "}
            <textarea name="remedialActions" maxlength={5000} rows={3}>
              {breach.remedialActions ?? ""}
            </textarea>
          </label>
          <label>
            {b.fields.contactPoint}{" "}
            <input type="text" name="contactPoint" maxlength={500} value={breach.contactPoint ?? ""} />
          </label>
          <fieldset>
            <legend>{b.checklistLegend}</legend>
            {BREACH_CHECKLIST.map((item) => (
              <label>
                <input type="checkbox" name="checklist" value={item} checked={breach.checklist[item]} />{" "}
                {b.checklist[item]}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="button">
            {b.save}
          </button>
        </form>

        <div class="card stack--tight">
          <h2>{b.notificationsHeading}</h2>
          {breach.notifications.length === 0 ? (
            <p class="muted">{b.noNotifications}</p>
          ) : (
            <ul data-testid="breach-notifications">
              {breach.notifications.map((notice) => (
                <li>
                  {b.recipients[notice.recipient]}
                  {notice.tenantId ? <code dir="ltr"> {notice.tenantId}</code> : null} ·{" "}
                  {b.channels[notice.channel]} ·{" "}
                  <DateTime ms={Date.parse(notice.notifiedAt)} locale={locale} />
                  {notice.reference ? <span dir="ltr"> · {notice.reference}</span> : null}
                </li>
              ))}
            </ul>
          )}
          {breach.missingFromNotice.length > 0 ? (
            <p class="alert alert--warning" data-testid="notice-incomplete">
              {b.regulatorWaits}
            </p>
          ) : null}
          <form method="post" action={`/admin/breaches/${breach.id}/notify`} class="stack--tight">
            <CsrfField token={csrf} />
            <label>
              {b.fields.recipient}{" "}
              <select name="recipient">
                {BREACH_RECIPIENTS.map((recipient) => (
                  <option value={recipient}>{b.recipients[recipient]}</option>
                ))}
              </select>
            </label>
            <label>
              {b.fields.tenant}{" "}
              <select name="tenantId">
                <option value="">—</option>
                {breach.affectedTenantIds.map((id) => (
                  <option value={id}>{id}</option>
                ))}
              </select>
            </label>
            <label>
              {b.fields.channel}{" "}
              <select name="channel">
                {BREACH_CHANNELS.map((channel) => (
                  <option value={channel}>{b.channels[channel]}</option>
                ))}
              </select>
            </label>
            <label>
              {b.fields.reference} <input type="text" name="reference" maxlength={200} dir="ltr" />
            </label>
            <button type="submit" class="button button--primary">
              {b.recordNotice}
            </button>
          </form>
        </div>
      </div>
    </section>
  );
};
