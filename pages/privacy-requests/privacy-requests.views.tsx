import type { FC } from "hono/jsx";
import type { PersonCopy } from "../../src/privacy-requests/person-copy";
import { PRIVACY_REQUEST_TYPES } from "../../src/privacy-requests/privacy-requests.schema";
import type { PrivacyRequestView } from "../../src/privacy-requests/privacy-requests.service";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

export type PublicRequestField = "type" | "name" | "phone" | "email" | "details";

export interface PublicRequestFormState {
  values: Partial<Record<PublicRequestField, string>>;
  invalid: PublicRequestField[];
}

const ms = (iso: string) => Date.parse(iso);

/** The form a person fills on the tenant's public page; works without JavaScript. */
export const PublicRequestPage: FC<{
  t: Dictionary;
  csrf: string;
  tenantId: string;
  tenantName: string;
  form: PublicRequestFormState;
}> = ({ t, csrf, tenantId, tenantName, form }) => {
  const p = t.privacyRequests;
  const invalid = (field: PublicRequestField) => form.invalid.includes(field);
  return (
    <section class="section">
      <div class="container stack narrow" data-testid="privacy-request-page">
        <h1>{p.publicTitle.replace("{tenant}", tenantName)}</h1>
        <p class="muted">{p.publicIntro}</p>
        <ErrorSummary message={form.invalid.length > 0 ? p.invalid : undefined} />
        <form method="post" action={`/privacy/${tenantId}/request`} class="form card" novalidate>
          <CsrfField token={csrf} />
          <fieldset aria-invalid={invalid("type") ? "true" : undefined}>
            <legend>{p.chooseType}</legend>
            {PRIVACY_REQUEST_TYPES.map((type) => (
              <label class="checkbox">
                <input
                  type="radio"
                  name="type"
                  value={type}
                  checked={(form.values.type ?? "access") === type}
                  data-testid={`type-${type}`}
                />{" "}
                {p.types[type]}
              </label>
            ))}
          </fieldset>
          <Field
            name="name"
            label={p.name}
            value={form.values.name ?? ""}
            autocomplete="name"
            required
            maxlength={100}
            error={invalid("name") ? p.invalid : undefined}
          />
          <p class="field__hint">{p.contactHint.replace("{tenant}", tenantName)}</p>
          <Field
            name="phone"
            label={p.phone}
            type="tel"
            value={form.values.phone ?? ""}
            autocomplete="tel"
            inputmode="tel"
            ltr
            maxlength={40}
            error={invalid("phone") ? p.needPhoneOrEmail : undefined}
          />
          <Field
            name="email"
            label={p.email}
            type="email"
            value={form.values.email ?? ""}
            autocomplete="email"
            ltr
            error={invalid("email") ? p.needPhoneOrEmail : undefined}
          />
          <div class="field">
            <label for="details">{p.details}</label>
            <textarea id="details" name="details" maxlength={2000} rows={3} aria-describedby="details-hint">
              {form.values.details ?? ""}
            </textarea>
            <p class="field__hint" id="details-hint">
              {p.detailsHint}
            </p>
          </div>
          <button type="submit" class="button button--primary" data-testid="submit-request">
            {p.submit}
          </button>
        </form>
      </div>
    </section>
  );
};

/** The code form: the same page whether or not a code was sent, so it tells nobody who is on record. */
export const VerifyCodePage: FC<{
  t: Dictionary;
  csrf: string;
  action: string;
  wrongCode: boolean;
}> = ({ t, csrf, action, wrongCode }) => {
  const p = t.privacyRequests;
  return (
    <section class="section">
      <div class="container stack narrow" data-testid="privacy-verify-page">
        <h1>{p.verifyTitle}</h1>
        <p class="muted">{p.verifyIntro}</p>
        <form method="post" action={action} class="form card">
          <CsrfField token={csrf} />
          <Field
            name="code"
            label={p.code}
            autocomplete="one-time-code"
            inputmode="numeric"
            ltr
            required
            maxlength={6}
            error={wrongCode ? p.wrongCode : undefined}
          />
          <button type="submit" class="button button--primary" data-testid="verify-code">
            {p.verifySubmit}
          </button>
        </form>
      </div>
    </section>
  );
};

export const VerifiedPage: FC<{
  t: Dictionary;
  locale: Locale;
  dueAt: number | null;
  copyBase: string | null;
}> = ({ t, locale, dueAt, copyBase }) => {
  const p = t.privacyRequests;
  return (
    <section class="section">
      <div class="container stack narrow" data-testid="privacy-verified-page">
        <h1>{p.verifiedTitle}</h1>
        {dueAt !== null ? (
          <p>
            {p.verifiedIntro.split("{date}")[0]}
            <DateText ms={dueAt} locale={locale} timeZone={null} />
            {p.verifiedIntro.split("{date}")[1]}
          </p>
        ) : null}
        {copyBase ? (
          <div class="card stack">
            <p>{p.copyReady}</p>
            <div class="actions">
              <a
                href={`${copyBase}.json`}
                class="button button--primary"
                download
                data-testid="download-copy"
              >
                {p.downloadCopy}
              </a>
              <a href={copyBase} class="button" data-testid="print-copy">
                {p.printCopy}
              </a>
            </div>
          </div>
        ) : null}
      </div>
    </section>
  );
};

const List: FC<{ t: Dictionary; items: string[] }> = ({ t, items }) =>
  items.length === 0 ? <p class="muted">{t.privacyRequests.none}</p> : <p dir="auto">{items.join("، ")}</p>;

/** The person's copy as a page to read or print, in the reader's language. */
export const CopyPage: FC<{ t: Dictionary; locale: Locale; copy: PersonCopy }> = ({ t, locale, copy }) => {
  const p = t.privacyRequests;
  const { person } = copy;
  return (
    <section class="section">
      <div class="container stack" data-testid="privacy-copy-page">
        <h1>{p.copyTitle}</h1>
        <p class="muted">
          {p.copyGenerated.split("{date}")[0]}
          <DateText ms={ms(copy.generatedAt)} locale={locale} timeZone={null} />
        </p>
        <h2>{p.sections.person}</h2>
        <dl class="card">
          <dt>{p.fields.name}</dt>
          <dd dir="auto" data-testid="copy-name">
            {person.name}
          </dd>
          <dt>{p.fields.phones}</dt>
          <dd dir="ltr">{person.phones.join(", ") || p.none}</dd>
          <dt>{p.fields.email}</dt>
          <dd dir="ltr">{person.email ?? p.none}</dd>
          <dt>{p.fields.company}</dt>
          <dd dir="auto">{person.company ?? p.none}</dd>
          <dt>{p.fields.tags}</dt>
          <dd dir="auto">{person.tags.join(", ") || p.none}</dd>
          <dt>{p.fields.notes}</dt>
          <dd dir="auto">{person.notes ?? p.none}</dd>
          {Object.entries(person.customFields).map(([key, value]) => (
            <>
              <dt dir="auto">{key}</dt>
              <dd dir="auto">{Array.isArray(value) ? value.join(", ") : String(value ?? "")}</dd>
            </>
          ))}
        </dl>
        <h2>{p.sections.deals}</h2>
        <List t={t} items={copy.deals.map((deal) => deal.title)} />
        <h2>{p.sections.activities}</h2>
        <List
          t={t}
          items={copy.activities.map((a) => [a.kind, a.title, a.body].filter(Boolean).join(": "))}
        />
        <h2>{p.sections.messages}</h2>
        <List
          t={t}
          items={copy.messages.map((m) => `${m.at ?? ""} ${m.direction}: ${m.body ?? m.template ?? ""}`)}
        />
        <h2>{p.sections.consents}</h2>
        <List
          t={t}
          items={copy.consents.map((c) => `${c.channel}/${c.purpose}: ${c.status} (${c.occurredAt})`)}
        />
      </div>
    </section>
  );
};

// Red is kept for overdue requests, so they stand out in the list.
const STATE_BADGES: Record<PrivacyRequestView["state"], string> = {
  received: "",
  verified: "badge--ok",
  in_progress: "badge--ok",
  done: "badge--ok",
  refused: "badge--warn",
};

const StateBadge: FC<{ t: Dictionary; request: PrivacyRequestView }> = ({ t, request }) => (
  <span class={`badge ${STATE_BADGES[request.state]}`} data-testid="state">
    {t.privacyRequests.states[request.state]}
  </span>
);

const Due: FC<{ t: Dictionary; locale: Locale; timeZone: string | null; request: PrivacyRequestView }> = ({
  t,
  locale,
  timeZone,
  request,
}) => (
  <span data-testid="due">
    {t.privacyRequests.due}: <DateText ms={ms(request.dueAt)} locale={locale} timeZone={timeZone} />
    {request.overdue ? (
      <>
        {" "}
        <strong class="badge badge--lost" data-testid="overdue">
          {t.privacyRequests.overdue}
        </strong>
      </>
    ) : null}
  </span>
);

/** Staff open a request for someone who called, wrote or came in. */
const OpenRequestForm: FC<{ t: Dictionary; csrf: string; form: PublicRequestFormState }> = ({
  t,
  csrf,
  form,
}) => {
  const p = t.privacyRequests;
  const invalid = (field: PublicRequestField) => (form.invalid.includes(field) ? p.invalid : undefined);
  return (
    <details class="card" open={form.invalid.length > 0}>
      <summary>{p.openForSomeone}</summary>
      <form method="post" action="/privacy/requests" class="form" data-testid="open-request-form">
        <CsrfField token={csrf} />
        <div class="field">
          <label for="type">{p.chooseType}</label>
          <select id="type" name="type">
            {PRIVACY_REQUEST_TYPES.map((type) => (
              <option value={type} selected={form.values.type === type}>
                {p.types[type]}
              </option>
            ))}
          </select>
        </div>
        <Field
          name="name"
          label={p.requester}
          value={form.values.name ?? ""}
          maxlength={100}
          error={invalid("name")}
        />
        <Field
          name="phone"
          label={t.privacyRequests.fields.phones}
          type="tel"
          value={form.values.phone ?? ""}
          inputmode="tel"
          ltr
          maxlength={40}
          error={invalid("phone")}
        />
        <Field
          name="email"
          label={t.privacyRequests.fields.email}
          type="email"
          value={form.values.email ?? ""}
          ltr
          error={invalid("email")}
        />
        <div class="field">
          <label for="details">{p.details}</label>
          <textarea id="details" name="details" maxlength={2000} rows={2}>
            {form.values.details ?? ""}
          </textarea>
        </div>
        <button type="submit" class="button button--primary button--small">
          {p.submit}
        </button>
      </form>
    </details>
  );
};

export const RequestsListPage: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  requests: PrivacyRequestView[];
  nextCursor: string | null;
  publicPath: string;
  form: PublicRequestFormState;
}> = ({ t, locale, timeZone, csrf, requests, nextCursor, publicPath, form }) => {
  const p = t.privacyRequests;
  return (
    <section class="section">
      <div class="container stack" data-testid="privacy-requests-page">
        <h1>{p.title}</h1>
        <p class="muted">{p.intro}</p>
        <p>
          {p.publicLink}:{" "}
          <a href={publicPath} dir="ltr" class="breakable" data-testid="public-link">
            {publicPath}
          </a>
        </p>
        <ErrorSummary message={form.invalid.length > 0 ? p.invalid : undefined} />
        <OpenRequestForm t={t} csrf={csrf} form={form} />
        {requests.length === 0 ? (
          <div class="empty-state" data-testid="privacy-requests-empty">
            <p>{p.empty}</p>
          </div>
        ) : (
          <ul class="record-list" data-testid="privacy-request-list">
            {requests.map((request) => (
              <li class="record-list__item stack" data-testid="privacy-request" data-request-id={request.id}>
                <a href={`/privacy/requests/${request.id}`} class="record-list__title">
                  {p.types[request.type]} · <span dir="auto">{request.requesterName}</span>
                </a>
                <p class="muted">
                  <StateBadge t={t} request={request} /> · {p.channels[request.channel]} ·{" "}
                  <Due t={t} locale={locale} timeZone={timeZone} request={request} />
                </p>
              </li>
            ))}
          </ul>
        )}
        {nextCursor ? (
          <a
            href={`/privacy/requests?cursor=${encodeURIComponent(nextCursor)}`}
            class="button button--small"
            data-testid="next-page"
          >
            {p.more}
          </a>
        ) : null}
      </div>
    </section>
  );
};

type Detail = PrivacyRequestView & {
  history: { action: string; toState: string; note: string | null; at: string }[];
};

const ActionForm: FC<{
  csrf: string;
  id: string;
  action: string;
  label: string;
  testId: string;
  children?: unknown;
}> = ({ csrf, id, action, label, testId, children }) => (
  <form method="post" action={`/privacy/requests/${id}/${action}`} class="form card">
    <CsrfField token={csrf} />
    {children}
    <button type="submit" class="button button--small" data-testid={testId}>
      {label}
    </button>
  </form>
);

export const RequestDetailPage: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  request: Detail;
  notice?: string | undefined;
  error?: string | undefined;
}> = ({ t, locale, timeZone, csrf, request, notice, error }) => {
  const p = t.privacyRequests;
  const open =
    request.state === "received" || request.state === "verified" || request.state === "in_progress";
  const verified = request.state === "verified" || request.state === "in_progress";
  return (
    <section class="section">
      <div class="container stack" data-testid="privacy-request-detail">
        <a href="/privacy/requests">{p.back}</a>
        <h1>
          {p.types[request.type]} · <span dir="auto">{request.requesterName}</span>
        </h1>
        <Notice message={notice} />
        <ErrorSummary message={error} />
        <p>
          <StateBadge t={t} request={request} /> · {p.channels[request.channel]} ·{" "}
          <Due t={t} locale={locale} timeZone={timeZone} request={request} />
        </p>
        <dl class="card">
          <dt>{p.received}</dt>
          <dd>
            <DateText ms={ms(request.receivedAt)} locale={locale} timeZone={timeZone} />
          </dd>
          <dt>{p.requester}</dt>
          <dd>
            <bdi>{request.requesterName}</bdi>
            {request.phone ? (
              <>
                {" · "}
                <span dir="ltr">{request.phone}</span>
              </>
            ) : null}
            {request.email ? (
              <>
                {" · "}
                <span dir="ltr">{request.email}</span>
              </>
            ) : null}
          </dd>
          <dt>{p.contact}</dt>
          <dd>
            {request.contactId ? (
              <a href={`/contacts/${request.contactId}`}>{request.contactId}</a>
            ) : (
              p.noContact
            )}
          </dd>
          {request.details ? (
            <>
              <dt>{p.details}</dt>
              <dd dir="auto">{request.details}</dd>
            </>
          ) : null}
          {request.extension ? (
            <>
              <dt>{p.extend}</dt>
              <dd dir="auto">
                {p.extended
                  .replace("{days}", String(request.extension.days))
                  .replace("{reason}", request.extension.reason)}
              </dd>
            </>
          ) : null}
          {request.refusedReason ? (
            <>
              <dt>{p.states.refused}</dt>
              <dd dir="auto">{p.refusedBecause.replace("{reason}", request.refusedReason)}</dd>
            </>
          ) : null}
        </dl>
        {request.state === "received" ? (
          <>
            <Notice message={p.notVerified} />
            <ActionForm
              csrf={csrf}
              id={request.id}
              action="verify"
              label={p.verifySubmit}
              testId="verify-code"
            >
              <input type="hidden" name="method" value="code" />
              <Field name="code" label={p.verifyCode} inputmode="numeric" ltr maxlength={6} />
            </ActionForm>
            <ActionForm
              csrf={csrf}
              id={request.id}
              action="verify"
              label={p.verifyInPerson}
              testId="verify-in-person"
            >
              <input type="hidden" name="method" value="in_person" />
              <Field name="reason" label={p.verifyReason} maxlength={1000} />
            </ActionForm>
          </>
        ) : null}
        {request.type === "access" && (verified || request.state === "done") && request.contactId ? (
          <div class="actions">
            <a
              href={`/privacy/requests/${request.id}/copy.json`}
              class="button"
              download
              data-testid="staff-download"
            >
              {p.downloadCopy}
            </a>
            <a href={`/privacy/requests/${request.id}/copy`} class="button">
              {p.printCopy}
            </a>
          </div>
        ) : null}
        {request.state === "verified" ? (
          <ActionForm csrf={csrf} id={request.id} action="start" label={p.start} testId="start" />
        ) : null}
        {verified ? (
          <ActionForm csrf={csrf} id={request.id} action="complete" label={p.complete} testId="complete">
            {request.type === "correction" ? (
              <>
                <Field name="name" label={p.correctedName} maxlength={150} />
                <Field name="email" label={p.correctedEmail} type="email" ltr />
              </>
            ) : null}
          </ActionForm>
        ) : null}
        {open && !request.extension ? (
          <ActionForm csrf={csrf} id={request.id} action="extend" label={p.extend} testId="extend">
            <Field name="days" label={p.extendDays} inputmode="numeric" ltr maxlength={2} />
            <Field name="reason" label={p.reason} maxlength={1000} />
          </ActionForm>
        ) : null}
        {open ? (
          <ActionForm csrf={csrf} id={request.id} action="refuse" label={p.refuse} testId="refuse">
            <Field name="reason" label={p.reason} maxlength={1000} />
          </ActionForm>
        ) : null}
        <h2>{p.history}</h2>
        <ol class="stack" data-testid="history">
          {request.history.map((event) => (
            <li>
              <DateText ms={ms(event.at)} locale={locale} timeZone={timeZone} /> · {event.action} ·{" "}
              {p.states[event.toState as keyof typeof p.states] ?? event.toState}
              {event.note ? <span dir="auto"> · {event.note}</span> : null}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
};
