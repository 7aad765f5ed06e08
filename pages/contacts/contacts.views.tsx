import type { FC } from "hono/jsx";
import { CONTACT_SOURCES, CONTACT_STATUSES } from "../../src/contacts/contacts.schema";
import type { ContactView } from "../../src/contacts/contacts.service";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import type { FieldError } from "../../src/platform/problem";
import { PHONE_INPUT_MAX_LENGTH } from "../../src/platform/schemas";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import { CustomFieldInputs } from "../custom-fields/custom-field-inputs";
import { CustomFieldValues } from "../custom-fields/custom-field-values";
import type { Dictionary, Locale } from "../i18n";

export interface Member {
  userId: string;
  name: string;
}

export interface DuplicateNotice {
  visible: { id: string; name: string; matchedOn: "phone" | "email" | "name" }[];
  hidden: boolean;
}

/** What a contact form shows again after a refused submit: the values typed and the fields in error. */
export interface ContactFormState {
  values?: Record<string, string>;
  /** Custom field inputs as typed (after a refused post) and their errors. */
  customValues?: Record<string, string | string[]>;
  customErrors?: FieldError[];
  errors?: Record<string, string>;
  error?: string | undefined;
  notice?: string | undefined;
  duplicates?: DuplicateNotice;
}

type Definitions = readonly CustomFieldDefinitionRow[];

interface PageBase {
  t: Dictionary;
  definitions: Definitions;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  members: Member[];
}

const memberName = (members: Member[], id: string | null, t: Dictionary) =>
  id === null ? t.contacts.unassigned : (members.find((m) => m.userId === id)?.name ?? "—");

const whatsappLink = (phone: string) => `https://wa.me/${phone.replace(/^\+/, "")}`;

const Select: FC<{
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  selected?: string | undefined;
}> = ({ name, label, options, selected }) => (
  <div class="field">
    <label for={name}>{label}</label>
    <select id={name} name={name}>
      {options.map((option) => (
        <option value={option.value} selected={option.value === selected}>
          {option.label}
        </option>
      ))}
    </select>
  </div>
);

const statusOptions = (t: Dictionary) =>
  CONTACT_STATUSES.map((s) => ({ value: s, label: t.contacts.statuses[s] }));
const sourceOptions = (t: Dictionary) =>
  CONTACT_SOURCES.map((s) => ({ value: s, label: t.contacts.sources[s] }));

const StatusBadge: FC<{ t: Dictionary; status: ContactView["status"] }> = ({ t, status }) => (
  <span class={`badge badge--status-${status}`}>{t.contacts.statuses[status]}</span>
);

/** The fields shared by the add and edit forms. */
const ContactFields: FC<{
  t: Dictionary;
  locale: Locale;
  definitions: Definitions;
  customValues: ContactView["custom"] | Record<string, string | string[]>;
  customErrors: readonly FieldError[];
  values: Record<string, string>;
  errors: Record<string, string>;
  members: Member[];
  canAssign: boolean;
  full: boolean;
}> = ({ t, locale, definitions, customValues, customErrors, values, errors, members, canAssign, full }) => (
  <>
    <Field
      name="name"
      label={t.contacts.name}
      value={values.name}
      error={errors.name}
      required
      maxlength={150}
    />
    <Field
      name="phone"
      label={t.contacts.phones}
      value={values.phone}
      error={errors.phone}
      type="tel"
      inputmode="tel"
      ltr
      hint={t.contacts.phoneHint}
      maxlength={PHONE_INPUT_MAX_LENGTH}
    />
    {full ? (
      <Field
        name="phone2"
        label={t.contacts.secondPhone}
        value={values.phone2}
        error={errors.phone2}
        type="tel"
        inputmode="tel"
        ltr
        maxlength={PHONE_INPUT_MAX_LENGTH}
      />
    ) : null}
    <Field name="email" label={t.contacts.email} value={values.email} error={errors.email} type="email" ltr />
    <Select name="source" label={t.contacts.source} options={sourceOptions(t)} selected={values.source} />
    {full ? (
      <Select name="status" label={t.contacts.status} options={statusOptions(t)} selected={values.status} />
    ) : null}
    {canAssign ? (
      <Select
        name="ownerId"
        label={t.contacts.owner}
        options={[
          ...(full ? [] : [{ value: "", label: t.crmSettings.assignment }]),
          ...members.map((m) => ({ value: m.userId, label: m.name })),
        ]}
        selected={values.ownerId}
      />
    ) : null}
    <Field
      name="tags"
      label={t.contacts.tags}
      value={values.tags}
      error={errors.tags}
      hint={t.contacts.tagsHint}
    />
    <CustomFieldInputs
      t={t}
      locale={locale}
      definitions={definitions}
      values={customValues}
      errors={customErrors}
    />
    <div class="field">
      <label for="notes">{t.contacts.notes}</label>
      <textarea id="notes" name="notes" rows={3} maxlength={5000}>
        {values.notes ?? ""}
      </textarea>
    </div>
  </>
);

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

/** The contact's values as the edit form shows them. */
export const contactFormValues = (contact: ContactView): Record<string, string> => ({
  name: contact.name,
  phone: contact.phones[0] ?? "",
  phone2: contact.phones[1] ?? "",
  email: contact.email ?? "",
  source: contact.source,
  status: contact.status,
  ownerId: contact.ownerId ?? "",
  tags: contact.tags.join("، "),
  notes: contact.notes ?? "",
});

export const ContactPage: FC<
  PageBase & {
    contact: ContactView;
    duplicates: { id: string; name: string; matchedOn: "phone" | "email" | "name" }[];
    canAssign: boolean;
    form: ContactFormState;
    timeline?: unknown;
  }
> = ({ t, locale, timeZone, csrf, members, definitions, contact, duplicates, canAssign, form, timeline }) => (
  <section class="section">
    <div class="container stack" data-testid="contact-page" data-contact-id={contact.id}>
      <div>
        <h1 data-testid="contact-name">{contact.name}</h1>
        <p class="identifier">
          <StatusBadge t={t} status={contact.status} />
          <span class="muted">
            {t.contacts.owner}: {memberName(members, contact.ownerId, t)}
          </span>
          <span class="muted">
            {t.contacts.lastContacted}:{" "}
            {contact.lastContactedAt ? (
              <DateText ms={Date.parse(contact.lastContactedAt)} locale={locale} timeZone={timeZone} />
            ) : (
              t.contacts.never
            )}
          </span>
        </p>
      </div>
      {contact.mergedIntoId ? (
        <div class="alert alert--info" role="status">
          {t.contacts.mergedInto} <a href={`/contacts/${contact.mergedIntoId}`}>{t.contacts.openMerged}</a>
        </div>
      ) : null}
      <Notice message={form.notice} />
      <CustomFieldValues t={t} locale={locale} definitions={definitions} values={contact.custom} />
      <div class="actions" data-testid="contact-actions">
        {contact.phones[0] ? (
          <>
            <a class="button button--small" href={`tel:${contact.phones[0]}`}>
              {t.contacts.call}
            </a>
            <a
              class="button button--small"
              href={whatsappLink(contact.phones[0])}
              rel="noopener noreferrer"
              target="_blank"
            >
              {t.contacts.whatsapp}
            </a>
          </>
        ) : null}
        {contact.email ? (
          <a class="button button--small" href={`mailto:${contact.email}`}>
            {t.contacts.sendEmail}
          </a>
        ) : null}
      </div>

      <div class="card stack--tight" id="contact-timeline">
        {timeline ?? null}
      </div>

      {contact.mergedIntoId ? null : (
        <details class="card" open={Boolean(form.error)}>
          <summary>{t.contacts.edit}</summary>
          <form method="post" action={`/contacts/${contact.id}`} class="form" data-testid="edit-contact-form">
            <CsrfField token={csrf} />
            <input type="hidden" name="version" value={String(contact.version)} />
            <ErrorSummary message={form.error} />
            <ContactFields
              t={t}
              locale={locale}
              definitions={definitions}
              customValues={form.customValues ?? contact.custom}
              customErrors={form.customErrors ?? []}
              values={form.values ?? contactFormValues(contact)}
              errors={form.errors ?? {}}
              members={members}
              canAssign={canAssign}
              full
            />
            <button type="submit" class="button button--primary">
              {t.contacts.save}
            </button>
          </form>
        </details>
      )}

      {contact.mergedIntoId ? null : (
        <section class="card" aria-labelledby="duplicates-heading" data-testid="duplicates">
          <h2 id="duplicates-heading">{t.contacts.duplicates}</h2>
          {duplicates.length === 0 ? (
            <p class="muted">{t.contacts.noDuplicates}</p>
          ) : (
            <ul class="record-list">
              {duplicates.map((d) => (
                <li class="record-list__item" data-testid="duplicate-row">
                  <a href={`/contacts/${d.id}`}>{d.name}</a>
                  <span class="muted">{t.contacts.matchedOn[d.matchedOn]}</span>
                  <form method="post" action={`/contacts/${contact.id}/merge`} class="inline-form">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="otherId" value={d.id} />
                    <button type="submit" class="button button--small" title={t.contacts.mergeHint}>
                      {t.contacts.merge}
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  </section>
);

export const CrmSettingsPage: FC<
  PageBase & {
    settings: {
      visibility: "own" | "all";
      assignment: "manual" | "round_robin";
      roundRobinAgentIds: string[];
    };
    notice?: string | undefined;
    error?: string | undefined;
  }
> = ({ t, csrf, members, settings, notice, error }) => (
  <section class="section">
    <div class="container stack" data-testid="crm-settings-page">
      <h1>{t.crmSettings.title}</h1>
      <nav class="actions" aria-label={t.crmSettings.title}>
        <a href="/settings/custom-fields">{t.customFields.title}</a>
      </nav>
      <Notice message={notice} />
      <ErrorSummary message={error} />
      <form method="post" action="/settings/crm" class="form card">
        <CsrfField token={csrf} />
        <fieldset>
          <legend>{t.crmSettings.visibility}</legend>
          <label class="checkbox">
            <input type="radio" name="visibility" value="own" checked={settings.visibility === "own"} />{" "}
            {t.crmSettings.visibilityOwn}
          </label>
          <label class="checkbox">
            <input type="radio" name="visibility" value="all" checked={settings.visibility === "all"} />{" "}
            {t.crmSettings.visibilityAll}
          </label>
        </fieldset>
        <fieldset>
          <legend>{t.crmSettings.assignment}</legend>
          <label class="checkbox">
            <input type="radio" name="assignment" value="manual" checked={settings.assignment === "manual"} />{" "}
            {t.crmSettings.assignmentManual}
          </label>
          <label class="checkbox">
            <input
              type="radio"
              name="assignment"
              value="round_robin"
              checked={settings.assignment === "round_robin"}
            />{" "}
            {t.crmSettings.assignmentRoundRobin}
          </label>
        </fieldset>
        <fieldset>
          <legend>{t.crmSettings.agents}</legend>
          <p class="field__hint">{t.crmSettings.agentsHint}</p>
          {members.map((member) => (
            <label class="checkbox">
              <input
                type="checkbox"
                name="agents"
                value={member.userId}
                checked={settings.roundRobinAgentIds.includes(member.userId)}
              />{" "}
              {member.name}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="button button--primary">
          {t.crmSettings.save}
        </button>
      </form>
    </div>
  </section>
);
