import type { Child, FC } from "hono/jsx";
import { billingStrings } from "../billing/billing-strings";
import { CsrfField } from "../components/form";
import { type Dictionary, directionOf, type Locale } from "../i18n";

export interface LayoutSession {
  role: "owner" | "manager" | "agent";
  /** The tenant's account is read-only (suspended for non-payment, canceled): a banner says so. */
  readOnly?: boolean;
  /** A payment is overdue (dunning): a banner asks for it before the account is suspended. */
  paymentDue?: boolean;
  /** The owner closed the account: read-only until deletion, and the banner says that instead. */
  closing?: boolean;
}

interface LayoutProps {
  locale: Locale;
  t: Dictionary;
  title: string;
  /** Path to come back to after switching language. */
  path: string;
  stylesheets?: string[];
  scripts?: string[];
  csrf: string;
  session: LayoutSession | null;
  /** Set on the operator console's pages: its own navigation instead of the tenant one. */
  operator?: { signedIn: boolean } | undefined;
  children?: Child;
}

export const Layout: FC<LayoutProps> = ({
  locale,
  t,
  title,
  path,
  stylesheets = [],
  scripts = [],
  csrf,
  session,
  operator,
  children,
}) => {
  const otherLocale: Locale = locale === "ar" ? "en" : "ar";
  return (
    <html lang={locale} dir={directionOf(locale)}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <meta name="description" content={t.meta.description} />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/app.css" />
        {stylesheets.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t.nav.skip}
        </a>
        <header class="site-header">
          <div class="container site-header__inner">
            <a class="brand" href="/">
              <span class="brand__mark" aria-hidden="true">
                D
              </span>
              <span>{locale === "ar" ? "ديلكس" : "Dealix"}</span>
            </a>
            <nav class="site-nav" aria-label={locale === "ar" ? "التنقل" : "Navigation"}>
              {operator ? (
                operator.signedIn ? (
                  <>
                    <a href="/admin">{t.admin.nav}</a>
                    <form method="post" action="/admin/logout">
                      <CsrfField token={csrf} />
                      <button type="submit" class="link-button" data-testid="operator-sign-out">
                        {t.admin.signOut}
                      </button>
                    </form>
                  </>
                ) : null
              ) : session ? (
                <>
                  <a href="/inbox">{t.inbox.nav}</a>
                  {session.role !== "agent" ? <a href="/approvals">{t.approvals.nav}</a> : null}
                  <a href="/contacts">{t.nav.contacts}</a>
                  <a href="/companies">{t.companies.nav}</a>
                  <a href="/deals">{t.nav.deals}</a>
                  <a href="/tasks">{t.nav.tasks}</a>
                  <a href="/account">{t.nav.account}</a>
                  {session.role !== "agent" ? <a href="/team">{t.nav.team}</a> : null}
                  {session.role !== "agent" ? <a href="/settings/crm">{t.nav.settings}</a> : null}
                  {session.role === "owner" ? <a href="/billing">{billingStrings(locale).nav}</a> : null}
                  <form method="post" action="/logout">
                    <CsrfField token={csrf} />
                    <button type="submit" class="link-button" data-testid="sign-out">
                      {t.auth.signOut}
                    </button>
                  </form>
                </>
              ) : (
                <>
                  <a href="/login">{t.nav.signIn}</a>
                  <a href="/signup">{t.nav.signUp}</a>
                </>
              )}
              <form method="post" action="/lang" class="lang-switch">
                <CsrfField token={csrf} />
                <input type="hidden" name="to" value={otherLocale} />
                <input type="hidden" name="back" value={path} />
                <button
                  type="submit"
                  lang={otherLocale}
                  aria-label={t.nav.switchToLabel}
                  data-testid="lang-switch"
                >
                  {t.nav.switchTo}
                </button>
              </form>
            </nav>
          </div>
        </header>
        {session?.closing ? (
          <div class="alert alert--error site-banner" role="alert" data-testid="closing-banner">
            <div class="container">
              {t.tenantExport.closingBanner}{" "}
              {session.role === "owner" ? (
                <a href="/billing#account-data">{t.tenantExport.cancelClosure}</a>
              ) : (
                t.tenantExport.ownerCanCancel
              )}
            </div>
          </div>
        ) : session?.readOnly ? (
          <div class="alert alert--error site-banner" role="alert" data-testid="suspended-banner">
            <div class="container">
              {t.usage.suspendedBanner}{" "}
              {session.role === "owner" ? <a href="/billing">{t.usage.payNow}</a> : t.usage.askOwner}
            </div>
          </div>
        ) : session?.paymentDue ? (
          <div class="alert alert--warning site-banner" role="status" data-testid="dunning-banner">
            <div class="container">
              {t.usage.paymentDueBanner}{" "}
              {session.role === "owner" ? <a href="/billing">{t.usage.payNow}</a> : t.usage.askOwner}
            </div>
          </div>
        ) : null}
        <main id="main">{children}</main>
        <footer class="site-footer">
          <div class="container site-footer__inner">
            <span>{t.footer.rights}</span>
            <a href="/health/deep">{t.footer.health}</a>
          </div>
        </footer>
        {scripts.map((src) => (
          <script src={src} defer />
        ))}
      </body>
    </html>
  );
};
