import type { FC } from "hono/jsx";
import type { breakerView, DlqQueue, deadLetterView } from "../../src/admin/operations.service";
import { CsrfField } from "../components/form";
import type { Dictionary, Locale } from "../i18n";
import { DateTime } from "./admin.views";

/** Fills `{name}` placeholders of a dictionary string. */
export const withValues = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));

const Iso: FC<{ iso: string | null; locale: Locale }> = ({ iso, locale }) =>
  iso === null ? <span>—</span> : <DateTime ms={Date.parse(iso)} locale={locale} />;

export type RetryNotice = { kind: "retry"; retried: number; waiting: number; failed: number; drain: boolean };
export type Notice = RetryNotice | { kind: "purged"; purged: number } | { kind: "nothingSelected" };

const NoticeBox: FC<{ t: Dictionary; queue: DlqQueue; notice: Notice; csrf: string }> = ({
  t,
  queue,
  notice,
  csrf,
}) => {
  const d = t.admin.deadLetters;
  if (notice.kind === "nothingSelected")
    return (
      <p class="alert alert--error" role="alert">
        {d.nothingSelected}
      </p>
    );
  if (notice.kind === "purged")
    return (
      <p class="alert alert--info" role="status" data-testid="dlq-notice">
        {withValues(d.purged, { purged: notice.purged })}
      </p>
    );
  // A drain keeps going on its own (assets/dead-letters.js) while each call retried something;
  // without JavaScript, or once a call retried nothing, the operator presses "continue".
  const keepGoing = notice.drain && notice.waiting > 0;
  return (
    <div class="alert alert--info" role="status" data-testid="dlq-notice">
      <p data-testid="dlq-progress">
        {withValues(d.progress, { retried: notice.retried, waiting: notice.waiting })}
      </p>
      {notice.failed > 0 && <p>{withValues(d.failedNote, { failed: notice.failed })}</p>}
      {keepGoing && (
        <form
          method="post"
          action={`/admin/dead-letters/${queue}/retry`}
          class="inline-form"
          data-drain={notice.retried > 0 ? "auto" : undefined}
        >
          <CsrfField token={csrf} />
          <input type="hidden" name="scope" value="all" />
          <button type="submit" class="button button--small">
            {d.continue}
          </button>
          {notice.retried > 0 && (
            <span class="muted" data-drain-note hidden>
              {d.continuing}
            </span>
          )}
        </form>
      )}
    </div>
  );
};

export interface DeadLettersPageProps {
  t: Dictionary;
  locale: Locale;
  csrf: string;
  counts: { queue: DlqQueue; total: number; waiting: number }[];
  queue: DlqQueue;
  letters: ReturnType<typeof deadLetterView>[];
  nextCursor: string | null;
  notice: Notice | null;
}

export const DeadLettersPage: FC<DeadLettersPageProps> = ({
  t,
  locale,
  csrf,
  counts,
  queue,
  letters,
  nextCursor,
  notice,
}) => {
  const d = t.admin.deadLetters;
  const current = counts.find((row) => row.queue === queue);
  return (
    <section class="section">
      <div class="container stack" data-testid="dead-letters-page">
        <p>
          <a href="/admin">{t.admin.consoleTitle}</a>
        </p>
        <h1>{d.title}</h1>
        <p class="muted">{d.intro}</p>
        <div class="table-wrap">
          <table class="table" data-testid="dlq-counts">
            <thead>
              <tr>
                <th scope="col">{d.queue}</th>
                <th scope="col">{d.total}</th>
                <th scope="col">{d.waiting}</th>
              </tr>
            </thead>
            <tbody>
              {counts.map((row) => (
                <tr data-queue={row.queue}>
                  <td>
                    <a
                      href={`/admin/dead-letters?queue=${row.queue}`}
                      aria-current={row.queue === queue ? "page" : undefined}
                    >
                      {d.queues[row.queue]}
                    </a>
                  </td>
                  <td>{row.total}</td>
                  <td data-testid={`dlq-waiting-${row.queue}`}>{row.waiting}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>

        <h2>{d.queues[queue]}</h2>
        {notice && <NoticeBox t={t} queue={queue} notice={notice} csrf={csrf} />}
        {letters.length === 0 ? (
          <p class="empty-state">{d.none}</p>
        ) : (
          <form
            method="post"
            action={`/admin/dead-letters/${queue}/retry`}
            class="stack"
            data-testid="dlq-letters"
          >
            <CsrfField token={csrf} />
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{d.select}</th>
                    <th scope="col">{d.reference}</th>
                    <th scope="col">{d.deadAt}</th>
                    <th scope="col">{d.attempts}</th>
                    <th scope="col">{d.status}</th>
                  </tr>
                </thead>
                <tbody>
                  {letters.map((letter) => (
                    <tr data-testid="dlq-letter" data-id={letter.id}>
                      <td>
                        {letter.retriedAt === null && (
                          <input
                            type="checkbox"
                            name="ids"
                            value={letter.id}
                            aria-label={`${d.select} ${letter.id}`}
                          />
                        )}
                      </td>
                      <td dir="ltr">
                        {Object.entries(letter.reference).map(([key, value]) => (
                          <div>
                            <span class="muted">{key}:</span> <code>{String(value)}</code>
                          </div>
                        ))}
                        {letter.sealed && <span class="badge">{d.sealed}</span>}
                      </td>
                      <td>
                        <Iso iso={letter.deadAt} locale={locale} />
                      </td>
                      <td>{letter.attempts}</td>
                      <td>
                        {letter.retriedAt === null ? (
                          <span class="badge badge--warn">{d.waiting}</span>
                        ) : (
                          <span class="badge badge--ok">
                            {d.retried} <Iso iso={letter.retriedAt} locale={locale} />
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="actions">
              <button type="submit" name="scope" value="selected" class="button button--primary">
                {d.retrySelected}
              </button>
              <button
                type="submit"
                name="scope"
                value="all"
                class="button"
                data-testid="dlq-retry-all"
                disabled={(current?.waiting ?? 0) === 0}
              >
                {d.retryAll}
              </button>
              <button
                type="submit"
                name="scope"
                value="selected"
                formaction={`/admin/dead-letters/${queue}/purge`}
                class="button button--danger"
              >
                {d.purgeSelected}
              </button>
              <button
                type="submit"
                name="scope"
                value="all"
                formaction={`/admin/dead-letters/${queue}/purge`}
                class="button button--danger"
              >
                {d.purgeAll}
              </button>
            </div>
          </form>
        )}
        {nextCursor && (
          <p>
            <a href={`/admin/dead-letters?queue=${queue}&cursor=${encodeURIComponent(nextCursor)}`}>
              {d.older}
            </a>
          </p>
        )}
      </div>
    </section>
  );
};

/** The confirmation a purge needs: a second, explicit post (works without JavaScript). */
export const PurgeConfirmPage: FC<{
  t: Dictionary;
  csrf: string;
  queue: DlqQueue;
  ids: readonly string[] | undefined;
}> = ({ t, csrf, queue, ids }) => {
  const d = t.admin.deadLetters;
  const name = d.queues[queue];
  return (
    <section class="section">
      <div class="container auth-card" data-testid="purge-confirm-page">
        <h1>{d.confirmTitle}</h1>
        <p>
          {ids
            ? withValues(d.confirmSelected, { count: ids.length, queue: name })
            : withValues(d.confirmAll, { queue: name })}
        </p>
        <form method="post" action={`/admin/dead-letters/${queue}/purge`} class="form">
          <CsrfField token={csrf} />
          <input type="hidden" name="scope" value={ids ? "selected" : "all"} />
          {ids?.map((id) => (
            <input type="hidden" name="ids" value={id} />
          ))}
          <input type="hidden" name="confirmed" value="yes" />
          <div class="actions">
            <button type="submit" class="button button--danger">
              {d.confirmPurge}
            </button>
            <a href={`/admin/dead-letters?queue=${queue}`} class="button">
              {d.cancel}
            </a>
          </div>
        </form>
      </div>
    </section>
  );
};

export const BreakersPage: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  breakers: ReturnType<typeof breakerView>[];
  resetName: string | null;
}> = ({ t, locale, csrf, breakers, resetName }) => {
  const b = t.admin.breakers;
  return (
    <section class="section">
      <div class="container stack" data-testid="breakers-page">
        <p>
          <a href="/admin">{t.admin.consoleTitle}</a>
        </p>
        <h1>{b.title}</h1>
        <p class="muted">{b.intro}</p>
        {resetName && (
          <p class="alert alert--info" role="status">
            {withValues(b.resetDone, { name: resetName })}
          </p>
        )}
        <ul class="record-list">
          {breakers.map((breaker) => (
            <li class="card stack--tight" data-testid="breaker" data-name={breaker.name}>
              <h2 dir="ltr">{breaker.name}</h2>
              <p>
                <span
                  class={`badge ${breaker.state === "closed" ? "badge--ok" : "badge--warn"}`}
                  data-testid="breaker-state"
                >
                  {b.states[breaker.state]}
                </span>
              </p>
              <dl class="definition">
                <dt>{b.failures}</dt>
                <dd>
                  {breaker.failuresInWindow} / {breaker.policy.failureThreshold}
                </dd>
                <dt>{b.openedAt}</dt>
                <dd>
                  <Iso iso={breaker.openedAt} locale={locale} />
                </dd>
                <dt>{b.nextTrial}</dt>
                <dd>
                  <Iso iso={breaker.nextTrialAt} locale={locale} />
                </dd>
              </dl>
              <p class="muted">
                {withValues(b.policy, {
                  threshold: breaker.policy.failureThreshold,
                  window: breaker.policy.windowSeconds,
                  coolDown: breaker.policy.coolDownSeconds,
                })}
              </p>
              <h3>{b.transitions}</h3>
              {breaker.transitions.length === 0 ? (
                <p class="muted">{b.noTransitions}</p>
              ) : (
                <ul>
                  {breaker.transitions.slice(0, 5).map((transition) => (
                    <li>
                      <Iso iso={transition.at} locale={locale} />: {b.states[transition.from]} →{" "}
                      {b.states[transition.to]} <span dir="ltr">({transition.reason})</span>
                    </li>
                  ))}
                </ul>
              )}
              <form method="post" action={`/admin/breakers/${breaker.name}/reset`} class="inline-form">
                <CsrfField token={csrf} />
                <button type="submit" class="button button--small">
                  {b.reset}
                </button>
              </form>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
};
