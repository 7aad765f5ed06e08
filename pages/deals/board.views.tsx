import type { FC } from "hono/jsx";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import type { DealView } from "../../src/deals/deal-view";
import type { PipelineView } from "../../src/pipelines/pipelines.service";
import type { FieldError } from "../../src/platform/problem";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import { CustomFieldInputs } from "../custom-fields/custom-field-inputs";
import type { Dictionary, Locale } from "../i18n";
import { formatCount, formatSar } from "./money";

type Stage = PipelineView["stages"][number];

export interface BoardProps {
  t: Dictionary;
  locale: Locale;
  csrf: string;
  canManage: boolean;
  pipelines: PipelineView[];
  pipeline: PipelineView | null;
  deals: DealView[];
  totals: Map<string, { deals: number; amountHalalas: number }>;
  /** The tenant's deal fields: the new-deal form has an input for each active one. */
  definitions: readonly CustomFieldDefinitionRow[];
  notice?: string | undefined;
  error?: string | undefined;
  /** What the new-deal form shows again after a refused create. */
  newDeal?:
    | {
        values: Record<string, string>;
        errors: Record<string, string>;
        customValues?: Record<string, string | string[]>;
        customErrors?: FieldError[];
      }
    | undefined;
}

const StageSelect: FC<{ id: string; stages: Stage[]; selected: string; label: string }> = ({
  id,
  stages,
  selected,
  label,
}) => (
  <>
    <label class="visually-hidden" for={id}>
      {label}
    </label>
    <select id={id} name="stageId">
      {stages.map((stage) => (
        <option value={stage.id} selected={stage.id === selected}>
          {stage.name}
        </option>
      ))}
    </select>
  </>
);

/** A deal card: a link to the deal, its amount, and a small form that moves it without JavaScript. */
const DealCard: FC<{ t: Dictionary; locale: Locale; csrf: string; deal: DealView; stages: Stage[] }> = ({
  t,
  locale,
  csrf,
  deal,
  stages,
}) => (
  <li
    class="deal-card"
    data-deal-id={deal.id}
    data-amount={String(deal.amountHalalas)}
    data-testid="deal-card"
  >
    <a class="deal-card__title" href={`/deals/${deal.id}`}>
      {deal.title}
    </a>
    <p class="deal-card__amount">{formatSar(deal.amountHalalas, locale)}</p>
    <form method="post" action={`/deals/${deal.id}/move`} class="deal-card__move inline-form">
      <CsrfField token={csrf} />
      <StageSelect id={`move-${deal.id}`} stages={stages} selected={deal.stageId} label={t.deals.moveTo} />
      <button type="submit" class="button button--small">
        {t.deals.move}
      </button>
    </form>
  </li>
);

const StageColumn: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  stage: Stage;
  stages: Stage[];
  deals: DealView[];
  total: { deals: number; amountHalalas: number };
}> = ({ t, locale, csrf, stage, stages, deals, total }) => (
  <section class={`board__column board__column--${stage.kind}`} aria-labelledby={`stage-${stage.id}`}>
    <header class="board__header">
      <h2 id={`stage-${stage.id}`} class="board__title">
        {stage.name}
      </h2>
      <p class="board__summary muted">
        {t.deals.dealsWord}{" "}
        <span data-stage-count data-value={String(total.deals)}>
          {formatCount(total.deals, locale)}
        </span>{" "}
        ·{" "}
        <span data-stage-total data-value={String(total.amountHalalas)}>
          {formatSar(total.amountHalalas, locale)}
        </span>
      </p>
    </header>
    <ol class="board__cards" data-stage-id={stage.id} data-testid="stage-column">
      {deals.map((deal) => (
        <DealCard t={t} locale={locale} csrf={csrf} deal={deal} stages={stages} />
      ))}
    </ol>
  </section>
);

const NewDealForm: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  pipeline: PipelineView;
  definitions: BoardProps["definitions"];
  form: BoardProps["newDeal"];
}> = ({ t, locale, csrf, pipeline, definitions, form }) => {
  const values = form?.values ?? {};
  const errors = form?.errors ?? {};
  const openStages = pipeline.stages.filter((stage) => stage.kind === "open");
  return (
    <details class="panel new-deal" open={form !== undefined}>
      <summary class="panel__title">{t.deals.newDeal}</summary>
      <form method="post" action="/deals" class="form" novalidate data-testid="new-deal-form">
        <CsrfField token={csrf} />
        <input type="hidden" name="pipelineId" value={pipeline.id} />
        <div class="field">
          <label for="deal-title">{t.deals.title}</label>
          <input
            id="deal-title"
            name="title"
            required
            maxlength={200}
            value={values.title ?? ""}
            aria-invalid={errors.title ? "true" : undefined}
          />
          {errors.title ? <p class="field__error">{errors.title}</p> : null}
        </div>
        <div class="field">
          <label for="deal-amount">{t.deals.amountSar}</label>
          <input
            id="deal-amount"
            name="amount"
            inputmode="decimal"
            dir="ltr"
            maxlength={20}
            value={values.amount ?? ""}
            aria-invalid={errors.amount ? "true" : undefined}
          />
          {errors.amount ? <p class="field__error">{errors.amount}</p> : null}
        </div>
        <div class="field">
          <label for="deal-stage">{t.deals.stage}</label>
          <select id="deal-stage" name="stageId">
            {openStages.map((stage) => (
              <option value={stage.id} selected={stage.id === values.stageId}>
                {stage.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="deal-close">{t.deals.expectedClose}</label>
          <input
            id="deal-close"
            name="expectedCloseOn"
            type="date"
            value={values.expectedCloseOn ?? ""}
            aria-invalid={errors.expectedCloseOn ? "true" : undefined}
          />
          {errors.expectedCloseOn ? <p class="field__error">{errors.expectedCloseOn}</p> : null}
        </div>
        <CustomFieldInputs
          t={t}
          locale={locale}
          definitions={definitions}
          values={form?.customValues ?? {}}
          errors={form?.customErrors ?? []}
        />
        <button type="submit" class="button button--primary">
          {t.deals.create}
        </button>
      </form>
    </details>
  );
};

/** What a tenant without a pipeline sees: what a pipeline is and how to get one. */
const NoPipeline: FC<{ t: Dictionary; csrf: string; canManage: boolean }> = ({ t, csrf, canManage }) => (
  <div class="panel empty-state" data-testid="board-empty">
    <h2 class="panel__title">{t.deals.emptyTitle}</h2>
    <p>{t.deals.emptyIntro}</p>
    {canManage ? (
      <form method="post" action="/deals/start" class="inline-form">
        <CsrfField token={csrf} />
        <button type="submit" class="button button--primary">
          {t.deals.createDefault}
        </button>
      </form>
    ) : null}
    {canManage ? (
      <a class="button button--small" href="/settings/templates" data-testid="start-with-template">
        {t.templates.startLink}
      </a>
    ) : (
      <p class="muted">{t.deals.askManager}</p>
    )}
  </div>
);

export const BoardPage: FC<BoardProps> = (props) => {
  const { t, locale, csrf, pipeline, pipelines, deals, totals } = props;
  return (
    <section class="section">
      <div class="container stack" data-testid="board-page">
        <div class="board-toolbar">
          <h1>{t.deals.boardTitle}</h1>
          {pipelines.length > 1 && pipeline ? (
            <form method="get" action="/deals" class="inline-form" data-testid="pipeline-switcher">
              <label for="pipeline-switch">{t.deals.pipeline}</label>
              <select id="pipeline-switch" name="pipeline">
                {pipelines.map((p) => (
                  <option value={p.id} selected={p.id === pipeline.id}>
                    {p.name}
                  </option>
                ))}
              </select>
              <button type="submit" class="button button--small">
                {t.deals.show}
              </button>
            </form>
          ) : null}
          {pipeline ? (
            <a
              class="button button--small"
              href={`/deals/export.csv?pipelineId=${encodeURIComponent(pipeline.id)}`}
              data-testid="deals-export-link"
            >
              {t.imports.exportCsv}
            </a>
          ) : null}
          {props.canManage ? (
            <a class="button button--small" href="/settings/pipelines">
              {t.deals.editPipelines}
            </a>
          ) : null}
        </div>
        <Notice message={props.notice} />
        <ErrorSummary message={props.error} />
        {pipeline === null ? (
          <NoPipeline t={t} csrf={csrf} canManage={props.canManage} />
        ) : (
          <>
            <NewDealForm
              t={t}
              locale={locale}
              csrf={csrf}
              pipeline={pipeline}
              definitions={props.definitions}
              form={props.newDeal}
            />
            {deals.length === 0 ? (
              <p class="muted empty-state" data-testid="board-no-deals">
                {t.deals.noDeals}
              </p>
            ) : null}
            <p class="muted board__hint">{t.deals.dragHint}</p>
            <div class="board" data-board data-csrf={csrf} data-locale={locale} data-testid="board">
              {pipeline.stages.map((stage) => (
                <StageColumn
                  t={t}
                  locale={locale}
                  csrf={csrf}
                  stage={stage}
                  stages={pipeline.stages}
                  deals={deals.filter((deal) => deal.stageId === stage.id)}
                  total={totals.get(stage.id) ?? { deals: 0, amountHalalas: 0 }}
                />
              ))}
            </div>
          </>
        )}
      </div>
    </section>
  );
};
