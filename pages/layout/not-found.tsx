import type { FC } from "hono/jsx";
import type { Dictionary } from "../i18n";

export const NotFoundPage: FC<{ t: Dictionary }> = ({ t }) => (
  <section class="section">
    <div class="container narrow" data-testid="not-found">
      <p class="eyebrow">404</p>
      <h1>{t.notFound.title}</h1>
      <p class="lead">{t.notFound.body}</p>
      <a class="button button--primary" href="/">
        {t.notFound.home}
      </a>
    </div>
  </section>
);
