// What the companies list and the company page share: the company form's fields, the form's text
// turned into API input, and the API's field errors as the form shows them, in the reader's language.
import type { FC } from "hono/jsx";
import type { CompanyView } from "../../src/companies/companies.service";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import type { ApiError, FieldError } from "../../src/platform/problem";
import { Field } from "../components/form";
import { Select } from "../contacts/contact-form";
import { CustomFieldInputs } from "../custom-fields/custom-field-inputs";
import type { Dictionary, Locale } from "../i18n";

export interface Member {
  userId: string;
  name: string;
}

export type Definitions = readonly CustomFieldDefinitionRow[];

/** What a company form shows again after a refused submit. */
export interface CompanyFormState {
  values?: Record<string, string>;
  customValues?: Record<string, string | string[]>;
  customErrors?: FieldError[];
  errors?: Record<string, string>;
  error?: string | undefined;
  notice?: string | undefined;
}

export interface PageBase {
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  members: Member[];
  definitions: Definitions;
}

const ADDRESS_PARTS = [
  "buildingNumber",
  "street",
  "district",
  "city",
  "postalCode",
  "additionalNumber",
] as const;

export const COMPANY_FIELDS = [
  "name",
  "vatNumber",
  "crNumber",
  "website",
  "ownerId",
  ...ADDRESS_PARTS,
] as const;

export const memberName = (members: Member[], id: string | null, t: Dictionary) =>
  id === null ? t.companies.unassigned : (members.find((m) => m.userId === id)?.name ?? "—");

/** The company's values as the edit form shows them. */
export const companyFormValues = (company: CompanyView): Record<string, string> => ({
  name: company.name,
  vatNumber: company.vatNumber ?? "",
  crNumber: company.crNumber ?? "",
  website: company.website ?? "",
  ownerId: company.ownerId ?? "",
  ...Object.fromEntries(ADDRESS_PARTS.map((part) => [part, company.nationalAddress?.[part] ?? ""])),
});

/** People type `riyadh.sa`; the API wants a full address. */
const withScheme = (website: string) =>
  /^[a-z][a-z0-9+.-]*:/i.test(website) ? website : `https://${website}`;

/**
 * Form text as API input. On create, empty fields are left out; on an edit (`full`), an emptied
 * field clears the stored value (null), so every field of the form is sent.
 */
export function companyInput(values: Record<string, string>, full: boolean) {
  const optional = (value: string | undefined) => (value ? value : full ? null : undefined);
  const address = Object.fromEntries(
    ADDRESS_PARTS.filter((part) => values[part]).map((part) => [part, values[part]]),
  );
  const input: Record<string, unknown> = {
    name: values.name,
    vatNumber: optional(values.vatNumber),
    crNumber: optional(values.crNumber),
    website: values.website ? withScheme(values.website) : optional(undefined),
    nationalAddress: Object.keys(address).length > 0 ? address : optional(undefined),
    ...(values.ownerId ? { ownerId: values.ownerId } : {}),
  };
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

/** The localised message for one field error (custom fields show theirs under their own inputs). */
function messageFor(t: Dictionary, field: string, code: string): string {
  const errors = t.companies.errors;
  switch (field) {
    case "name":
      return errors.name;
    case "vatNumber":
      return code === "duplicate_vat" ? errors.vatTaken : errors.vat;
    case "crNumber":
      return errors.cr;
    case "website":
      return errors.website;
    case "buildingNumber":
    case "additionalNumber":
      return errors.fourDigits;
    case "postalCode":
      return errors.fiveDigits;
    case "ownerId":
      return errors.owner;
    default:
      return errors.tooLong;
  }
}

/** The API's field errors by form field name (`nationalAddress.city` is the `city` input). */
export function companyFormErrors(t: Dictionary, error: ApiError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const e of error.errors ?? []) {
    const [first = "", second = ""] = e.path.split(".");
    if (first === "custom") continue;
    const field = first === "nationalAddress" && second ? second : first;
    errors[field] ??= messageFor(t, field, e.code);
  }
  return errors;
}

/** The fields shared by the add and edit forms. */
export const CompanyFields: FC<{
  t: Dictionary;
  locale: Locale;
  definitions: Definitions;
  customValues: CompanyView["custom"] | Record<string, string | string[]>;
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
      label={t.companies.name}
      value={values.name}
      error={errors.name}
      required
      maxlength={200}
    />
    <Field
      name="vatNumber"
      label={t.companies.vatNumber}
      value={values.vatNumber}
      error={errors.vatNumber}
      hint={t.companies.vatHint}
      inputmode="numeric"
      ltr
      maxlength={40}
    />
    <Field
      name="crNumber"
      label={t.companies.crNumber}
      value={values.crNumber}
      error={errors.crNumber}
      hint={t.companies.crHint}
      inputmode="numeric"
      ltr
      maxlength={30}
    />
    <Field
      name="website"
      label={t.companies.website}
      value={values.website}
      error={errors.website}
      hint={t.companies.websiteHint}
      ltr
      maxlength={2000}
    />
    {canAssign ? (
      <Select
        name="ownerId"
        label={t.companies.owner}
        options={[
          ...(full && values.ownerId
            ? []
            : [{ value: "", label: full ? t.companies.unassigned : t.companies.ownerMe }]),
          ...members.map((m) => ({ value: m.userId, label: m.name })),
        ]}
        selected={values.ownerId}
      />
    ) : null}
    <fieldset class="company-address">
      <legend>{t.companies.nationalAddress}</legend>
      {ADDRESS_PARTS.map((part) => (
        <Field
          name={part}
          label={t.companies[part]}
          value={values[part]}
          error={errors[part]}
          maxlength={120}
          {...(part === "street" || part === "district" || part === "city"
            ? {}
            : { inputmode: "numeric", ltr: true })}
        />
      ))}
    </fieldset>
    <CustomFieldInputs
      t={t}
      locale={locale}
      definitions={definitions}
      values={customValues}
      errors={customErrors}
    />
  </>
);
