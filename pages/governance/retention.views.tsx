import type { FC } from "hono/jsx";
import type { retentionPreview, retentionSettings } from "../../src/retention/retention.service";
import { DateTime } from "../admin/admin.views";
import { CsrfField } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

type Settings = Awaited<ReturnType<typeof retentionSettings>>;
type Preview = Awaited<ReturnType<typeof retentionPreview>>;

/** Retention periods per data type, what removing them would touch now, and what the job did. */
export const RetentionPage: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  settings: Settings;
  preview: Preview;
  canEdit: boolean;
}> = ({ t, locale, csrf, settings, preview, canEdit }) => {
  const r = t.governance.retention;
  return (
    <section class="section">
      <div class="container stack" data-testid="retention-page">
        <h1>{r.title}</h1>
        <p class="muted">{r.intro}</p>
        <p
          class={`alert alert--${settings.nextRun === "dry_run" ? "warning" : "info"}`}
          role="status"
          data-testid="next-run"
          data-mode={settings.nextRun}
        >
          {settings.nextRun === "dry_run" ? r.nextDryRun : r.nextApply}
        </p>
        <form method="post" action="/settings/retention" class="card stack--tight">
          <CsrfField token={csrf} />
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{r.type}</th>
                  <th scope="col">{r.days}</th>
                  <th scope="col">{r.action}</th>
                  <th scope="col">{r.dueNow}</th>
                </tr>
              </thead>
              <tbody>
                {settings.periods.map((period) => (
                  <tr data-type={period.type}>
                    <th scope="row">
                      <label for={`period-${period.type}`}>{r.types[period.type]}</label>
                    </th>
                    <td>
                      <input
                        id={`period-${period.type}`}
                        type="number"
                        name={period.type}
                        min={String(period.minDays)}
                        max={String(period.maxDays)}
                        value={String(period.days)}
                        disabled={!canEdit}
                        required
                      />
                      <div class="muted">
                        {r.bounds
                          .replace("{min}", String(period.minDays))
                          .replace("{max}", String(period.maxDays))
                          .replace("{default}", String(period.defaultDays))}
                      </div>
                    </td>
                    <td>{r.actions[period.action]}</td>
                    <td data-testid={`due-${period.type}`}>{preview.counts[period.type]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canEdit ? (
            <>
              <label>
                <input type="checkbox" name="confirm" value="yes" /> {r.confirmLabel}
              </label>
              <button type="submit" class="button button--primary">
                {r.save}
              </button>
            </>
          ) : (
            <p class="muted">{r.ownersOnly}</p>
          )}
        </form>
        {canEdit && settings.nextRun === "dry_run" ? (
          <form method="post" action="/settings/retention/confirm">
            <CsrfField token={csrf} />
            <button type="submit" class="button">
              {r.confirmNow}
            </button>
          </form>
        ) : null}
        <h2>{r.runsHeading}</h2>
        {settings.runs.length === 0 ? (
          <p class="muted">{r.noRuns}</p>
        ) : (
          <ul class="record-list" data-testid="retention-runs">
            {settings.runs.map((run) => (
              <li data-mode={run.mode}>
                <DateTime ms={Date.parse(run.createdAt)} locale={locale} /> ·{" "}
                <strong>{run.mode === "dry_run" ? r.dryRun : r.applied}</strong> ·{" "}
                {settings.periods
                  .map((period) => `${r.types[period.type]}: ${run.counts[period.type]}`)
                  .join(" · ")}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
};
