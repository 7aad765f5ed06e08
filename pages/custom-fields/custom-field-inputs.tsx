// The custom fields of a record form (contact, company, deal): one input per active field, named
// `custom.<key>`, and the reverse step that turns the posted form into values for
// checkCustomValues. The record pages render <CustomFieldInputs> inside their own <form>.
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import type { CustomValues } from "../../src/contacts/contacts.schema";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import { customValueFromText, TEXT_MAX_LENGTH, URL_MAX_LENGTH } from "../../src/custom-fields/custom-values";
import type { FieldError } from "../../src/platform/problem";
import type { Dictionary, Locale } from "../i18n";

type Definition = Pick<
  CustomFieldDefinitionRow,
  "key" | "type" | "options" | "required" | "archivedAt" | "labelAr" | "labelEn"
>;

export const customInputName = (key: string) => `custom.${key}`;

export const labelOf = (definition: Pick<Definition, "labelAr" | "labelEn">, locale: Locale) =>
  locale === "ar" ? definition.labelAr : definition.labelEn;

/** The text an input shows for a stored value (money in riyals, as people type it). */
function inputText(definition: Definition, value: CustomValues[string] | undefined): string {
  if (value === null || value === undefined) return "";
  if (definition.type === "money" && typeof value === "number")
    return (value / 100).toFixed(2).replace(/\.00$/, "");
  return Array.isArray(value) ? value.join(", ") : String(value);
}

type ErrorMessages = Dictionary["customFields"]["errors"];

/** The localised message for a value's error (FieldError.code from checkCustomValues). */
export const customErrorMessage = (t: Dictionary, code: string) =>
  code in t.customFields.errors
    ? t.customFields.errors[code as keyof ErrorMessages]
    : t.customFields.errors.generic;

interface CustomFieldInputsProps {
  t: Dictionary;
  locale: Locale;
  /** The object's definitions (archived ones are skipped: they are not writable). */
  definitions: readonly Definition[];
  /**
   * What the inputs show: the record's stored values, or after a failed post the posted ones
   * (pass the text as typed, e.g. `customFormText(definitions, form)`, so nothing is lost).
   */
  values: CustomValues | Record<string, string | string[]>;
  /** Errors from checkCustomValues (paths `custom.<key>`); others are ignored. */
  errors?: readonly FieldError[];
}

/**
 * One labelled input per active field, in the field's order: text, number and amount inputs
 * (typed as text, so Arabic-Indic digits and separators are accepted and converted), a date
 * picker, a select, a group of checkboxes for multi-select, tel and url inputs. Errors are shown
 * under their input and wired to it with aria-describedby. Works without JavaScript.
 */
export const CustomFieldInputs: FC<CustomFieldInputsProps> = ({
  t,
  locale,
  definitions,
  values,
  errors = [],
}) => (
  <>
    {definitions
      .filter((definition) => definition.archivedAt === null)
      .map((definition) => {
        const name = customInputName(definition.key);
        const id = `custom-${definition.key}`;
        const error = errors.find((e) => e.path === name);
        const errorId = `${id}-error`;
        const value = values[definition.key];
        const label = (
          <>
            {labelOf(definition, locale)}
            {definition.required ? <span aria-hidden="true"> *</span> : null}
          </>
        );
        const common = {
          id,
          name,
          required: definition.required,
          "aria-invalid": error ? "true" : undefined,
          "aria-describedby": error ? errorId : undefined,
        };
        const errorText = error ? (
          <p class="field__error" id={errorId}>
            {customErrorMessage(t, error.code)}
          </p>
        ) : null;
        if (definition.type === "multi_select") {
          const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
          return (
            <fieldset class="field custom-field__choices" data-custom-field={definition.key}>
              <legend>{label}</legend>
              {(definition.options ?? []).map((option, index) => (
                <label class="custom-field__choice" for={`${id}-${index}`}>
                  <input
                    type="checkbox"
                    id={`${id}-${index}`}
                    name={name}
                    value={option.value}
                    checked={chosen.has(option.value)}
                    aria-describedby={error ? errorId : undefined}
                  />
                  {labelOf(option, locale)}
                </label>
              ))}
              {errorText}
            </fieldset>
          );
        }
        const text = Array.isArray(value)
          ? value.join(", ")
          : inputText(definition, value as CustomValues[string]);
        let input: unknown;
        switch (definition.type) {
          case "select":
            input = (
              <select {...common}>
                <option value="">—</option>
                {(definition.options ?? []).map((option) => (
                  <option value={option.value} selected={option.value === text}>
                    {labelOf(option, locale)}
                  </option>
                ))}
                {text && !(definition.options ?? []).some((o) => o.value === text) ? (
                  <option value={text} selected>
                    {text}
                  </option>
                ) : null}
              </select>
            );
            break;
          case "date":
            input = <input {...common} type="date" value={text} dir="ltr" />;
            break;
          case "number":
            input = (
              <input {...common} type="text" inputmode="decimal" value={text} dir="ltr" maxlength={40} />
            );
            break;
          case "money":
            input = (
              <span class="custom-field__money">
                <input {...common} type="text" inputmode="decimal" value={text} dir="ltr" maxlength={20} />
                <span class="custom-field__currency">{t.customFields.sar}</span>
              </span>
            );
            break;
          case "phone":
            input = <input {...common} type="tel" inputmode="tel" value={text} dir="ltr" maxlength={40} />;
            break;
          case "url":
            input = <input {...common} type="url" value={text} dir="ltr" maxlength={URL_MAX_LENGTH} />;
            break;
          default:
            input = <input {...common} type="text" value={text} maxlength={TEXT_MAX_LENGTH} />;
        }
        return (
          <div class="field" data-custom-field={definition.key}>
            <label for={id}>{label}</label>
            {input}
            {errorText}
          </div>
        );
      })}
  </>
);

type ParsedForm = Record<string, string | File | (string | File)[]>;

const textsOf = (form: ParsedForm, name: string): string[] => {
  const raw = form[name] ?? form[`${name}[]`];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.filter((item): item is string => typeof item === "string");
};

/**
 * The custom values of a posted record form (`await c.req.parseBody({ all: true })`), one entry
 * per active field, typed for checkCustomValues: numbers and amounts converted (amounts from
 * riyals to halalas), an empty input as null (which clears the value on an update, and is
 * "missing" on a create), checked boxes as a list.
 */
export function customValuesFromForm(
  definitions: readonly Definition[],
  form: ParsedForm,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of definitions) {
    if (definition.archivedAt !== null) continue;
    const texts = textsOf(form, customInputName(definition.key));
    values[definition.key] =
      definition.type === "multi_select"
        ? texts.filter(Boolean)
        : customValueFromText(definition, texts[0] ?? "");
  }
  return values;
}

/** The posted text of each active field, to show again in the inputs after a failed post. */
export function customFormText(
  definitions: readonly Definition[],
  form: ParsedForm,
): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const definition of definitions) {
    if (definition.archivedAt !== null) continue;
    const texts = textsOf(form, customInputName(definition.key));
    values[definition.key] = definition.type === "multi_select" ? texts : (texts[0] ?? "");
  }
  return values;
}

/**
 * The custom field inputs of a posted record form, for the record's active definitions: typed for
 * the API (customValuesFromForm) and as typed, to show again after a refusal (customFormText).
 */
export async function postedCustomValues(c: Context, definitions: readonly Definition[]) {
  const form = await c.req.parseBody({ all: true });
  return { custom: customValuesFromForm(definitions, form), customText: customFormText(definitions, form) };
}
