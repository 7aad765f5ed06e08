import type { FC } from "hono/jsx";
import { MAX_QUERY_LENGTH } from "../../src/search/search.model";
import type { Dictionary } from "../i18n";

/**
 * The search box: a plain GET form to /search, so it works without JavaScript and its results
 * page can be bookmarked or shared. `dir="auto"` lets Arabic and Latin queries each read their way.
 */
export const SearchBox: FC<{ t: Dictionary; value?: string; autofocus?: boolean }> = ({
  t,
  value = "",
  autofocus = false,
}) => (
  <search>
    <form method="get" action="/search" class="search-box" data-testid="search-box">
      <input
        type="search"
        name="q"
        value={value}
        dir="auto"
        maxlength={MAX_QUERY_LENGTH}
        aria-label={t.search.label}
        placeholder={t.search.placeholder}
        autocomplete="off"
        enterkeyhint="search"
        autofocus={autofocus}
      />
      <button type="submit" class="button button--primary">
        {t.search.submit}
      </button>
    </form>
  </search>
);
