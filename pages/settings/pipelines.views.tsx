import type { FC } from "hono/jsx";
import { STAGE_KINDS } from "../../src/pipelines/pipelines.schema";
import type { PipelineView } from "../../src/pipelines/pipelines.service";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { Dictionary } from "../i18n";

type Stage = PipelineView["stages"][number];

export interface PipelineSettingsProps {
  t: Dictionary;
  csrf: string;
  pipelines: PipelineView[];
  notice?: string | undefined;
  error?: string | undefined;
}

const KindSelect: FC<{ t: Dictionary; id: string; selected: Stage["kind"] }> = ({ t, id, selected }) => (
  <>
    <label class="visually-hidden" for={id}>
      {t.pipelines.kind}
    </label>
    <select id={id} name="kind">
      {STAGE_KINDS.map((kind) => (
        <option value={kind} selected={kind === selected}>
          {t.pipelines.kinds[kind]}
        </option>
      ))}
    </select>
  </>
);

const StageRow: FC<{ t: Dictionary; csrf: string; stage: Stage; stages: Stage[]; index: number }> = ({
  t,
  csrf,
  stage,
  stages,
  index,
}) => (
  <li class="stage-row" data-testid="stage-row" data-stage-id={stage.id}>
    <form method="post" action={`/settings/stages/${stage.id}`} class="inline-form stage-row__edit">
      <CsrfField token={csrf} />
      <label class="visually-hidden" for={`name-${stage.id}`}>
        {t.pipelines.stageName}
      </label>
      <input id={`name-${stage.id}`} name="name" value={stage.name} maxlength={60} required />
      <KindSelect t={t} id={`kind-${stage.id}`} selected={stage.kind} />
      <label class="visually-hidden" for={`probability-${stage.id}`}>
        {t.pipelines.probability}
      </label>
      <input
        id={`probability-${stage.id}`}
        name="probability"
        type="number"
        min={0}
        max={100}
        value={String(stage.probability)}
        class="stage-row__probability"
      />
      <span aria-hidden="true">%</span>
      <button type="submit" class="button button--small">
        {t.pipelines.save}
      </button>
    </form>
    <div class="inline-form stage-row__actions">
      <form method="post" action={`/settings/stages/${stage.id}/move`}>
        <CsrfField token={csrf} />
        <input type="hidden" name="direction" value="up" />
        <button
          type="submit"
          class="button button--small"
          disabled={index === 0}
          aria-label={t.pipelines.moveUp}
        >
          ↑
        </button>
      </form>
      <form method="post" action={`/settings/stages/${stage.id}/move`}>
        <CsrfField token={csrf} />
        <input type="hidden" name="direction" value="down" />
        <button
          type="submit"
          class="button button--small"
          disabled={index === stages.length - 1}
          aria-label={t.pipelines.moveDown}
        >
          ↓
        </button>
      </form>
      <form method="post" action={`/settings/stages/${stage.id}/archive`} class="inline-form">
        <CsrfField token={csrf} />
        <label class="visually-hidden" for={`archive-to-${stage.id}`}>
          {t.pipelines.moveDealsTo}
        </label>
        <select id={`archive-to-${stage.id}`} name="moveDealsToStageId">
          <option value="">{t.pipelines.noMove}</option>
          {stages
            .filter((other) => other.id !== stage.id)
            .map((other) => (
              <option value={other.id}>
                {t.pipelines.moveDealsTo} {other.name}
              </option>
            ))}
        </select>
        <button type="submit" class="button button--small button--danger">
          {t.pipelines.archive}
        </button>
      </form>
    </div>
  </li>
);

const PipelinePanel: FC<{ t: Dictionary; csrf: string; pipeline: PipelineView }> = ({
  t,
  csrf,
  pipeline,
}) => (
  <div class="panel stack" data-testid="pipeline-panel" data-pipeline-id={pipeline.id}>
    <form method="post" action={`/settings/pipelines/${pipeline.id}`} class="inline-form">
      <CsrfField token={csrf} />
      <label for={`pipeline-name-${pipeline.id}`}>{t.pipelines.name}</label>
      <input id={`pipeline-name-${pipeline.id}`} name="name" value={pipeline.name} maxlength={80} required />
      <button type="submit" class="button button--small">
        {t.pipelines.rename}
      </button>
    </form>
    <div class="inline-form">
      {pipeline.isDefault ? (
        <span class="badge">{t.pipelines.isDefault}</span>
      ) : (
        <>
          <form method="post" action={`/settings/pipelines/${pipeline.id}/default`}>
            <CsrfField token={csrf} />
            <button type="submit" class="button button--small">
              {t.pipelines.makeDefault}
            </button>
          </form>
          <form method="post" action={`/settings/pipelines/${pipeline.id}/archive`}>
            <CsrfField token={csrf} />
            <button type="submit" class="button button--small button--danger">
              {t.pipelines.archivePipeline}
            </button>
          </form>
        </>
      )}
      <a class="button button--small" href={`/deals?pipeline=${pipeline.id}`}>
        {t.pipelines.openBoard}
      </a>
    </div>
    <h3>{t.pipelines.stages}</h3>
    <ol class="stage-list">
      {pipeline.stages.map((stage, index) => (
        <StageRow t={t} csrf={csrf} stage={stage} stages={pipeline.stages} index={index} />
      ))}
    </ol>
    <form method="post" action={`/settings/pipelines/${pipeline.id}/stages`} class="inline-form">
      <CsrfField token={csrf} />
      <label for={`new-stage-${pipeline.id}`}>{t.pipelines.addStage}</label>
      <input id={`new-stage-${pipeline.id}`} name="name" maxlength={60} required />
      <KindSelect t={t} id={`new-kind-${pipeline.id}`} selected="open" />
      <button type="submit" class="button button--small">
        {t.pipelines.add}
      </button>
    </form>
  </div>
);

export const PipelineSettingsPage: FC<PipelineSettingsProps> = ({ t, csrf, pipelines, notice, error }) => (
  <section class="section">
    <div class="container stack" data-testid="pipeline-settings">
      <h1>{t.pipelines.title}</h1>
      <p class="muted">{t.pipelines.intro}</p>
      <Notice message={notice} />
      <ErrorSummary message={error} />
      {pipelines.length === 0 ? (
        <div class="panel empty-state">
          <p>{t.deals.emptyIntro}</p>
          <form method="post" action="/deals/start">
            <CsrfField token={csrf} />
            <button type="submit" class="button button--primary">
              {t.deals.createDefault}
            </button>
          </form>
        </div>
      ) : null}
      {pipelines.map((pipeline) => (
        <PipelinePanel t={t} csrf={csrf} pipeline={pipeline} />
      ))}
      <div class="panel">
        <h2 class="panel__title">{t.pipelines.newPipeline}</h2>
        <form method="post" action="/settings/pipelines" class="inline-form" data-testid="new-pipeline-form">
          <CsrfField token={csrf} />
          <label for="new-pipeline-name">{t.pipelines.name}</label>
          <input id="new-pipeline-name" name="name" maxlength={80} required />
          <button type="submit" class="button button--small button--primary">
            {t.pipelines.create}
          </button>
        </form>
      </div>
    </div>
  </section>
);
