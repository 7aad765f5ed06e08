import { Hono } from "hono";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { MAX_QUERY_LENGTH, MAX_SEARCH_RESULTS } from "../../src/search/search.model";
import { search } from "../../src/search/search.service";
import { renderPage } from "../render";
import { requireSignedIn } from "../session/page-session";
import { SearchPage } from "./search.views";

export const searchPages = new Hono<AppEnv>();

searchPages.use("/search", requireSignedIn());

// A box, not a form with errors: an over-long query is cut rather than refused, and a query with
// nothing searchable in it shows "no results" like any other.
searchPages.get("/search", async (c) => {
  const query = (c.req.query("q") ?? "").trim().slice(0, MAX_QUERY_LENGTH);
  const hits = query ? await search(tenantOf(c), { q: query, limit: MAX_SEARCH_RESULTS }) : null;
  return renderPage(c, {
    title: (t) => (query ? `${query} · ${t.search.title}` : t.search.title),
    body: (t) => <SearchPage t={t} locale={c.get("locale")} query={query} hits={hits} />,
  });
});
