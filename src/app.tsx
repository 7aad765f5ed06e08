import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { version } from "../package.json";
import { devTools } from "../pages/dev/dev.routes";
import { DEFAULT_LOCALE, isLocale, LOCALE_COOKIE } from "../pages/i18n";
import { importUploadPage } from "../pages/imports/imports.pages";
import { ErrorPage } from "../pages/layout/error-page";
import { NotFoundPage } from "../pages/layout/not-found";
import { pages } from "../pages/pages.routes";
import { renderPage } from "../pages/render";
import { activitiesApi } from "./activities/activities.routes";
import { adminApi } from "./admin/admin.routes";
import { billingConsoleApi } from "./admin/billing-console.routes";
import { operationsApi } from "./admin/operations.routes";
import { OPERATOR_COOKIE } from "./admin/operator-session";
import { apiKeysApi } from "./api-keys/api-keys.routes";
import { auditApi } from "./audit/audit.routes";
import { authApi } from "./auth/auth.routes";
import { principalResolver } from "./auth/credentials";
import { moyasarWebhookApi } from "./billing/moyasar-webhook.routes";
import { plansApi } from "./billing/plans.routes";
import { subscriptionsApi } from "./billing/subscriptions.routes";
import { taxInvoicesApi } from "./billing/tax-invoices.routes";
import { usageApi } from "./billing/usage.routes";
import { breachesApi } from "./breaches/breaches.routes";
import { companiesApi } from "./companies/companies.routes";
import { contactsApi } from "./contacts/contacts.routes";
import { crmSettingsApi } from "./crm/crm-settings.routes";
import { customFieldsApi } from "./custom-fields/custom-fields.routes";
import { dealsApi } from "./deals/deals.routes";
import { earlyAccessApi } from "./early-access/early-access.routes";
import { loadConfig } from "./env";
import { erasureApi } from "./erasure/erasure.routes";
import { healthApi } from "./health/health.routes";
import { exportsApi } from "./imports/exports";
import { importsApi, importUploadApi } from "./imports/imports.routes";
import { membersApi } from "./members/members.routes";
import { approvalsApi } from "./messaging/approvals.routes";
import { consentsApi } from "./messaging/consents.routes";
import { messagingApi } from "./messaging/messaging.routes";
import { webhooksApi } from "./messaging/webhook.routes";
import { whatsappTemplatesApi } from "./messaging/whatsapp-templates.routes";
import { pipelinesApi } from "./pipelines/pipelines.routes";
import { jsonBodyLimit, requireJsonBody } from "./platform/api-guards";
import { declareApiQuota } from "./platform/api-limits";
import type { AppEnv } from "./platform/context";
import { answersWithProblem, handleError } from "./platform/errors";
import { requestLogger } from "./platform/logger";
import { allowedMethodsOf } from "./platform/method-not-allowed";
import { ApiError, type ApiError as ApiErrorType, problemResponse } from "./platform/problem";
import { createReporter } from "./platform/reporter";
import { requestId } from "./platform/request-id";
import { createRouter } from "./platform/router";
import { securityHeaders } from "./platform/security-headers";
import { privacyApi } from "./privacy/privacy.routes";
import { privacyRequestsApi } from "./privacy-requests/privacy-requests.routes";
import { retentionApi } from "./retention/retention.routes";
import { sampleDataApi } from "./sample-data/sample-data.routes";
import { searchApi } from "./search/search.routes";
import { templatesApi } from "./templates/templates.routes";
import { tenantExportApi } from "./tenant-export/tenant-export.routes";
import { loadToucan } from "./vendor/load-toucan";

const renderErrorPage = (c: Context<AppEnv>, error: ApiErrorType) =>
  error.status === 404
    ? renderPage(c, { title: (t) => t.notFound.title, body: (t) => <NotFoundPage t={t} />, status: 404 })
    : renderPage(c, {
        title: (t) => t.error.title,
        body: (t) => (
          <ErrorPage
            t={t}
            status={error.status}
            requestId={c.get("requestId")}
            formExpired={error.code === "CSRF_REJECTED"}
            planLimit={error.code === "PLAN_LIMIT"}
          />
        ),
        status: error.status,
      });

const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Dealix API",
    version,
    description:
      "Dealix sales CRM API. Errors are RFC 9457 problem+json with a stable `code`. " +
      "Lists use cursor pagination (`?cursor=&limit=`, limit ≤ 100). Routes that say so honour `Idempotency-Key`. " +
      "Authenticate with `Authorization: Bearer <access token or API key>`; the tenant always comes from the credential. " +
      "Authenticated requests count against a per-minute quota of the tenant and, for an API key, of the key: " +
      "responses carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (the most restrictive quota), " +
      "and a spent quota is a 429 `RATE_LIMITED` with `Retry-After`. " +
      "Besides the responses each operation lists, any operation may answer 413, 415, 500 or 503 with a problem, and any write 402 `ACCOUNT_SUSPENDED` while the account is read-only for non-payment, " +
      "and a path answers 405 (with `Allow`) to a method it does not have.",
    license: { name: "Proprietary", identifier: "LicenseRef-Dealix-Proprietary" },
  },
  // Each deployment serves its own document, so the API is wherever this document came from.
  servers: [{ url: "/", description: "The origin that served this document" }],
  tags: [
    { name: "health", description: "Liveness, readiness and dependency checks" },
    { name: "early-access", description: "Requests to join Dealix before it opens" },
    { name: "auth", description: "Sign-up, sign-in (password, WhatsApp code), tokens, password reset" },
    { name: "members", description: "Team members, roles and invitations" },
    { name: "api-keys", description: "Keys for integrators, with scopes" },
    { name: "audit", description: "Who did what, when" },
    { name: "crm-settings", description: "Record visibility and lead assignment rules" },
    { name: "contacts", description: "Leads and customers: duplicates, merge, assignment" },
    { name: "companies", description: "Customer companies with VAT and CR numbers" },
    { name: "custom-fields", description: "Tenant-defined fields on contacts, companies and deals" },
    {
      name: "activities",
      description: "Notes, calls, visits, meetings and tasks on contacts and deals; my tasks",
    },
    { name: "pipelines", description: "Sales pipelines and their stages" },
    { name: "deals", description: "Deals, board moves and stage history" },
    { name: "search", description: "One search over contacts, companies and deals" },
    { name: "imports", description: "CSV import of contacts (in the background) and CSV export" },
    {
      name: "messages",
      description: "WhatsApp: the tenant's number, threads, sending with the 24-hour window",
    },
    {
      name: "billing",
      description:
        "Plans and prices in SAR (public), the subscription (trial, checkout with Moyasar, plan changes), usage against the plan's limits, and the tenant's ZATCA tax invoices",
    },
    {
      name: "privacy",
      description:
        "Privacy under the Saudi PDPL: data-subject requests (access, correction, erasure, consent withdrawal; identity verified before anything is disclosed; 30-day deadline), retention periods with a dry run, records of processing and sub-processors",
    },
    {
      name: "webhooks",
      description: "Signed provider callbacks (WhatsApp Cloud API, Moyasar); not for integrators",
    },
    {
      name: "operator",
      description:
        "Platform operators (Dealix staff) only, on the operator session from /admin/login (password and a second factor); tenant credentials are refused",
    },
  ],
};

/**
 * The whole HTTP surface. Middleware order matters: the request id and log line wrap everything
 * (so even a misconfigured Worker logs), headers are added to every response, configuration is
 * validated before any route runs, and API-only guards sit in front of the API routes.
 */
export function createApp() {
  const app = createRouter();

  app.use(requestId(), requestLogger(), securityHeaders());
  app.use(async (c, next) => {
    // The locale first: even a misconfigured Worker renders its error page in the visitor's language.
    const lang = getCookie(c, LOCALE_COOKIE);
    c.set("locale", isLocale(lang) ? lang : DEFAULT_LOCALE);
    const config = loadConfig(c.env);
    c.set("config", config);
    c.set(
      "reporter",
      createReporter({
        config,
        context: c.executionCtx,
        request: c.req.raw,
        tags: { requestId: c.get("requestId") },
        loadSentry: loadToucan,
      }),
    );
    c.set("principalResolver", principalResolver);
    await next();
  });
  app.use(
    "/api/*",
    cors({
      origin: (origin, c: Context<AppEnv>) => (c.get("config").CORS_ORIGINS.includes(origin) ? origin : null),
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowHeaders: ["Content-Type", "Authorization", "Idempotency-Key", "X-Request-Id"],
      exposeHeaders: [
        "X-Request-Id",
        "Retry-After",
        "Idempotent-Replayed",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
      ],
      maxAge: 600,
    }),
  );
  // The CSV uploads (API: text/csv; page: multipart) take up to 5 MB: mounted before the JSON-only
  // body guards, which they replace with their own (src/imports/imports.routes.ts, pages/imports).
  app.route("/api/v1", importUploadApi);
  app.route("/", importUploadPage);
  app.use(jsonBodyLimit());
  app.use("/api/*", requireJsonBody());

  app.route("/", healthApi);
  app.route("/api/v1", earlyAccessApi);
  app.route("/api/v1", authApi);
  app.route("/api/v1", membersApi);
  app.route("/api/v1", apiKeysApi);
  app.route("/api/v1", auditApi);
  app.route("/api/v1", crmSettingsApi);
  app.route("/api/v1", contactsApi);
  app.route("/api/v1", erasureApi);
  app.route("/api/v1", companiesApi);
  app.route("/api/v1", customFieldsApi);
  app.route("/api/v1", activitiesApi);
  app.route("/api/v1", pipelinesApi);
  app.route("/api/v1", dealsApi);
  app.route("/api/v1", searchApi);
  app.route("/api/v1", importsApi);
  app.route("/api/v1", exportsApi);
  app.route("/api/v1", tenantExportApi);
  app.route("/api/v1", templatesApi);
  app.route("/api/v1", sampleDataApi);
  app.route("/api/v1", messagingApi);
  app.route("/api/v1", consentsApi);
  app.route("/api/v1", approvalsApi);
  app.route("/api/v1", plansApi);
  app.route("/api/v1", taxInvoicesApi);
  app.route("/api/v1", usageApi);
  app.route("/api/v1", subscriptionsApi);
  app.route("/api/v1", whatsappTemplatesApi);
  app.route("/api/v1", privacyRequestsApi);
  app.route("/api/v1", retentionApi);
  app.route("/api/v1", privacyApi);
  app.route("/", webhooksApi);
  app.route("/", moyasarWebhookApi);
  // Operator endpoints: before the pages, whose form-post CSRF check is for forms, not these.
  app.route("/", adminApi);
  app.route("/", operationsApi);
  app.route("/", billingConsoleApi);
  app.route("/", breachesApi);
  app.openAPIRegistry.registerComponent("securitySchemes", "OperatorSession", {
    type: "apiKey",
    in: "cookie",
    name: OPERATOR_COOKIE,
    description:
      "The operator session cookie set by /admin/login after both factors (30 minutes idle, 8 hours at most).",
  });
  declareApiQuota(app.openAPIRegistry);
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    description: "An access token from sign-in (JWT, 10 minutes) or an API key (`dlx_live_…`).",
  });

  // The document only changes with a deploy: build and serialise it (≈ 100 KB) once per isolate.
  let openApiJson: string | undefined;
  app.get("/openapi.json", (c) => {
    openApiJson ??= JSON.stringify(app.getOpenAPI31Document(OPENAPI_INFO));
    return c.body(openApiJson, 200, { "Content-Type": "application/json" });
  });

  // The demo seed, the dev outbox and the WhatsApp simulator: compiled out of the production bundle,
  // and where they are bundled, answering only in development and test (pages/dev/dev.routes.tsx).
  // They get the whole app: the simulator posts its webhooks through it.
  if (DEV_TOOLS_BUNDLED) app.route("/", devTools(app));
  app.route("/", pages);

  // A known path asked with another method is a 405 with Allow; it is worked out here, where no
  // route matched, so matched requests do not pay for it.
  const allowedMethods = allowedMethodsOf(app);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      return problemResponse(
        c,
        new ApiError("METHOD_NOT_ALLOWED", `Use ${allowed.join(", ")} on this path.`, {
          headers: { Allow: allowed.join(", ") },
        }),
      );
    }
    return answersWithProblem(c.req)
      ? problemResponse(c, new ApiError("NOT_FOUND", "No such resource."))
      : renderErrorPage(c, new ApiError("NOT_FOUND"));
  });
  app.onError((error, c) => handleError(error, c, renderErrorPage));

  return app;
}
