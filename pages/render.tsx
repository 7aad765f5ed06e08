import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../src/platform/context";
import { type Dictionary, dictionaryFor } from "./i18n";
import { Layout } from "./layout/layout";
import { csrfToken } from "./session/cookies";
import { pageSession } from "./session/page-session";

export interface PageOptions {
  title: (t: Dictionary) => string;
  /** The page content; gets the dictionary and this browser's CSRF token for its forms. */
  body: (t: Dictionary, csrf: string) => Child;
  status?: ContentfulStatusCode;
  stylesheets?: string[];
  scripts?: string[];
  /** An operator console page: no tenant session is looked up, and the layout shows the console's navigation. */
  operatorConsole?: boolean;
}

/** Renders a page in the request's language inside the shared layout. */
export async function renderPage(c: Context<AppEnv>, options: PageOptions): Promise<Response> {
  const locale = c.get("locale");
  const t = dictionaryFor(locale);
  // Without a valid configuration (the CONFIG_INVALID page) no session can be checked.
  const session = c.get("config") && !options.operatorConsole ? await pageSession(c) : null;
  const page = (
    <Layout
      locale={locale}
      t={t}
      title={options.title(t)}
      path={new URL(c.req.url).pathname}
      stylesheets={options.stylesheets ?? []}
      scripts={options.scripts ?? []}
      csrf={csrfToken(c)}
      session={
        session
          ? {
              role: session.role,
              readOnly: session.writesRefused === true,
              closing: session.accountClosing === true,
              paymentDue: session.paymentDue === true,
            }
          : null
      }
      operator={options.operatorConsole ? { signedIn: c.get("operator") !== undefined } : undefined}
    >
      {options.body(t, csrfToken(c))}
    </Layout>
  );
  return c.html(`<!doctype html>${await page}`, options.status ?? 200, { "Cache-Control": "no-store" });
}
