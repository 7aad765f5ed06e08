import type { FC } from "hono/jsx";
import {
  PRIVACY_CONTACT,
  PRIVACY_NOTICE_VERSION,
  type recordsOfProcessing,
  SUB_PROCESSORS,
} from "../../src/privacy/processing-records";
import {
  RETENTION_TYPE_NAMES,
  RETENTION_TYPES,
  type RetentionPeriods,
} from "../../src/retention/retention.policy";
import type { Dictionary, Locale } from "../i18n";

type Records = ReturnType<typeof recordsOfProcessing>;

const RetentionList: FC<{ t: Dictionary; periods: RetentionPeriods }> = ({ t, periods }) => {
  const r = t.governance.retention;
  return (
    <ul data-testid="notice-retention">
      {RETENTION_TYPE_NAMES.map((type) => (
        <li>
          {r.types[type]}: {t.governance.privacy.days.replace("{days}", String(periods[type]))} (
          {r.actions[RETENTION_TYPES[type].action]})
        </li>
      ))}
    </ul>
  );
};

export const SubProcessorTable: FC<{ t: Dictionary; locale: Locale }> = ({ t, locale }) => {
  const p = t.governance.privacy;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="sub-processors">
        <thead>
          <tr>
            <th scope="col">{p.processor}</th>
            <th scope="col">{p.purpose}</th>
            <th scope="col">{p.data}</th>
            <th scope="col">{p.location}</th>
            <th scope="col">{p.transferBasis}</th>
          </tr>
        </thead>
        <tbody>
          {SUB_PROCESSORS.map((processor) => (
            <tr data-id={processor.id}>
              <th scope="row" dir="ltr">
                {processor.name}
              </th>
              <td>{processor.purpose[locale]}</td>
              <td>{processor.data[locale]}</td>
              <td>{processor.location[locale]}</td>
              <td>{processor.transferBasis[locale]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

/**
 * The privacy notice (PDPL Art. 12): who processes, what, why, where (outside the Kingdom
 * included), how long, the person's rights and how to use them. For the platform, or for one
 * business using Dealix (`business`), whose request page it links.
 */
export const PrivacyNoticePage: FC<{
  t: Dictionary;
  locale: Locale;
  retention: RetentionPeriods;
  business: { tenantId: string; name: string } | null;
}> = ({ t, locale, retention, business }) => {
  const p = t.governance.privacy;
  return (
    <section class="section">
      <div class="container narrow stack" data-testid="privacy-notice">
        <h1>{business ? p.tenantTitle.replace("{name}", business.name) : p.title}</h1>
        <p class="lead">{business ? p.tenantIntro.replace("{name}", business.name) : p.intro}</p>
        <h2>{p.whatHeading}</h2>
        <p>{p.what}</p>
        <h2>{p.whyHeading}</h2>
        <p>{p.why}</p>
        <h2>{p.marketingHeading}</h2>
        <p>{p.marketing}</p>
        <h2>{p.whereHeading}</h2>
        <p>{p.where}</p>
        <p>
          <a href="/privacy/sub-processors">{p.subProcessorsLink}</a>
        </p>
        <h2>{p.retentionHeading}</h2>
        <RetentionList t={t} periods={retention} />
        <h2>{p.rightsHeading}</h2>
        <p>{p.rights}</p>
        {business ? (
          <p>
            <a
              class="button button--primary"
              href={`/privacy/${business.tenantId}/request`}
              data-testid="request-link"
            >
              {p.requestLink}
            </a>
          </p>
        ) : null}
        <h2>{p.contactHeading}</h2>
        <p>
          <a href={`mailto:${PRIVACY_CONTACT.email}`} dir="ltr">
            {PRIVACY_CONTACT.email}
          </a>{" "}
          · {PRIVACY_CONTACT.address[locale]}
        </p>
        <p class="muted" data-testid="notice-version">
          {p.version} <span dir="ltr">{PRIVACY_NOTICE_VERSION}</span>
        </p>
      </div>
    </section>
  );
};

export const SubProcessorsPage: FC<{ t: Dictionary; locale: Locale }> = ({ t, locale }) => (
  <section class="section">
    <div class="container stack" data-testid="sub-processors-page">
      <h1>{t.governance.privacy.subProcessorsTitle}</h1>
      <p class="muted">{t.governance.privacy.subProcessorsIntro}</p>
      <SubProcessorTable t={t} locale={locale} />
    </div>
  </section>
);

/** The tenant's record of processing activities (PDPL Art. 31), printable. */
export const ProcessingRecordsPage: FC<{ t: Dictionary; locale: Locale; records: Records }> = ({
  t,
  locale,
  records,
}) => {
  const p = t.governance.privacy;
  return (
    <section class="section">
      <div class="container stack" data-testid="processing-records">
        <h1>{p.recordsTitle}</h1>
        <p class="muted">{p.recordsIntro}</p>
        <p>
          <a href={`/privacy/${records.controller.tenantId}/notice`} data-testid="customer-notice-link">
            {p.customerNoticeLink}
          </a>
        </p>
        <dl>
          <dt>{p.controller}</dt>
          <dd>{records.controller.name[locale]}</dd>
          <dt>{p.processorContact}</dt>
          <dd dir="ltr">{records.processor.contact.email}</dd>
        </dl>
        {records.activities.map((activity) => (
          <article class="card stack--tight" data-activity={activity.id}>
            <h2>{activity.purpose[locale]}</h2>
            <dl>
              <dt>{p.subjects}</dt>
              <dd>{activity.subjects[locale]}</dd>
              <dt>{p.data}</dt>
              <dd>{activity.data[locale]}</dd>
              <dt>{p.legalBasis}</dt>
              <dd>{activity.legalBasis[locale]}</dd>
              <dt>{p.recipients}</dt>
              <dd dir="ltr">{activity.recipients.join(", ")}</dd>
              <dt>{p.transfers}</dt>
              <dd>
                {activity.transfersOutsideKingdom.length === 0
                  ? p.noTransfers
                  : activity.transfersOutsideKingdom
                      .map(
                        (transfer) =>
                          `${transfer.recipient} — ${transfer.location[locale]} — ${transfer.basis[locale]}`,
                      )
                      .join(" · ")}
              </dd>
            </dl>
          </article>
        ))}
        <h2>{p.retentionHeading}</h2>
        <RetentionList
          t={t}
          periods={
            Object.fromEntries(records.retention.map((line) => [line.type, line.days])) as RetentionPeriods
          }
        />
        <h2>{p.subProcessorsTitle}</h2>
        <SubProcessorTable t={t} locale={locale} />
      </div>
    </section>
  );
};
