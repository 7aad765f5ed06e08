import type { FC } from "hono/jsx";
import type { currentStates } from "../../src/messaging/consents.service";
import type { conversationView, messageView } from "../../src/messaging/messaging.service";
import type { templateView } from "../../src/messaging/whatsapp-templates.service";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

export type ConversationView = ReturnType<typeof conversationView>;
export type MessageView = ReturnType<typeof messageView>;

/** The most template variables a reply can fill (the API takes up to 20; Meta's templates rarely use more than a few). */
export const TEMPLATE_VARIABLES = 20;

interface Base {
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
}

const DEFAULT_TIME_ZONE = "Asia/Riyadh";
// One formatter per locale and zone per isolate: building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** A message's moment, day and time, as the tenant's people read it (their zone, their language). */
export function formatMoment(ms: number, locale: Locale, timeZone: string | null): string {
  const zone = timeZone ?? DEFAULT_TIME_ZONE;
  const key = `${locale}|${zone}`;
  let cached = formatters.get(key);
  if (!cached) {
    const options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };
    try {
      cached = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    } catch {
      cached = new Intl.DateTimeFormat(locale, { ...options, timeZone: DEFAULT_TIME_ZONE });
    }
    formatters.set(key, cached);
  }
  return cached.format(ms);
}

export const Moment: FC<Base & { iso: string }> = ({ iso, locale, timeZone }) => (
  <time datetime={iso}>{formatMoment(Date.parse(iso), locale, timeZone)}</time>
);

const WindowBadge: FC<{ t: Dictionary; open: boolean }> = ({ t, open }) => (
  <span
    class={`badge ${open ? "badge--ok" : "badge--warn"}`}
    data-testid="window-badge"
    data-open={String(open)}
  >
    {open ? t.inbox.windowOpen : t.inbox.windowClosed}
  </span>
);

export const InboxListPage: FC<
  Base & {
    conversations: ConversationView[];
    nextCursor: string | null;
    unreadOnly: boolean;
    isOwner: boolean;
  }
> = ({ t, locale, timeZone, conversations, nextCursor, unreadOnly, isOwner }) => {
  const moreQuery = new URLSearchParams({
    ...(unreadOnly ? { unread: "true" } : {}),
    cursor: nextCursor ?? "",
  });
  return (
    <section class="section">
      <div class="container stack" data-testid="inbox-page">
        <h1>{t.inbox.title}</h1>
        <nav class="inbox-filter" aria-label={t.inbox.filter}>
          <a href="/inbox" aria-current={unreadOnly ? undefined : "page"} data-testid="filter-all">
            {t.inbox.all}
          </a>
          <a
            href="/inbox?unread=true"
            aria-current={unreadOnly ? "page" : undefined}
            data-testid="filter-unread"
          >
            {t.inbox.unreadOnly}
          </a>
        </nav>
        {conversations.length === 0 ? (
          <div class="empty-state" data-testid="inbox-empty">
            {unreadOnly ? (
              <p>{t.inbox.emptyUnread}</p>
            ) : (
              <>
                <p>{t.inbox.empty}</p>
                <p class="muted">{t.inbox.emptyHint}</p>
                {/* Connecting a number is the owner's (PUT /api/v1/whatsapp/account); no settings page has it yet. */}
                {isOwner ? (
                  <a href="/docs" data-testid="connect-link">
                    {t.inbox.connectLink}
                  </a>
                ) : null}
              </>
            )}
          </div>
        ) : (
          <ul class="record-list" data-testid="conversation-list">
            {conversations.map((conversation) => (
              <li
                class={`record-list__item inbox-row${conversation.unreadCount > 0 ? " inbox-row--unread" : ""}`}
                data-testid="conversation-row"
                data-conversation-id={conversation.id}
              >
                <a href={`/inbox/${conversation.id}`} class="record-list__title">
                  {conversation.contact.name}
                </a>
                {conversation.contact.phone ? (
                  <span dir="ltr" class="muted">
                    {conversation.contact.phone}
                  </span>
                ) : null}
                {conversation.unreadCount > 0 ? (
                  <span class="badge inbox-unread" data-testid="unread-badge">
                    {t.inbox.unread(conversation.unreadCount)}
                  </span>
                ) : null}
                <WindowBadge t={t} open={conversation.windowOpen} />
                {conversation.lastPreview ? (
                  <span class="inbox-row__preview" dir="auto" data-testid="conversation-preview">
                    {conversation.lastPreview}
                  </span>
                ) : null}
                <span class="muted">
                  <Moment t={t} locale={locale} timeZone={timeZone} iso={conversation.lastMessageAt} />
                </span>
              </li>
            ))}
          </ul>
        )}
        {nextCursor ? (
          <a href={`/inbox?${moreQuery.toString()}`} class="button button--small" data-testid="next-page">
            {t.inbox.more}
          </a>
        ) : null}
      </div>
    </section>
  );
};

// Delivery ticks -------------------------------------------------------------------------------

const RETRYING = new Set(["provider_unavailable", "breaker_open", "dead_lettered"]);

/** The reason a message is waiting, failed or blocked, in the reader's words; unknown codes as they are. */
export function reasonText(t: Dictionary, reason: string): string {
  const reasons = t.inbox.reasons;
  if (RETRYING.has(reason)) return reasons.retrying;
  if (reason.startsWith("template_")) return reasons.template;
  const named: Record<string, string> = {
    window_closed: reasons.window_closed,
    undeliverable: reasons.undeliverable,
    whatsapp_not_connected: reasons.whatsapp_not_connected,
    marketing_limit: reasons.marketing_limit,
    credentials_invalid: reasons.credentials_invalid,
  };
  return named[reason] ?? reason;
}

const Icon: FC<{ path: string; class?: string }> = (props) => (
  <svg
    class={`tick${props.class ? ` ${props.class}` : ""}`}
    viewBox="0 0 24 24"
    width="18"
    height="18"
    aria-hidden="true"
    focusable="false"
  >
    <path d={props.path} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
  </svg>
);

const CLOCK = "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3 2";
const ONE_TICK = "M4 12l5 5L20 6";
const TWO_TICKS = "M1 12l5 5L17 6M9 16l1 1L23 6";
const ALERT = "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v6M12 16v1";

/** The state of an outbound message as WhatsApp users know it: clock, one tick, two, two blue, or red. */
const Ticks: FC<{ t: Dictionary; message: MessageView }> = ({ t, message }) => {
  const { state } = message;
  const label = t.inbox.states[state];
  const icon =
    state === "sent" ? (
      <Icon path={ONE_TICK} />
    ) : state === "delivered" ? (
      <Icon path={TWO_TICKS} />
    ) : state === "read" ? (
      <Icon path={TWO_TICKS} class="tick--read" />
    ) : state === "failed" || state === "blocked" ? (
      <Icon path={ALERT} class="tick--failed" />
    ) : (
      <Icon path={CLOCK} />
    );
  return (
    <span class="ticks" role="img" aria-label={label} title={label} data-testid="ticks" data-state={state}>
      {icon}
    </span>
  );
};

export function contentOf(message: MessageView): string {
  if (message.text) return message.text;
  if (message.template) {
    const { name, language, variables } = message.template;
    return [`[${name} (${language})]`, ...variables].join(" ");
  }
  if (message.media) return `[${message.media.type}] ${message.media.caption ?? message.media.url}`;
  return "";
}

// Thread ----------------------------------------------------------------------------------------

export type MarketingConsent = ReturnType<typeof currentStates>[number];

/** Whether the contact may get marketing on WhatsApp, as the consent gate will judge it. */
const ConsentLine: FC<Base & { consent: MarketingConsent | null }> = ({ t, locale, timeZone, consent }) => (
  <p class="muted" data-testid="consent" data-status={consent?.status ?? "none"}>
    {t.inbox.consent.label}:{" "}
    {consent ? (
      <>
        {consent.status === "granted"
          ? t.inbox.consent.granted
          : consent.status === "expired"
            ? t.governance.consents.expiredSince
            : t.inbox.consent.withdrawn}{" "}
        <Moment t={t} locale={locale} timeZone={timeZone} iso={consent.since} />
      </>
    ) : (
      t.inbox.consent.none
    )}
  </p>
);

export interface ReplyFormState {
  kind?: "text" | "template";
  values?: Record<string, string>;
  error?: string | undefined;
  invalid?: string[];
  notice?: string | undefined;
}

const TextReply: FC<{ t: Dictionary; csrf: string; action: string; state: ReplyFormState }> = ({
  t,
  csrf,
  action,
  state,
}) => {
  const invalid = state.kind === "text" && state.invalid?.includes("text");
  return (
    <form method="post" action={action} class="form reply" data-testid="reply-form">
      <CsrfField token={csrf} />
      <input type="hidden" name="kind" value="text" />
      <label for="text">{t.inbox.messageLabel}</label>
      <textarea
        id="text"
        name="text"
        rows={3}
        maxlength={4096}
        required
        dir="auto"
        aria-invalid={invalid ? "true" : undefined}
      >
        {state.kind === "text" ? (state.values?.text ?? "") : ""}
      </textarea>
      <button type="submit" class="button button--primary">
        {t.inbox.send}
      </button>
    </form>
  );
};

export type TemplateView = ReturnType<typeof templateView>;

/** The approved templates the reply box offers, and the one chosen (`?template=`) with its variables. */
export interface TemplatePicker {
  templates: TemplateView[];
  chosen: TemplateView | null;
  /** Managers and owners may sync the registry from Meta when it is empty. */
  canSync: boolean;
}

const templateLabel = (t: Dictionary, template: TemplateView) =>
  `${template.name} · ${t.inbox.languages[template.language] ?? template.language} — ${template.body.slice(0, 60)}`;

/**
 * Two steps that work without JavaScript: a GET form picks the template (the page comes back with
 * its body and one input per variable), then the POST form sends it. assets/inbox.js submits the
 * pick on change.
 */
const TemplateReply: FC<{
  t: Dictionary;
  csrf: string;
  action: string;
  state: ReplyFormState;
  picker: TemplatePicker;
}> = ({ t, csrf, action, state, picker }) => {
  const values = state.kind === "template" ? (state.values ?? {}) : {};
  const invalid = state.kind === "template" ? (state.invalid ?? []) : [];
  const { templates, chosen } = picker;
  if (templates.length === 0) {
    return (
      <div class="stack" data-testid="templates-empty">
        <p>{t.inbox.noTemplates}</p>
        {picker.canSync ? (
          <form method="post" action={`${action}/templates/sync`}>
            <CsrfField token={csrf} />
            <button type="submit" class="button" data-testid="sync-templates">
              {t.inbox.syncTemplates}
            </button>
          </form>
        ) : (
          <p class="muted">{t.inbox.askToSync}</p>
        )}
      </div>
    );
  }
  return (
    <div class="stack">
      <form method="get" action={`${action}#reply`} class="form reply" data-testid="template-picker">
        <div class="field">
          <label for="template">{t.inbox.chooseTemplate}</label>
          <select id="template" name="template" required data-submit-on-change>
            <option value="">{t.inbox.pickTemplate}</option>
            {templates.map((template) => (
              <option value={template.id} selected={template.id === chosen?.id}>
                {templateLabel(t, template)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button button--small" data-picker-submit>
          {t.inbox.chooseTemplateButton}
        </button>
      </form>
      {chosen ? (
        <form method="post" action={action} class="form reply" data-testid="template-form">
          <CsrfField token={csrf} />
          <input type="hidden" name="kind" value="template" />
          <input type="hidden" name="templateId" value={chosen.id} />
          <input type="hidden" name="templateName" value={chosen.name} />
          <input type="hidden" name="language" value={chosen.language} />
          <input type="hidden" name="variableCount" value={String(chosen.variableCount)} />
          <figure class="stack">
            <figcaption class="muted">{t.inbox.templateBody}</figcaption>
            <blockquote dir="auto" data-testid="template-body">
              {chosen.body}
            </blockquote>
            {chosen.footer ? (
              <p class="muted" dir="auto">
                {chosen.footer}
              </p>
            ) : null}
          </figure>
          {chosen.category === "MARKETING" ? (
            <p class="field__hint" data-testid="marketing-template">
              {t.inbox.marketingTemplate}
            </p>
          ) : null}
          {chosen.variableCount === 0 ? <p class="muted">{t.inbox.noVariables}</p> : null}
          {Array.from({ length: chosen.variableCount }, (_, i) => {
            const name = `var${i + 1}`;
            return (
              <div class="field">
                <label for={name}>{t.inbox.variable(i + 1)}</label>
                <input
                  id={name}
                  name={name}
                  value={values[name] ?? ""}
                  required
                  maxlength={1024}
                  dir="auto"
                  aria-invalid={invalid.includes(name) ? "true" : undefined}
                />
              </div>
            );
          })}
          <button type="submit" class="button button--primary">
            {t.inbox.sendTemplate}
          </button>
        </form>
      ) : null}
    </div>
  );
};

export const ThreadPage: FC<
  Base & {
    csrf: string;
    conversation: ConversationView;
    consent: MarketingConsent | null;
    /** Oldest first: the page reads top to bottom like a chat. */
    messages: MessageView[];
    olderCursor: string | null;
    /** This page continues from a cursor (older messages), rather than showing the newest. */
    olderPage: boolean;
    form: ReplyFormState;
    picker: TemplatePicker;
  }
> = ({
  t,
  locale,
  timeZone,
  csrf,
  conversation,
  consent,
  messages,
  olderCursor,
  olderPage,
  form,
  picker,
}) => {
  const action = `/inbox/${conversation.id}`;
  const unsentText = !conversation.windowOpen && form.kind === "text" ? form.values?.text : undefined;
  const windowClosesAt =
    conversation.windowOpen && conversation.lastInboundAt
      ? new Date(Date.parse(conversation.lastInboundAt) + 24 * 60 * 60 * 1000).toISOString()
      : null;
  return (
    <section class="section">
      <div
        class="container stack thread-page"
        data-testid="thread-page"
        data-conversation-id={conversation.id}
      >
        <a href="/inbox" class="muted">
          {t.inbox.back}
        </a>
        <header class="thread-header">
          <h1 data-testid="thread-contact">{conversation.contact.name}</h1>
          {conversation.contact.phone ? (
            <span dir="ltr" class="muted">
              {conversation.contact.phone}
            </span>
          ) : null}
          <WindowBadge t={t} open={conversation.windowOpen} />
          <a href={`/contacts/${conversation.contact.id}`} data-testid="contact-link">
            {t.inbox.contactLink}
          </a>
          <ConsentLine t={t} locale={locale} timeZone={timeZone} consent={consent} />
        </header>

        {olderCursor ? (
          <a
            href={`${action}?cursor=${encodeURIComponent(olderCursor)}`}
            class="button button--small"
            data-testid="older-link"
          >
            {t.inbox.older}
          </a>
        ) : null}
        {/* Only the newest page refreshes itself (assets/inbox.js); an older page stays put. */}
        <div data-refresh={olderPage ? undefined : ""}>
          {messages.length === 0 ? (
            <p class="muted">{t.inbox.noMessages}</p>
          ) : (
            <ol class="thread" data-testid="thread">
              {messages.map((message) => {
                const outbound = message.direction === "outbound";
                const reason = message.stateReason ? reasonText(t, message.stateReason) : null;
                return (
                  <li
                    class={`bubble ${outbound ? "bubble--out" : "bubble--in"}`}
                    data-testid="message"
                    data-message-id={message.id}
                    data-direction={message.direction}
                  >
                    <span class="visually-hidden">{outbound ? t.inbox.you : t.inbox.them}: </span>
                    <p class="bubble__text" dir="auto">
                      {contentOf(message)}
                    </p>
                    <span class="bubble__meta">
                      <Moment t={t} locale={locale} timeZone={timeZone} iso={message.createdAt} />
                      {outbound ? <Ticks t={t} message={message} /> : null}
                    </span>
                    {outbound && reason ? (
                      <p
                        class={`bubble__reason${message.state === "failed" || message.state === "blocked" ? " bubble__reason--failed" : ""}`}
                        data-testid="message-reason"
                      >
                        {reason}
                      </p>
                    ) : null}
                  </li>
                );
              })}
            </ol>
          )}
        </div>
        {olderPage ? null : (
          <p class="muted" data-refresh-status hidden>
            {t.inbox.autoRefresh}
          </p>
        )}

        <div class="card stack reply-box" id="reply">
          <h2>{t.inbox.reply}</h2>
          <Notice message={form.notice} />
          <ErrorSummary message={form.error} />
          {conversation.windowOpen ? (
            <>
              {windowClosesAt ? (
                <p class="muted">
                  {t.inbox.windowOpenUntil}{" "}
                  <Moment t={t} locale={locale} timeZone={timeZone} iso={windowClosesAt} />
                </p>
              ) : null}
              <TextReply t={t} csrf={csrf} action={action} state={form} />
              <details open={form.kind === "template" || picker.chosen !== null}>
                <summary>{t.inbox.template}</summary>
                <TemplateReply t={t} csrf={csrf} action={action} state={form} picker={picker} />
              </details>
            </>
          ) : (
            <>
              <p data-testid="window-rule">{t.inbox.windowRule}</p>
              {unsentText ? (
                <div data-testid="unsent-text">
                  <p class="muted">{t.inbox.unsentText}</p>
                  <blockquote dir="auto">{unsentText}</blockquote>
                </div>
              ) : null}
              <TemplateReply t={t} csrf={csrf} action={action} state={form} picker={picker} />
            </>
          )}
        </div>
      </div>
    </section>
  );
};
