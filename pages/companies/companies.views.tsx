import type { FC } from "hono/jsx";
import type { CompanyView } from "../../src/companies/companies.service";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import { CompanyFields, type CompanyFormState, memberName, type PageBase } from "./company-form";

export const CompaniesListPage: FC<
  PageBase & {
    companies: CompanyView[];
    nextCursor: string | null;
    q: string | undefined;
    canAssign: boolean;
    form: CompanyFormState;
  }
> = ({ t, locale, csrf, members, definitions, companies, nextCursor, q, canAssign, form }) => {
  const nextHref = nextCursor
    ? `/companies?${new URLSearchParams({ ...(q ? { q } : {}), cursor: nextCursor }).toString()}`
    : null;
  return (
    <section class="section">
      <div class="container stack" data-testid="companies-page">
        <h1>{t.companies.title}</h1>
        <Notice message={form.notice} />
        <details class="card" open={Boolean(form.error) || (companies.length === 0 && !q)}>
          <summary>{t.companies.add}</summary>
          <form method="post" action="/companies" class="form" novalidate data-testid="new-company-form">
            <CsrfField token={csrf} />
            <ErrorSummary message={form.error} />
            <CompanyFields
              t={t}
              locale={locale}
              definitions={definitions}
              customValues={form.customValues ?? {}}
              customErrors={form.customErrors ?? []}
              values={form.values ?? {}}
              errors={form.errors ?? {}}
              members={members}
              canAssign={canAssign}
              full={false}
            />
            <button type="submit" class="button button--primary">
              {t.companies.create}
            </button>
          </form>
        </details>

        <form method="get" action="/companies" class="filters" data-testid="company-search">
          <div class="field">
            <label for="q">{t.companies.search}</label>
            <input id="q" name="q" type="search" value={q ?? ""} maxlength={100} />
          </div>
          <button type="submit" class="button button--small">
            {t.companies.filter}
          </button>
          <a
            class="button button--small"
            href={`/companies/export.csv${q ? `?${new URLSearchParams({ q }).toString()}` : ""}`}
            data-testid="companies-export-link"
          >
            {t.imports.exportCsv}
          </a>
        </form>

        {companies.length === 0 ? (
          <div class="empty-state" data-testid="companies-empty">
            <p>{q ? t.companies.noMatches : t.companies.empty}</p>
            {q ? null : <p class="muted">{t.companies.emptyHint}</p>}
          </div>
        ) : (
          <ul class="record-list" data-testid="company-list">
            {companies.map((company) => (
              <li class="record-list__item" data-testid="company-row" data-company-id={company.id}>
                <a href={`/companies/${company.id}`} class="record-list__title">
                  {company.name}
                </a>
                {company.vatNumber ? (
                  <span class="muted">
                    {t.companies.vatLabel}: <span dir="ltr">{company.vatNumber}</span>
                  </span>
                ) : null}
                {company.nationalAddress?.city ? (
                  <span class="muted">{company.nationalAddress.city}</span>
                ) : null}
                <span class="muted">
                  {t.companies.contactCount}: {company.contactCount}
                </span>
                <span class="muted">
                  {t.companies.owner}: {memberName(members, company.ownerId, t)}
                </span>
              </li>
            ))}
          </ul>
        )}
        {nextHref ? (
          <a href={nextHref} class="button button--small" data-testid="next-page">
            {t.companies.next}
          </a>
        ) : null}
      </div>
    </section>
  );
};
