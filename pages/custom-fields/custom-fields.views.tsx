import type { FC } from "hono/jsx";
import { MAX_ACTIVE_FIELDS_PER_OBJECT } from "../../src/custom-fields/custom-fields.model";
import type { CustomFieldObject } from "../../src/custom-fields/custom-fields.repo";
import {
  CUSTOM_FIELD_OBJECTS,
  CUSTOM_FIELD_TYPES,
  type CustomFieldOption,
} from "../../src/custom-fields/custom-fields.schema";
import type { CustomFieldView } from "../../src/custom-fields/custom-fields.service";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

/** Form fields the settings page can mark as invalid. */
export type SettingsField = "key" | "labelAr" | "labelEn" | "type" | "options" | "position";

export interface CustomFieldsState {
  notice?: string | undefined;
  error?: string | undefined;
  /** The add form as posted, after a failure. */
  addValues?: Record<string, string>;
  addOptions?: CustomFieldOption[];
  addErrors?: Partial<Record<SettingsField, string>>;
  /** The field whose edit form failed, with its errors. */
  editId?: string;
  editErrors?: Partial<Record<SettingsField, string>>;
}

interface CustomFieldsPageProps {
  t: Dictionary;
  locale: Locale;
  csrf: string;
  objectType: CustomFieldObject;
  fields: CustomFieldView[];
  state: CustomFieldsState;
}

const BLANK_OPTION_ROWS = 3;

/** Rows of value / Arabic / English inputs: the current options, then a few blank rows to add more. */
const OptionRows: FC<{
  t: Dictionary;
  idPrefix: string;
  options: CustomFieldOption[];
  error?: string | undefined;
}> = ({ t, idPrefix, options, error }) => {
  const rows = [
    ...options,
    ...Array.from({ length: BLANK_OPTION_ROWS }, () => ({ value: "", labelAr: "", labelEn: "" })),
  ];
  return (
    <fieldset class="field custom-options" data-testid="option-rows">
      <legend>{t.customFields.options}</legend>
      <p class="field__hint" id={`${idPrefix}-options-hint`}>
        {t.customFields.optionsHint}
      </p>
      {rows.map((option, index) => (
        <div class="custom-options__row">
          <label class="visually-hidden" for={`${idPrefix}-ov-${index}`}>
            {t.customFields.optionValue} {index + 1}
          </label>
          <input
            id={`${idPrefix}-ov-${index}`}
            name="option_value"
            value={option.value}
            placeholder={t.customFields.optionValue}
            dir="ltr"
            maxlength={64}
          />
          <label class="visually-hidden" for={`${idPrefix}-oa-${index}`}>
            {t.customFields.labelAr} {index + 1}
          </label>
          <input
            id={`${idPrefix}-oa-${index}`}
            name="option_ar"
            value={option.labelAr}
            placeholder={t.customFields.labelAr}
            dir="rtl"
            lang="ar"
            maxlength={80}
          />
          <label class="visually-hidden" for={`${idPrefix}-oe-${index}`}>
            {t.customFields.labelEn} {index + 1}
          </label>
          <input
            id={`${idPrefix}-oe-${index}`}
            name="option_en"
            value={option.labelEn}
            placeholder={t.customFields.labelEn}
            dir="ltr"
            lang="en"
            maxlength={80}
          />
        </div>
      ))}
      {error ? <p class="field__error">{error}</p> : null}
    </fieldset>
  );
};

const RequiredBox: FC<{ t: Dictionary; id: string; checked: boolean }> = ({ t, id, checked }) => (
  <div class="field field--checkbox">
    <input type="checkbox" id={id} name="required" value="yes" checked={checked} />
    <label for={id}>{t.customFields.required}</label>
  </div>
);

const takesOptions = (type: string) => type === "select" || type === "multi_select";

const FieldCard: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  field: CustomFieldView;
  state: CustomFieldsState;
}> = ({ t, locale, csrf, field, state }) => {
  const archived = field.archivedAt !== null;
  const errors = state.editId === field.id ? (state.editErrors ?? {}) : {};
  const prefix = `edit-${field.id}`;
  return (
    <li class="card custom-field-card" data-testid="custom-field" data-key={field.key}>
      <p class="custom-field-card__title">
        <strong>{locale === "ar" ? field.labelAr : field.labelEn}</strong>{" "}
        <span class="muted" lang={locale === "ar" ? "en" : "ar"}>
          {locale === "ar" ? field.labelEn : field.labelAr}
        </span>
      </p>
      <p class="identifier">
        <code dir="ltr">{field.key}</code>
        <span class="badge">{t.customFields.types[field.type]}</span>
        {field.required ? <span class="badge badge--ok">{t.customFields.required}</span> : null}
        {archived ? <span class="badge badge--warn">{t.customFields.archived}</span> : null}
      </p>
      {field.options ? (
        <p class="muted">
          {field.options
            .map((o) => (locale === "ar" ? o.labelAr : o.labelEn))
            .join(locale === "ar" ? "، " : ", ")}
        </p>
      ) : null}
      <details open={state.editId === field.id}>
        <summary>{t.customFields.edit}</summary>
        <form method="post" action={`/settings/custom-fields/${field.id}`} class="form" novalidate>
          <CsrfField token={csrf} />
          <Field
            name="labelAr"
            label={t.customFields.labelAr}
            value={field.labelAr}
            error={errors.labelAr}
            maxlength={80}
          />
          <Field
            name="labelEn"
            label={t.customFields.labelEn}
            value={field.labelEn}
            error={errors.labelEn}
            maxlength={80}
            ltr
          />
          <Field
            name="position"
            label={t.customFields.position}
            value={String(field.position)}
            error={errors.position}
            inputmode="numeric"
            maxlength={5}
            ltr
          />
          <RequiredBox t={t} id={`${prefix}-required`} checked={field.required} />
          {takesOptions(field.type) ? (
            <OptionRows t={t} idPrefix={prefix} options={field.options ?? []} error={errors.options} />
          ) : null}
          <button type="submit" class="button button--primary button--small">
            {t.customFields.save}
          </button>
        </form>
      </details>
      <form
        method="post"
        action={`/settings/custom-fields/${field.id}/${archived ? "restore" : "archive"}`}
        class="inline-form"
      >
        <CsrfField token={csrf} />
        <button type="submit" class={`button button--small${archived ? "" : " button--danger"}`}>
          {archived ? t.customFields.restore : t.customFields.archive}
        </button>
      </form>
    </li>
  );
};

export const CustomFieldsPage: FC<CustomFieldsPageProps> = ({
  t,
  locale,
  csrf,
  objectType,
  fields,
  state,
}) => {
  const active = fields.filter((f) => f.archivedAt === null);
  const archived = fields.filter((f) => f.archivedAt !== null);
  const add = state.addValues ?? {};
  const addErrors = state.addErrors ?? {};
  return (
    <section class="section">
      <div class="container stack" data-testid="custom-fields-page">
        <h1>{t.customFields.title}</h1>
        <p class="muted">{t.customFields.intro}</p>
        <nav class="tabs" aria-label={t.customFields.title}>
          {CUSTOM_FIELD_OBJECTS.map((object) => (
            <a
              href={`/settings/custom-fields?object=${object}`}
              aria-current={object === objectType ? "page" : undefined}
            >
              {t.customFields.objects[object]}
            </a>
          ))}
        </nav>
        <Notice message={state.notice} />
        <ErrorSummary message={state.error} />

        {active.length === 0 ? (
          <p class="empty-state" data-testid="custom-fields-empty">
            {t.customFields.empty}
          </p>
        ) : (
          <ul class="cards">
            {active.map((field) => (
              <FieldCard t={t} locale={locale} csrf={csrf} field={field} state={state} />
            ))}
          </ul>
        )}

        {active.length < MAX_ACTIVE_FIELDS_PER_OBJECT ? (
          <div class="panel">
            <h2 class="panel__title">{t.customFields.add}</h2>
            <form
              method="post"
              action="/settings/custom-fields"
              class="form"
              novalidate
              data-testid="add-custom-field"
            >
              <CsrfField token={csrf} />
              <input type="hidden" name="objectType" value={objectType} />
              <Field
                name="labelAr"
                label={t.customFields.labelAr}
                value={add.labelAr}
                error={addErrors.labelAr}
                maxlength={80}
              />
              <Field
                name="labelEn"
                label={t.customFields.labelEn}
                value={add.labelEn}
                error={addErrors.labelEn}
                maxlength={80}
                ltr
              />
              <Field
                name="key"
                label={t.customFields.key}
                value={add.key}
                error={addErrors.key}
                hint={t.customFields.keyHint}
                maxlength={40}
                ltr
              />
              <div class="field">
                <label for="custom-field-type">{t.customFields.type}</label>
                <select id="custom-field-type" name="type">
                  {CUSTOM_FIELD_TYPES.map((type) => (
                    <option value={type} selected={type === (add.type ?? "text")}>
                      {t.customFields.types[type]}
                    </option>
                  ))}
                </select>
                {addErrors.type ? <p class="field__error">{addErrors.type}</p> : null}
              </div>
              <RequiredBox t={t} id="add-required" checked={add.required === "yes"} />
              <OptionRows t={t} idPrefix="add" options={state.addOptions ?? []} error={addErrors.options} />
              <button type="submit" class="button button--primary">
                {t.customFields.addButton}
              </button>
            </form>
          </div>
        ) : null}

        {archived.length > 0 ? (
          <div>
            <h2>{t.customFields.archived}</h2>
            <p class="muted">{t.customFields.archivedHint}</p>
            <ul class="cards">
              {archived.map((field) => (
                <FieldCard t={t} locale={locale} csrf={csrf} field={field} state={state} />
              ))}
            </ul>
          </div>
        ) : null}
      </div>
    </section>
  );
};
