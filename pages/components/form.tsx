import type { FC } from "hono/jsx";
import { CSRF_FIELD } from "../session/cookies";

export const CsrfField: FC<{ token: string }> = ({ token }) => (
  <input type="hidden" name={CSRF_FIELD} value={token} />
);

export const ErrorSummary: FC<{ message: string | undefined }> = ({ message }) =>
  message ? (
    <div class="alert alert--error" role="alert">
      {message}
    </div>
  ) : null;

export const Notice: FC<{ message: string | undefined }> = ({ message }) =>
  message ? (
    <div class="alert alert--info" role="status">
      {message}
    </div>
  ) : null;

interface FieldProps {
  name: string;
  label: string;
  value?: string;
  type?: "text" | "email" | "tel" | "password";
  autocomplete?: string;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  maxlength?: number;
  ltr?: boolean;
  inputmode?: "numeric" | "tel" | "email";
}

/** A labelled input with its hint and error wired to aria-describedby. */
export const Field: FC<FieldProps> = (props) => {
  const describedBy = [props.hint ? `${props.name}-hint` : "", props.error ? `${props.name}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? "text"}
        value={props.type === "password" ? "" : (props.value ?? "")}
        autocomplete={props.autocomplete}
        required={props.required ?? false}
        maxlength={props.maxlength ?? 254}
        dir={props.ltr ? "ltr" : undefined}
        inputmode={props.inputmode}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint ? (
        <p class="field__hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field__error" id={`${props.name}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
};
