import type { FC } from "hono/jsx";
import type { Dictionary } from "../i18n";
import { EarlyAccessForm, type EarlyAccessFormState } from "./early-access-form";

export const LandingPage: FC<{ t: Dictionary; csrf: string; form: EarlyAccessFormState }> = ({
  t,
  csrf,
  form,
}) => (
  <>
    <section class="hero">
      <div class="container">
        <p class="eyebrow">{t.landing.eyebrow}</p>
        <h1>{t.landing.heading}</h1>
        <p class="lead">{t.landing.lead}</p>
        <p class="actions">
          <a class="button button--primary" href="/signup" data-testid="cta-signup">
            {t.landing.cta}
          </a>
          <a class="button" href="#start">
            {t.landing.secondaryCta}
          </a>
          <a class="button" href="/pricing" data-testid="cta-pricing">
            {t.pricing.nav}
          </a>
        </p>
      </div>
    </section>

    <section class="section" aria-labelledby="for-whom">
      <div class="container">
        <h2 id="for-whom">{t.landing.forWhomHeading}</h2>
        <ul class="cards">
          {t.landing.forWhom.map((item) => (
            <li class="card">
              <h3>{item.title}</h3>
              <p>{item.body}</p>
            </li>
          ))}
        </ul>
      </div>
    </section>

    <section class="section section--tinted" aria-labelledby="features">
      <div class="container">
        <h2 id="features">{t.landing.featuresHeading}</h2>
        <ul class="cards cards--four">
          {t.landing.features.map((item) => (
            <li class="card">
              <h3>{item.title}</h3>
              <p>{item.body}</p>
            </li>
          ))}
        </ul>
      </div>
    </section>

    <section class="section" id="start" aria-labelledby="start-heading">
      <div class="container split">
        <div>
          <h2 id="start-heading">{t.landing.startHeading}</h2>
          <ol class="steps">
            {t.landing.steps.map((step) => (
              <li>{step}</li>
            ))}
          </ol>
        </div>
        <div class="panel">
          <h2 class="panel__title">{t.earlyAccess.heading}</h2>
          <p>{t.earlyAccess.intro}</p>
          <EarlyAccessForm t={t} csrf={csrf} state={form} />
        </div>
      </div>
    </section>
  </>
);

export const EarlyAccessThanksPage: FC<{ t: Dictionary }> = ({ t }) => (
  <section class="section">
    <div class="container narrow" data-testid="early-access-thanks">
      <h1>{t.earlyAccess.thanksTitle}</h1>
      <p class="lead">{t.earlyAccess.thanksBody}</p>
      <a class="button" href="/">
        {t.earlyAccess.back}
      </a>
    </div>
  </section>
);
