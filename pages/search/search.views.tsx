import type { FC } from "hono/jsx";
import type { SearchHit } from "../../src/search/search.model";
import type { SearchKind } from "../../src/search/search.schema";
import type { Dictionary, Locale } from "../i18n";
import { SearchBox } from "./search-box";

const GROUPS: readonly { kind: SearchKind; path: string }[] = [
  { kind: "contact", path: "/contacts" },
  { kind: "company", path: "/companies" },
  { kind: "deal", path: "/deals" },
];

// One formatter per locale and isolate: Arabic digits with ر.س, Latin digits with SAR.
const moneyFormatters = new Map<Locale, Intl.NumberFormat>();
function formatSar(halalas: number, locale: Locale, t: Dictionary) {
  let formatter = moneyFormatters.get(locale);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale === "ar" ? "ar-SA" : "en-SA", { maximumFractionDigits: 2 });
    moneyFormatters.set(locale, formatter);
  }
  return `${formatter.format(halalas / 100)} ${t.search.currency}`;
}

/** What helps tell two hits apart: a phone or email, a VAT number, an amount. Numbers read left to right. */
const Hint: FC<{ hit: SearchHit; locale: Locale; t: Dictionary }> = ({ hit, locale, t }) => {
  if (hit.kind === "deal" && hit.amountHalalas !== null) {
    return <span class="search-hit__hint">{formatSar(hit.amountHalalas, locale, t)}</span>;
  }
  const detail = hit.phone ?? hit.email ?? hit.vatNumber;
  return detail ? (
    <span class="search-hit__hint" dir="ltr">
      {detail}
    </span>
  ) : null;
};

export const SearchPage: FC<{ t: Dictionary; locale: Locale; query: string; hits: SearchHit[] | null }> = ({
  t,
  locale,
  query,
  hits,
}) => (
  <section class="section">
    <div class="container stack" data-testid="search-page">
      <h1>{t.search.title}</h1>
      <SearchBox t={t} value={query} autofocus={hits === null} />
      {hits === null ? <p>{t.search.intro}</p> : null}
      {hits !== null && hits.length === 0 ? (
        <div class="stack--tight" data-testid="search-empty">
          <p>
            {t.search.noResults} <bdi>{query}</bdi>
          </p>
          <p class="field__hint">{t.search.tips}</p>
        </div>
      ) : null}
      {GROUPS.map(({ kind, path }) => {
        const group = (hits ?? []).filter((hit) => hit.kind === kind);
        if (group.length === 0) return null;
        return (
          <section class="search-group" aria-labelledby={`search-${kind}`} data-testid={`search-${kind}`}>
            <h2 id={`search-${kind}`}>
              {t.search.groups[kind]} <span class="badge">{group.length.toLocaleString(locale)}</span>
            </h2>
            <ul class="search-hits">
              {group.map((hit) => (
                <li class="search-hit">
                  <a href={`${path}/${encodeURIComponent(hit.id)}`} dir="auto">
                    {hit.title}
                  </a>
                  <Hint hit={hit} locale={locale} t={t} />
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  </section>
);
