import type { FC } from "hono/jsx";
import type { listApprovals } from "../../src/messaging/approvals.service";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";
import { Moment } from "../inbox/inbox.views";

export type HeldMessage = Awaited<ReturnType<typeof listApprovals>>["data"][number];

/** Why the tenant's policy held a message; a code the page does not know shows as it is. */
const heldBecause = (t: Dictionary, reason: string | null) =>
  reason === "ai_drafted" || reason === "first_message" || reason === "broadcast"
    ? t.approvals.held[reason]
    : (reason ?? "");

const Content: FC<{ t: Dictionary; message: HeldMessage }> = ({ t, message }) => {
  if (message.template) {
    const { name, language, variables } = message.template;
    return (
      <div data-testid="held-template">
        <p>
          {t.approvals.template}: <code dir="ltr">{name}</code> ({language})
        </p>
        {variables.length > 0 ? (
          <ol class="muted">
            {variables.map((value) => (
              <li dir="auto">{value}</li>
            ))}
          </ol>
        ) : null}
      </div>
    );
  }
  return (
    <p dir="auto" data-testid="held-text">
      {message.text ?? ""}
    </p>
  );
};

export const ApprovalsPage: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  messages: HeldMessage[];
  nextCursor: string | null;
  authors: Map<string, string>;
  notice?: string | undefined;
  error?: string | undefined;
}> = ({ t, locale, timeZone, csrf, messages, nextCursor, authors, notice, error }) => (
  <section class="section">
    <div class="container stack" data-testid="approvals-page">
      <h1>{t.approvals.title}</h1>
      <p class="muted">{t.approvals.intro}</p>
      <Notice message={notice} />
      <ErrorSummary message={error} />
      {messages.length === 0 ? (
        <div class="empty-state" data-testid="approvals-empty">
          <p>{t.approvals.empty}</p>
        </div>
      ) : (
        <ul class="record-list" data-testid="approval-list">
          {messages.map((message) => (
            <li class="record-list__item stack" data-testid="held-message" data-message-id={message.id}>
              <a href={`/contacts/${message.contact.id}`} class="record-list__title">
                {message.contact.name}
              </a>
              <Content t={t} message={message} />
              <p class="muted">
                <span class="badge" data-testid="held-reason">
                  {heldBecause(t, message.stateReason)}
                </span>{" "}
                {t.approvals.by}{" "}
                {(message.sentBy && authors.get(message.sentBy)) || t.approvals.unknownAuthor} ·{" "}
                <Moment t={t} locale={locale} timeZone={timeZone} iso={message.createdAt} />
              </p>
              <div class="actions">
                <form method="post" action={`/approvals/${message.id}/approve`} class="inline-form">
                  <CsrfField token={csrf} />
                  <button type="submit" class="button button--primary button--small" data-testid="approve">
                    {t.approvals.approve}
                  </button>
                </form>
                <form method="post" action={`/approvals/${message.id}/reject`} class="inline-form">
                  <CsrfField token={csrf} />
                  <button type="submit" class="button button--small" data-testid="reject">
                    {t.approvals.reject}
                  </button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      {nextCursor ? (
        <a
          href={`/approvals?cursor=${encodeURIComponent(nextCursor)}`}
          class="button button--small"
          data-testid="next-page"
        >
          {t.approvals.more}
        </a>
      ) : null}
    </div>
  </section>
);
