import { type Context, Hono } from "hono";
import { setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { EarlyAccessInputSchema } from "../src/early-access/early-access.model";
import { requestEarlyAccess } from "../src/early-access/early-access.service";
import { type AppEnv, requestContext } from "../src/platform/context";
import { isMachinePath } from "../src/platform/errors";
import { ApiError } from "../src/platform/problem";
import { accountPages } from "./account/account.pages";
import { activityPages } from "./activities/activities.pages";
import { adminPages } from "./admin/admin.pages";
import { billingConsolePages } from "./admin/billing.pages";
import { breachPages } from "./admin/breaches.pages";
import { operationsPages } from "./admin/operations.pages";
import { approvalsPages } from "./approvals/approvals.pages";
import { authPages } from "./auth/auth.pages";
import { billingPages } from "./billing/billing.pages";
import { pricingPages } from "./billing/pricing.pages";
import { usagePages } from "./billing/usage.pages";
import { companiesPages } from "./companies/companies.pages";
import { contactsPages } from "./contacts/contacts.pages";
import { customFieldsPages } from "./custom-fields/custom-fields.pages";
import { dealsPages } from "./deals/deals.pages";
import { ApiDocsPage } from "./docs/docs";
import { governancePages } from "./governance/governance.pages";
import { isLocale, LOCALE_COOKIE } from "./i18n";
import { importsPages } from "./imports/imports.pages";
import { inboxPages } from "./inbox/inbox.pages";
import type { EarlyAccessField, EarlyAccessFormState } from "./landing/early-access-form";
import { EarlyAccessThanksPage, LandingPage } from "./landing/landing";
import { privacyRequestPages } from "./privacy-requests/privacy-requests.pages";
import { type PageOptions, renderPage } from "./render";
import { searchPages } from "./search/search.pages";
import { verifyCsrfToken } from "./session/cookies";
import { safeReturnPath } from "./session/forms";
import { pipelineSettingsPages } from "./settings/pipelines.pages";
import { templateSettingsPages } from "./settings/templates.pages";
import { taskPages } from "./tasks/tasks.pages";
import { teamPages } from "./team/team.pages";
import { tenantExportPages } from "./tenant-export/tenant-export.pages";

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const FORM_FIELDS: EarlyAccessField[] = ["name", "company", "phone", "email", "businessType", "consent"];

const fieldValue = (form: Record<string, unknown>, name: string) =>
  typeof form[name] === "string" ? form[name].trim() : "";

export const pages = new Hono<AppEnv>();

// Every form post must come from our own pages: the Origin / Sec-Fetch-Site check, then the
// double-submit token (see session/cookies.ts).
// Mounted at "/", this router also sees API paths that fell through: leave those to the API's 404/405.
const pageForms = csrf();
pages.use(async (c, next) => {
  if (c.req.method !== "POST" || isMachinePath(c.req.path)) return next();
  try {
    await pageForms(c, () => verifyCsrfToken(c));
  } catch (error) {
    // hono's Origin check throws a bare 403; give it the same code (and page) as a bad token.
    if (error instanceof HTTPException && error.status === 403) {
      throw new ApiError("CSRF_REJECTED", "The form came from another site.");
    }
    throw error;
  }
  await next();
});

pages.route("/", authPages);
pages.route("/", adminPages);
pages.route("/", operationsPages);
pages.route("/", billingConsolePages);
pages.route("/", breachPages);
pages.route("/", accountPages);
pages.route("/", teamPages);
pages.route("/", billingPages);
pages.route("/", tenantExportPages);
// Before the contacts pages, whose /contacts/:contactId would take /contacts/import.
pages.route("/", importsPages);
pages.route("/", contactsPages);
pages.route("/", inboxPages);
pages.route("/", approvalsPages);
pages.route("/", usagePages);
pages.route("/", companiesPages);
pages.route("/", customFieldsPages);
pages.route("/", activityPages);
pages.route("/", taskPages);
pages.route("/", dealsPages);
pages.route("/", pipelineSettingsPages);
pages.route("/", templateSettingsPages);
pages.route("/", searchPages);
pages.route("/", pricingPages);
pages.route("/", privacyRequestPages);
pages.route("/", governancePages);

const landing = (form: EarlyAccessFormState, status: 200 | 422 = 200): PageOptions => ({
  title: (t) => t.meta.title,
  body: (t, csrf) => <LandingPage t={t} csrf={csrf} form={form} />,
  status,
});

pages.get("/", (c) => renderPage(c, landing({ values: {}, invalid: [] })));

pages.post("/lang", async (c) => {
  const form = await c.req.parseBody();
  const locale = isLocale(form.to) ? form.to : c.get("locale");
  setCookie(c, LOCALE_COOKIE, locale, {
    path: "/",
    maxAge: ONE_YEAR_SECONDS,
    sameSite: "Lax",
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
  });
  return c.redirect(safeReturnPath(form.back), 303);
});

pages.post("/early-access", async (c) => {
  const form = await c.req.parseBody();
  const values = Object.fromEntries(FORM_FIELDS.map((name) => [name, fieldValue(form, name)])) as Record<
    EarlyAccessField,
    string
  >;
  const parsed = EarlyAccessInputSchema.safeParse({
    name: values.name,
    company: values.company,
    phone: values.phone,
    ...(values.email ? { email: values.email } : {}),
    businessType: values.businessType,
    locale: c.get("locale"),
    consent: values.consent === "yes",
  });
  if (!parsed.success) {
    const invalid = FORM_FIELDS.filter((field) =>
      parsed.error.issues.some((issue) => issue.path[0] === field),
    );
    return renderPage(c, landing({ values, invalid }, 422));
  }
  await requestEarlyAccess(requestContext(c), parsed.data);
  return c.redirect("/early-access/thanks", 303);
});

pages.get("/early-access/thanks", (c) =>
  renderPage(c, {
    title: (t) => t.earlyAccess.thanksTitle,
    body: (t) => <EarlyAccessThanksPage t={t} />,
  }),
);

pages.get("/docs", (c) =>
  renderPage(c, {
    title: (t) => t.docs.title,
    body: (t) => <ApiDocsPage t={t} />,
    stylesheets: ["/vendor/swagger-ui/swagger-ui.css"],
    scripts: ["/vendor/swagger-ui/swagger-ui-bundle.js", "/assets/docs.js"],
  }),
);

/** Static files live in pages/public and are served by the ASSETS binding. */
const serveAsset = async (c: Context<AppEnv>) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  if (asset.status === 404) return c.notFound();
  // Re-wrap so later middleware can add headers to an otherwise immutable response.
  return new Response(asset.body, asset);
};
pages.get("/assets/*", serveAsset);
pages.get("/vendor/*", serveAsset);
pages.get("/favicon.svg", serveAsset);
pages.get("/robots.txt", serveAsset);
