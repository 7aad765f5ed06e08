import type { FC } from "hono/jsx";
import type { dealPage } from "../../src/deals/deals.service";
import type { FieldError } from "../../src/platform/problem";
import { QuickActions, Timeline } from "../activities/timeline";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import { CustomFieldInputs } from "../custom-fields/custom-field-inputs";
import { CustomFieldValues } from "../custom-fields/custom-field-values";
import type { Dictionary, Locale } from "../i18n";
import { formatSar, sarInputValue } from "./money";

type DealPageData = Awaited<ReturnType<typeof dealPage>>;

export interface DealPageProps {
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  csrf: string;
  canReassign: boolean;
  data: DealPageData;
  notice?: string | undefined;
  error?: string | undefined;
  /** Values the person typed, shown again after a refused save. */
  values?: Record<string, string> | undefined;
  errors?: Record<string, string> | undefined;
  /** Custom field inputs as typed (after a refused save) and their errors (paths `custom.<key>`). */
  customValues?: Record<string, string | string[]> | undefined;
  customErrors?: FieldError[] | undefined;
}

// Time of day in the tenant's zone, beside the date (one formatter per locale and zone per isolate).
const timeFormatters = new Map<string, Intl.DateTimeFormat>();
function timeOfDay(ms: number, locale: Locale, timeZone: string | null) {
  const zone = timeZone ?? "Asia/Riyadh";
  const key = `${locale}|${zone}`;
  let format = timeFormatters.get(key);
  if (!format) {
    try {
      // The same digits as the date beside it (pages/components/date.tsx formats with the bare locale).
      format = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: zone });
    } catch {
      format = new Intl.DateTimeFormat(locale, {
        hour: "2-digit",
        minute: "2-digit",
        timeZone: "Asia/Riyadh",
      });
    }
    timeFormatters.set(key, format);
  }
  return format.format(ms);
}

export const DealPage: FC<DealPageProps> = ({ t, locale, timeZone, csrf, canReassign, data, ...state }) => {
  const now = Date.now();
  const { deal, history, pipelines, members, definitions } = data;
  const pipeline = pipelines.find((p) => p.id === deal.pipelineId);
  const stages = pipeline?.stages ?? [];
  const stage = stages.find((s) => s.id === deal.stageId);
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  const value = (name: string, fallback: string) => values[name] ?? fallback;
  const owner = members.find((m) => m.userId === deal.ownerId);
  return (
    <section class="section">
      <div class="container stack" data-testid="deal-page">
        <p>
          <a href={`/deals?pipeline=${deal.pipelineId}`}>{t.deals.backToBoard}</a>
        </p>
        <h1 data-testid="deal-title">{deal.title}</h1>
        <p class="deal-summary">
          <span class={`badge badge--${deal.status}`} data-testid="deal-stage">
            {stage?.name ?? t.deals.archivedStage}
          </span>{" "}
          · {pipeline?.name} · <strong>{formatSar(deal.amountHalalas, locale)}</strong>
        </p>
        <Notice message={state.notice} />
        <ErrorSummary message={state.error} />
        <CustomFieldValues t={t} locale={locale} definitions={definitions} values={deal.custom} />

        <div class="panel">
          <h2 class="panel__title">{t.deals.stage}</h2>
          <form
            method="post"
            action={`/deals/${deal.id}/move`}
            class="inline-form"
            data-testid="deal-move-form"
          >
            <CsrfField token={csrf} />
            <input type="hidden" name="back" value="deal" />
            <label class="visually-hidden" for="deal-move-stage">
              {t.deals.moveTo}
            </label>
            <select id="deal-move-stage" name="stageId">
              {stages.map((s) => (
                <option value={s.id} selected={s.id === deal.stageId}>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="submit" class="button button--small">
              {t.deals.move}
            </button>
          </form>
        </div>

        <div class="panel">
          <h2 class="panel__title">{t.deals.details}</h2>
          <form
            method="post"
            action={`/deals/${deal.id}`}
            class="form"
            novalidate
            data-testid="deal-edit-form"
          >
            <CsrfField token={csrf} />
            {/* The version this form was read at: a save over someone else's change is refused. */}
            <input type="hidden" name="version" value={String(deal.version)} />
            <div class="field">
              <label for="edit-title">{t.deals.title}</label>
              <input
                id="edit-title"
                name="title"
                required
                maxlength={200}
                value={value("title", deal.title)}
                aria-invalid={errors.title ? "true" : undefined}
              />
              {errors.title ? <p class="field__error">{errors.title}</p> : null}
            </div>
            <div class="field">
              <label for="edit-amount">{t.deals.amountSar}</label>
              <input
                id="edit-amount"
                name="amount"
                inputmode="decimal"
                dir="ltr"
                maxlength={20}
                value={value("amount", sarInputValue(deal.amountHalalas))}
                aria-invalid={errors.amount ? "true" : undefined}
              />
              {errors.amount ? <p class="field__error">{errors.amount}</p> : null}
            </div>
            <div class="field">
              <label for="edit-close">{t.deals.expectedClose}</label>
              <input
                id="edit-close"
                name="expectedCloseOn"
                type="date"
                value={value("expectedCloseOn", deal.expectedCloseOn ?? "")}
                aria-invalid={errors.expectedCloseOn ? "true" : undefined}
              />
              {errors.expectedCloseOn ? <p class="field__error">{errors.expectedCloseOn}</p> : null}
            </div>
            <div class="field">
              <label for="edit-owner">{t.deals.owner}</label>
              {canReassign ? (
                <select id="edit-owner" name="ownerId">
                  <option value="">{t.deals.noOwner}</option>
                  {members.map((m) => (
                    <option value={m.userId} selected={m.userId === value("ownerId", deal.ownerId ?? "")}>
                      {m.name}
                    </option>
                  ))}
                </select>
              ) : (
                <p id="edit-owner">{owner?.name ?? t.deals.noOwner}</p>
              )}
            </div>
            {deal.status === "lost" || deal.lostReason ? (
              <div class="field">
                <label for="edit-lost">{t.deals.lostReason}</label>
                <input
                  id="edit-lost"
                  name="lostReason"
                  maxlength={500}
                  value={value("lostReason", deal.lostReason ?? "")}
                />
              </div>
            ) : null}
            <CustomFieldInputs
              t={t}
              locale={locale}
              definitions={definitions}
              values={state.customValues ?? deal.custom}
              errors={state.customErrors ?? []}
            />
            <button type="submit" class="button button--primary">
              {t.deals.save}
            </button>
          </form>
        </div>

        <div class="panel">
          <h2 class="panel__title">{t.deals.history}</h2>
          <ol class="stage-history" data-testid="stage-history">
            {history.map((change) => (
              <li>
                {change.fromStageName ? (
                  <>
                    {change.fromStageName} {locale === "ar" ? "←" : "→"} {change.toStageName}
                  </>
                ) : (
                  <>
                    {t.deals.createdIn} {change.toStageName}
                  </>
                )}
                <br />
                <span class="muted">
                  <DateText ms={change.at} locale={locale} timeZone={timeZone} />{" "}
                  {timeOfDay(change.at, locale, timeZone)}
                  {change.actorId ? (
                    <> · {members.find((m) => m.userId === change.actorId)?.name ?? ""}</>
                  ) : null}
                </span>
              </li>
            ))}
          </ol>
        </div>

        <div class="card stack--tight" id="deal-timeline" data-deal-id={deal.id}>
          <QuickActions
            t={t}
            csrf={csrf}
            target={{ dealId: deal.id }}
            back={`/deals/${deal.id}`}
            timeZone={timeZone}
            now={now}
          />
          <Timeline
            t={t}
            locale={locale}
            timeZone={timeZone}
            csrf={csrf}
            items={data.timeline}
            back={`/deals/${deal.id}`}
            now={now}
          />
        </div>
      </div>
    </section>
  );
};
