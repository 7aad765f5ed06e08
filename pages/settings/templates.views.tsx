import type { FC } from "hono/jsx";
import type { TemplateView } from "../../src/templates/templates.service";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

export interface TemplateApplicationResult {
  template: string;
  pipelines: { name: string; outcome: string }[];
  customFields: { objectType: string; key: string; outcome: string }[];
}

export interface TemplatesPageProps {
  t: Dictionary;
  locale: Locale;
  csrf: string;
  templates: TemplateView[];
  result?: TemplateApplicationResult | undefined;
  notice?: string | undefined;
  error?: string | undefined;
}

const outcomeLabel = (t: Dictionary, outcome: string) =>
  ({
    added: t.templates.added,
    already_applied: t.templates.alreadyApplied,
    key_taken: t.templates.keyTaken,
    limit_reached: t.templates.limitReached,
  })[outcome] ?? outcome;

const objectLabel = (t: Dictionary, objectType: string) =>
  objectType === "deal"
    ? t.templates.onDeals
    : objectType === "company"
      ? t.templates.onCompanies
      : t.templates.onContacts;

const fieldLabel = (template: TemplateView | undefined, locale: Locale, objectType: string, key: string) => {
  const field = template?.customFields.find((f) => f.objectType === objectType && f.key === key);
  return field ? (locale === "ar" ? field.labelAr : field.labelEn) : key;
};

const ApplicationResult: FC<{
  t: Dictionary;
  locale: Locale;
  result: TemplateApplicationResult;
  template?: TemplateView;
}> = ({ t, locale, result, template }) => (
  <div class="panel" data-testid="template-result" role="status">
    <h2 class="panel__title">{t.templates.appliedNotice}</h2>
    <ul class="template-result">
      {result.pipelines.map((pipeline) => (
        <li data-outcome={pipeline.outcome}>
          {t.templates.pipelines}: {pipeline.name} — {outcomeLabel(t, pipeline.outcome)}
        </li>
      ))}
      {result.customFields.map((field) => (
        <li data-outcome={field.outcome} data-key={field.key}>
          {fieldLabel(template, locale, field.objectType, field.key)} ({objectLabel(t, field.objectType)}) —{" "}
          {outcomeLabel(t, field.outcome)}
        </li>
      ))}
    </ul>
  </div>
);

const TemplateCard: FC<{ t: Dictionary; locale: Locale; csrf: string; template: TemplateView }> = ({
  t,
  locale,
  csrf,
  template,
}) => (
  <article class="card template-card" data-testid="template-card" data-template={template.key}>
    <h2>
      {template.name[locale]} {template.applied ? <span class="badge">{t.templates.applied}</span> : null}
    </h2>
    <p>{template.description[locale]}</p>
    <h3>{t.templates.pipelines}</h3>
    <ul>
      {template.pipelines.map((pipeline) => (
        <li>
          <strong>{pipeline.name[locale]}</strong>:{" "}
          {pipeline.stages.map((stage) => stage.name[locale]).join("، ")}
        </li>
      ))}
    </ul>
    <h3>{t.templates.fields}</h3>
    <ul>
      {template.customFields.map((field) => (
        <li>
          {locale === "ar" ? field.labelAr : field.labelEn} ({objectLabel(t, field.objectType)})
        </li>
      ))}
    </ul>
    <form method="post" action={`/settings/templates/${template.key}/apply`}>
      <CsrfField token={csrf} />
      <button type="submit" class="button button--primary">
        {t.templates.apply}
      </button>
    </form>
  </article>
);

export const TemplatesPage: FC<TemplatesPageProps> = ({
  t,
  locale,
  csrf,
  templates,
  result,
  notice,
  error,
}) => (
  <section class="section">
    <div class="container stack" data-testid="templates-page">
      <h1>{t.templates.title}</h1>
      <p>{t.templates.intro}</p>
      <Notice message={notice} />
      <ErrorSummary message={error} />
      {result ? (
        <ApplicationResult
          t={t}
          locale={locale}
          result={result}
          template={templates.find((template) => template.key === result.template)}
        />
      ) : null}
      <div class="template-grid">
        {templates.map((template) => (
          <TemplateCard t={t} locale={locale} csrf={csrf} template={template} />
        ))}
      </div>
      <div class="card" data-testid="sample-data">
        <h2>{t.templates.sampleTitle}</h2>
        <p>{t.templates.sampleIntro}</p>
        <div class="actions">
          <form method="post" action="/settings/templates/sample-data">
            <CsrfField token={csrf} />
            <button type="submit" class="button button--primary">
              {t.templates.sampleLoad}
            </button>
          </form>
          <form method="post" action="/settings/templates/sample-data/remove">
            <CsrfField token={csrf} />
            <button type="submit" class="button">
              {t.templates.sampleRemove}
            </button>
          </form>
        </div>
        <p class="muted">{t.templates.sampleRemoveHint}</p>
      </div>
    </div>
  </section>
);
