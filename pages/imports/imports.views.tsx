import type { FC } from "hono/jsx";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import {
  CUSTOM_TARGET_PREFIX,
  DUPLICATE_ACTIONS,
  IMPORT_FIELDS,
  type ImportMapping,
  isCustomTarget,
} from "../../src/imports/imports.schema";
import type { ImportView } from "../../src/imports/imports.service";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

const numberFormat = (locale: Locale) => new Intl.NumberFormat(locale === "ar" ? "ar-SA" : "en-US");

/** Step 1: choose the file; below it, the imports made before (newest first). */
export const UploadPage: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  error?: string | undefined;
  past: { data: ImportView[]; nextCursor: string | null };
}> = ({ t, locale, timeZone, csrf, error, past }) => (
  <section class="section">
    <div class="container narrow stack" data-testid="import-upload">
      <h1>{t.imports.title}</h1>
      <p>{t.imports.uploadIntro}</p>
      <p class="muted">{t.imports.limits}</p>
      <ErrorSummary message={error} />
      <form method="post" action="/contacts/import" enctype="multipart/form-data" class="form card">
        <CsrfField token={csrf} />
        <div class="field">
          <label for="file">{t.imports.file}</label>
          <input id="file" name="file" type="file" accept=".csv,text/csv" required />
        </div>
        <button type="submit" class="button button--primary">
          {t.imports.upload}
        </button>
      </form>
      <PastImports t={t} locale={locale} timeZone={timeZone} past={past} />
    </div>
  </section>
);

/** The imports list: status, counts, date (Gregorian and Hijri), a link to each one's page. */
const PastImports: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  past: { data: ImportView[]; nextCursor: string | null };
}> = ({ t, locale, timeZone, past }) => {
  const n = numberFormat(locale);
  const h = t.importHistory;
  return (
    <section class="stack" data-testid="import-history" aria-labelledby="import-history-title">
      <h2 id="import-history-title">{h.title}</h2>
      {past.data.length === 0 ? (
        <div class="empty-state" data-testid="import-history-empty">
          <p>{h.empty}</p>
        </div>
      ) : (
        <ul class="import-history">
          {past.data.map((item) => (
            <li class="card" data-import-id={item.id}>
              <p class="import-history__head">
                <a href={`/contacts/import/${item.id}`} dir="auto">
                  {item.fileName || h.untitled}
                </a>
                <span class={`import-history__status import-history__status--${item.status}`}>
                  {t.imports.statuses[item.status]}
                </span>
              </p>
              <p class="muted">
                <DateText ms={Date.parse(item.createdAt)} locale={locale} timeZone={timeZone} />
              </p>
              <p class="import-history__counts">
                {t.imports.rows}: {n.format(item.totalRows)} · {t.imports.created}:{" "}
                {n.format(item.createdCount)} · {t.imports.updated}: {n.format(item.updatedCount)} ·{" "}
                {t.imports.skipped}: {n.format(item.skippedCount)} · {t.imports.failed}:{" "}
                {n.format(item.errorCount)}
              </p>
            </li>
          ))}
        </ul>
      )}
      {past.nextCursor ? (
        <p>
          <a href={`/contacts/import?cursor=${encodeURIComponent(past.nextCursor)}`}>{h.older}</a>
        </p>
      ) : null}
    </section>
  );
};

/** Step 2: map the columns, see the first rows, choose what duplicates do, start. */
export const MappingPage: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  item: ImportView;
  preview: string[][];
  customFields: CustomFieldDefinitionRow[];
  error?: string | undefined;
}> = ({ t, locale, csrf, item, preview, customFields, error }) => {
  const mapping: ImportMapping = item.mapping ?? {};
  const action = item.duplicateAction ?? "skip";
  return (
    <section class="section">
      <div class="container stack" data-testid="import-mapping">
        <h1>{t.imports.mappingTitle}</h1>
        <p class="muted">
          {item.fileName ? `${item.fileName} · ` : ""}
          {t.imports.rows}: {numberFormat(locale).format(item.totalRows)} · {t.imports.encoding}:{" "}
          <span dir="ltr">{item.encoding}</span>
        </p>
        <ErrorSummary message={error} />
        <form method="post" action={`/contacts/import/${item.id}`} class="form">
          <CsrfField token={csrf} />
          <div class="table-wrap">
            <table class="table import-map">
              <thead>
                <tr>
                  <th scope="col">{t.imports.column}</th>
                  <th scope="col">{t.imports.field}</th>
                </tr>
              </thead>
              <tbody>
                {item.headers.map((header, index) => (
                  <tr>
                    <td>
                      <label for={`col-${index}`}>{header || `#${index + 1}`}</label>
                    </td>
                    <td>
                      <select id={`col-${index}`} name={`col-${index}`}>
                        <option value="">{t.imports.ignore}</option>
                        {IMPORT_FIELDS.map((field) => (
                          <option value={field} selected={mapping[String(index)] === field}>
                            {t.imports.fields[field]}
                          </option>
                        ))}
                        {customFields.length > 0 ? (
                          <optgroup label={t.importHistory.customFields}>
                            {customFields.map((field) => {
                              const target = `${CUSTOM_TARGET_PREFIX}${field.key}`;
                              return (
                                <option value={target} selected={mapping[String(index)] === target}>
                                  {locale === "ar" ? field.labelAr : field.labelEn}
                                  {field.required ? ` (${t.importHistory.required})` : ""}
                                </option>
                              );
                            })}
                          </optgroup>
                        ) : null}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>{t.imports.preview}</h2>
          <div class="table-wrap">
            <table class="table" data-testid="import-preview">
              <thead>
                <tr>
                  {item.headers.map((header) => (
                    <th scope="col">{header}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.map((row) => (
                  <tr>
                    {row.map((cell) => (
                      <td>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <fieldset class="field import-actions">
            <legend>{t.imports.duplicates}</legend>
            {DUPLICATE_ACTIONS.map((value) => (
              <label>
                <input type="radio" name="duplicateAction" value={value} checked={value === action} />{" "}
                {t.imports.actions[value]}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="button button--primary" data-testid="start-import">
            {t.imports.start}
          </button>
        </form>
      </div>
    </section>
  );
};

type RowError = {
  rowNumber: number;
  values: string[];
  errors: { field: string; code: string; message: string }[];
};

/**
 * A row error in the reader's language when its code is known, else as the API words it. A custom
 * field's errors have codes of their own (custom-values.ts), read from their own list.
 */
const errorText = (t: Dictionary, error: RowError["errors"][number]) =>
  isCustomTarget(error.field)
    ? (t.importHistory.customErrorCodes[
        error.code as keyof Dictionary["importHistory"]["customErrorCodes"]
      ] ?? error.message)
    : (t.imports.errorCodes[error.code as keyof Dictionary["imports"]["errorCodes"]] ?? error.message);

/** What a row error is about: a built-in field's name, or the column mapped to a custom field. */
const fieldText = (t: Dictionary, item: ImportView, field: string) => {
  if (isCustomTarget(field)) {
    const column = Object.entries(item.mapping ?? {}).find(([, target]) => target === field)?.[0];
    return column === undefined ? field : item.headers[Number(column)] || `#${Number(column) + 1}`;
  }
  return t.imports.fields[field as keyof Dictionary["imports"]["fields"]] ?? field;
};

/** Step 3: progress, refreshing itself until the import finishes; then the rows in error. */
export const ProgressPage: FC<{
  t: Dictionary;
  locale: Locale;
  item: ImportView;
  errors: RowError[];
  moreErrors: boolean;
}> = ({ t, locale, item, errors, moreErrors }) => {
  const finished = item.status === "done" || item.status === "failed";
  const n = numberFormat(locale);
  const percent = item.totalRows > 0 ? Math.floor((item.processedRows / item.totalRows) * 100) : 0;
  return (
    <section class="section">
      <div class="container stack" data-testid="import-progress" data-status={item.status}>
        <h1>{t.imports.progressTitle}</h1>
        <p>
          <strong data-testid="import-status">{t.imports.statuses[item.status]}</strong>
          {item.fileName ? <span class="muted"> · {item.fileName}</span> : null}
        </p>
        <progress
          class="import-bar"
          max={item.totalRows}
          value={item.processedRows}
          aria-label={t.imports.processed}
        >
          {percent}%
        </progress>
        <p>
          {t.imports.processed} {n.format(item.processedRows)} {t.imports.of} {n.format(item.totalRows)} (
          {n.format(percent)}%)
        </p>
        <dl class="import-counts">
          <div>
            <dt>{t.imports.created}</dt>
            <dd data-testid="count-created">{n.format(item.createdCount)}</dd>
          </div>
          <div>
            <dt>{t.imports.updated}</dt>
            <dd>{n.format(item.updatedCount)}</dd>
          </div>
          <div>
            <dt>{t.imports.skipped}</dt>
            <dd>{n.format(item.skippedCount)}</dd>
          </div>
          <div>
            <dt>{t.imports.failed}</dt>
            <dd data-testid="count-failed">{n.format(item.errorCount)}</dd>
          </div>
        </dl>
        {item.failureReason ? <ErrorSummary message={item.failureReason} /> : null}
        {finished ? null : <p class="muted">{t.imports.refreshing}</p>}
        {finished ? (
          <>
            <h2>{t.imports.errorsTitle}</h2>
            {errors.length === 0 ? (
              <p class="muted">{t.imports.noErrors}</p>
            ) : (
              <div class="table-wrap">
                <table class="table" data-testid="import-errors">
                  <thead>
                    <tr>
                      <th scope="col">{t.imports.row}</th>
                      <th scope="col">{t.imports.problem}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {errors.map((row) => (
                      <tr>
                        <td>{n.format(row.rowNumber)}</td>
                        <td>
                          {row.errors.map((e) => (
                            <div>
                              <span dir="auto">{fieldText(t, item, e.field)}</span>:{" "}
                              <span dir="auto">{errorText(t, e)}</span>
                            </div>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {moreErrors ? <p class="muted">{t.imports.moreErrors}</p> : null}
            {item.rowsPurgedAt ? (
              <p class="muted" data-testid="import-purged">
                {t.importHistory.purged}
              </p>
            ) : null}
            <p class="links">
              <a href="/contacts">{t.imports.toContacts}</a>
              <a href="/contacts/import">{t.imports.another}</a>
            </p>
          </>
        ) : null}
      </div>
    </section>
  );
};
