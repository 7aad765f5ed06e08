import type { FC } from "hono/jsx";
import type { ContactView } from "../../src/contacts/contact-view";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { Dictionary } from "../i18n";
import {
  ContactFields,
  type ContactFormState,
  type DuplicateNotice,
  memberName,
  type PageBase,
  Select,
  StatusBadge,
  sourceOptions,
  statusOptions,
} from "./contact-form";

const Duplicates: FC<{ t: Dictionary; duplicates: DuplicateNotice }> = ({ t, duplicates }) => (
  <div class="alert alert--warning" role="alert" data-testid="duplicate-warning">
    <p>{duplicates.visible.length > 0 ? t.contacts.duplicateFound : t.contacts.duplicateHidden}</p>
    <ul>
      {duplicates.visible.map((d) => (
        <li>
          <a href={`/contacts/${d.id}`}>{d.name}</a>{" "}
          <span class="muted">({t.contacts.matchedOn[d.matchedOn]})</span>
        </li>
      ))}
    </ul>
    <label class="checkbox">
      <input type="checkbox" name="onDuplicate" value="create" data-testid="create-anyway" />{" "}
      {t.contacts.createAnyway}
    </label>
  </div>
);

export interface ContactListFilters {
  q?: string | undefined;
  status?: string | undefined;
  source?: string | undefined;
  ownerId?: string | undefined;
  tag?: string | undefined;
}

export const ContactsListPage: FC<
  PageBase & {
    contacts: ContactView[];
    nextCursor: string | null;
    filters: ContactListFilters;
    canAssign: boolean;
    form: ContactFormState;
  }
> = ({ t, locale, timeZone, csrf, members, definitions, contacts, nextCursor, filters, canAssign, form }) => {
  const filtered = Object.values(filters).some(Boolean);
  const nextHref = nextCursor
    ? `/contacts?${new URLSearchParams({ ...clean(filters), cursor: nextCursor }).toString()}`
    : null;
  return (
    <section class="section">
      <div class="container stack" data-testid="contacts-page">
        <h1>{t.contacts.title}</h1>
        <nav class="actions" aria-label={t.contacts.title}>
          <a class="button button--small" href="/contacts/import" data-testid="import-link">
            {t.imports.title}
          </a>
          <a
            class="button button--small"
            href={`/contacts/export.csv${exportQuery(filters)}`}
            data-testid="export-link"
          >
            {t.imports.exportCsv}
          </a>
          <a class="button button--small" href="/search">
            {t.search.title}
          </a>
        </nav>
        <Notice message={form.notice} />
        <details class="card" open={Boolean(form.error || form.duplicates) || contacts.length === 0}>
          <summary>{t.contacts.add}</summary>
          <form method="post" action="/contacts" class="form" data-testid="new-contact-form">
            <CsrfField token={csrf} />
            <ErrorSummary message={form.error} />
            {form.duplicates ? <Duplicates t={t} duplicates={form.duplicates} /> : null}
            <ContactFields
              t={t}
              locale={locale}
              definitions={definitions}
              customValues={form.customValues ?? {}}
              customErrors={form.customErrors ?? []}
              values={form.values ?? {}}
              errors={form.errors ?? {}}
              members={members}
              canAssign={canAssign}
              full={false}
            />
            <button type="submit" class="button button--primary">
              {t.contacts.create}
            </button>
          </form>
        </details>

        <form method="get" action="/contacts" class="filters" data-testid="contact-filters">
          <div class="field">
            <label for="q">{t.contacts.search}</label>
            <input id="q" name="q" type="search" value={filters.q ?? ""} maxlength={100} />
          </div>
          <Select
            name="status"
            label={t.contacts.status}
            options={[{ value: "", label: t.contacts.any }, ...statusOptions(t)]}
            selected={filters.status}
          />
          <Select
            name="ownerId"
            label={t.contacts.owner}
            options={[
              { value: "", label: t.contacts.anyone },
              { value: "me", label: t.contacts.me },
              ...(canAssign
                ? [
                    { value: "none", label: t.contacts.unassigned },
                    ...members.map((m) => ({ value: m.userId, label: m.name })),
                  ]
                : []),
            ]}
            selected={filters.ownerId}
          />
          <Select
            name="source"
            label={t.contacts.source}
            options={[{ value: "", label: t.contacts.any }, ...sourceOptions(t)]}
            selected={filters.source}
          />
          <button type="submit" class="button button--small">
            {t.contacts.filter}
          </button>
        </form>

        {contacts.length === 0 ? (
          <div class="empty-state" data-testid="contacts-empty">
            <p>{filtered ? t.contacts.noMatches : t.contacts.empty}</p>
            {filtered ? null : <p class="muted">{t.contacts.emptyHint}</p>}
            {/* canAssign is "manager or owner", who may apply templates and load sample data. */}
            {filtered || !canAssign ? null : (
              <a class="button button--small" href="/settings/templates" data-testid="start-with-template">
                {t.templates.startLink}
              </a>
            )}
          </div>
        ) : (
          <ul class="record-list" data-testid="contact-list">
            {contacts.map((contact) => (
              <li class="record-list__item" data-testid="contact-row" data-contact-id={contact.id}>
                <a href={`/contacts/${contact.id}`} class="record-list__title">
                  {contact.name}
                </a>
                <StatusBadge t={t} status={contact.status} />
                {contact.phones[0] ? (
                  <span dir="ltr" class="muted">
                    {contact.phones[0]}
                  </span>
                ) : null}
                <span class="muted">
                  {t.contacts.owner}: {memberName(members, contact.ownerId, t)}
                </span>
                <span class="muted">
                  {t.contacts.created}:{" "}
                  <DateText ms={Date.parse(contact.createdAt)} locale={locale} timeZone={timeZone} />
                </span>
                {contact.tags.length > 0 ? (
                  <span class="tags">
                    {contact.tags.map((tag) => (
                      <span class="tag">{tag}</span>
                    ))}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {nextHref ? (
          <a href={nextHref} class="button button--small" data-testid="next-page">
            {t.contacts.next}
          </a>
        ) : null}
      </div>
    </section>
  );
};

/** The list's filters as the export link's query, so the file holds what the list shows. */
const exportQuery = (filters: ContactListFilters) => {
  const query = new URLSearchParams(clean(filters)).toString();
  return query ? `?${query}` : "";
};

const clean = (filters: ContactListFilters) =>
  Object.fromEntries(Object.entries(filters).filter(([, value]) => Boolean(value))) as Record<string, string>;
