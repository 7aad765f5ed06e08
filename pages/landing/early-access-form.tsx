import type { FC } from "hono/jsx";
import { BUSINESS_TYPES } from "../../src/early-access/early-access.schema";
import { PHONE_INPUT_MAX_LENGTH } from "../../src/platform/schemas";
import { CsrfField } from "../components/form";
import type { Dictionary } from "../i18n";

export type EarlyAccessField = keyof Dictionary["earlyAccess"]["errors"];

export interface EarlyAccessFormState {
  values: Partial<Record<EarlyAccessField, string>>;
  invalid: EarlyAccessField[];
}

const FieldError: FC<{ id: string; message: string | undefined }> = ({ id, message }) =>
  message ? (
    <p class="field__error" id={id}>
      {message}
    </p>
  ) : null;

/** Works without JavaScript: a plain form post, re-rendered with messages when input is invalid. */
export const EarlyAccessForm: FC<{ t: Dictionary; csrf: string; state: EarlyAccessFormState }> = ({
  t,
  csrf,
  state,
}) => {
  const copy = t.earlyAccess;
  const errorFor = (field: EarlyAccessField) =>
    state.invalid.includes(field) ? copy.errors[field] : undefined;
  const describedBy = (field: EarlyAccessField, extra?: string) =>
    [extra, state.invalid.includes(field) ? `${field}-error` : undefined].filter(Boolean).join(" ") ||
    undefined;

  return (
    <form method="post" action="/early-access" class="form" novalidate data-testid="early-access-form">
      <CsrfField token={csrf} />
      {state.invalid.length > 0 ? (
        <div class="alert alert--error" role="alert">
          {copy.errorSummary}
        </div>
      ) : null}
      <div class="field">
        <label for="name">{copy.name}</label>
        <input
          id="name"
          name="name"
          autocomplete="name"
          required
          maxlength={100}
          value={state.values.name ?? ""}
          aria-invalid={state.invalid.includes("name")}
          aria-describedby={describedBy("name")}
        />
        <FieldError id="name-error" message={errorFor("name")} />
      </div>
      <div class="field">
        <label for="company">{copy.company}</label>
        <input
          id="company"
          name="company"
          autocomplete="organization"
          required
          maxlength={120}
          value={state.values.company ?? ""}
          aria-invalid={state.invalid.includes("company")}
          aria-describedby={describedBy("company")}
        />
        <FieldError id="company-error" message={errorFor("company")} />
      </div>
      <div class="field">
        <label for="phone">{copy.phone}</label>
        <input
          id="phone"
          name="phone"
          type="tel"
          dir="ltr"
          inputmode="tel"
          autocomplete="tel"
          required
          maxlength={PHONE_INPUT_MAX_LENGTH}
          value={state.values.phone ?? ""}
          aria-invalid={state.invalid.includes("phone")}
          aria-describedby={describedBy("phone", "phone-hint")}
        />
        <p class="field__hint" id="phone-hint">
          {copy.phoneHint}
        </p>
        <FieldError id="phone-error" message={errorFor("phone")} />
      </div>
      <div class="field">
        <label for="email">{copy.email}</label>
        <input
          id="email"
          name="email"
          type="email"
          dir="ltr"
          autocomplete="email"
          maxlength={254}
          value={state.values.email ?? ""}
          aria-invalid={state.invalid.includes("email")}
          aria-describedby={describedBy("email")}
        />
        <FieldError id="email-error" message={errorFor("email")} />
      </div>
      <div class="field">
        <label for="businessType">{copy.businessType}</label>
        <select
          id="businessType"
          name="businessType"
          required
          aria-invalid={state.invalid.includes("businessType")}
          aria-describedby={describedBy("businessType")}
        >
          {BUSINESS_TYPES.map((type) => (
            <option value={type} selected={state.values.businessType === type}>
              {copy.businessTypes[type]}
            </option>
          ))}
        </select>
        <FieldError id="businessType-error" message={errorFor("businessType")} />
      </div>
      <div class="field field--checkbox">
        <input
          id="consent"
          name="consent"
          type="checkbox"
          value="yes"
          required
          checked={state.values.consent === "yes"}
          aria-invalid={state.invalid.includes("consent")}
          aria-describedby={describedBy("consent")}
        />
        <label for="consent">{copy.consent}</label>
        <FieldError id="consent-error" message={errorFor("consent")} />
      </div>
      <p class="muted" data-testid="privacy-notice-line">
        {t.governance.privacy.formNotice} <a href="/privacy">{t.governance.privacy.noticeLink}</a>
      </p>
      <button type="submit" class="button button--primary">
        {copy.submit}
      </button>
    </form>
  );
};
