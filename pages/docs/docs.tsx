import type { FC } from "hono/jsx";
import type { Dictionary } from "../i18n";

/** Swagger UI, served from our own assets (no CDN), reading /openapi.json. */
export const ApiDocsPage: FC<{ t: Dictionary }> = ({ t }) => (
  <section class="section docs">
    <div class="container">
      <h1>{t.docs.title}</h1>
      <noscript>
        <p>{t.docs.noscript}</p>
      </noscript>
      <div id="api-docs" dir="ltr" lang="en" data-spec-url="/openapi.json" />
    </div>
  </section>
);
