import type { FC } from "hono/jsx";
import type { expiringConsents } from "../../src/messaging/consent-expiry";
import { withValues } from "../admin/operations.views";
import { DateText } from "../components/date";
import type { Dictionary, Locale } from "../i18n";

type Ending = Awaited<ReturnType<typeof expiringConsents>>;
type Row = Ending["expiring"][number];

const ConsentRows: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  rows: Row[];
  dateLabel: string;
  testId: string;
}> = ({ t, locale, timeZone, rows, dateLabel, testId }) => {
  const labels = t.governance.consents;
  if (rows.length === 0)
    return (
      <p class="muted" data-testid={testId}>
        {labels.none}
      </p>
    );
  return (
    <div class="table-wrap">
      <table class="table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{labels.contact}</th>
            <th scope="col">{labels.channel}</th>
            <th scope="col">{labels.grantedAt}</th>
            <th scope="col">{dateLabel}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr data-contact={row.contactId}>
              <td>
                <a href={`/contacts/${row.contactId}`}>{row.contactName}</a>
              </td>
              <td>{labels.channels[row.channel]}</td>
              <td>
                {row.grantedAt ? (
                  <DateText ms={Date.parse(row.grantedAt)} locale={locale} timeZone={timeZone} />
                ) : null}
              </td>
              <td>
                <DateText ms={Date.parse(row.expiresAt)} locale={locale} timeZone={timeZone} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

/** Marketing consents about to lapse and lapsed ones, so staff can ask for a renewal in time. */
export const ExpiringConsentsPage: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  consents: Ending;
}> = ({ t, locale, timeZone, consents }) => {
  const labels = t.governance.consents;
  return (
    <section class="section">
      <div class="container stack" data-testid="expiring-consents">
        <h1>{labels.title}</h1>
        <p class="muted">{labels.intro}</p>
        <h2>{withValues(labels.expiringHeading, { days: String(consents.withinDays) })}</h2>
        <ConsentRows
          t={t}
          locale={locale}
          timeZone={timeZone}
          rows={consents.expiring}
          dateLabel={labels.expiresAt}
          testId="consents-expiring"
        />
        <h2>{labels.expiredHeading}</h2>
        <ConsentRows
          t={t}
          locale={locale}
          timeZone={timeZone}
          rows={consents.expired}
          dateLabel={labels.expiredAt}
          testId="consents-expired"
        />
      </div>
    </section>
  );
};
