import type { FC } from "hono/jsx";
import { DUPLICATE_ACTIONS, IMPORT_FIELDS, type ImportMapping } from "../../src/imports/imports.schema";
import type { ImportView } from "../../src/imports/imports.service";
import { CsrfField, ErrorSummary } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

const numberFormat = (locale: Locale) => new Intl.NumberFormat(locale === "ar" ? "ar-SA" : "en-US");

/** Step 1: choose the file. */
export const UploadPage: FC<{ t: Dictionary; csrf: string; error?: string | undefined }> = ({
  t,
  csrf,
  error,
}) => (
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
    </div>
  </section>
);

/** Step 2: map the columns, see the first rows, choose what duplicates do, start. */
export const MappingPage: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  item: ImportView;
  preview: string[][];
  error?: string | undefined;
}> = ({ t, locale, csrf, item, preview, error }) => {
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

/** A row error in the reader's language when its code is known, else as the API words it. */
const errorText = (t: Dictionary, error: RowError["errors"][number]) =>
  t.imports.errorCodes[error.code as keyof Dictionary["imports"]["errorCodes"]] ?? error.message;

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
                              {t.imports.fields[e.field as keyof Dictionary["imports"]["fields"]] ?? e.field}:{" "}
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
