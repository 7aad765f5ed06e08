// What the contacts list, the contact page and the settings page share: members, selects, the
// contact form fields and the status badge.
import type { FC } from "hono/jsx";
import type { ContactView } from "../../src/contacts/contact-view";
import { CONTACT_SOURCES, CONTACT_STATUSES } from "../../src/contacts/contacts.schema";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import type { FieldError } from "../../src/platform/problem";
import { PHONE_INPUT_MAX_LENGTH } from "../../src/platform/schemas";
import { Field } from "../components/form";
import { CustomFieldInputs } from "../custom-fields/custom-field-inputs";
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

export type Definitions = readonly CustomFieldDefinitionRow[];

export interface PageBase {
  t: Dictionary;
  definitions: Definitions;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  members: Member[];
}

export const memberName = (members: Member[], id: string | null, t: Dictionary) =>
  id === null ? t.contacts.unassigned : (members.find((m) => m.userId === id)?.name ?? "—");

export const whatsappLink = (phone: string) => `https://wa.me/${phone.replace(/^\+/, "")}`;

export const Select: FC<{
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

export const statusOptions = (t: Dictionary) =>
  CONTACT_STATUSES.map((s) => ({ value: s, label: t.contacts.statuses[s] }));
export const sourceOptions = (t: Dictionary) =>
  CONTACT_SOURCES.map((s) => ({ value: s, label: t.contacts.sources[s] }));

export const StatusBadge: FC<{ t: Dictionary; status: ContactView["status"] }> = ({ t, status }) => (
  <span class={`badge badge--status-${status}`}>{t.contacts.statuses[status]}</span>
);

/** The fields shared by the add and edit forms. */
export const ContactFields: FC<{
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
