import type { z } from "@hono/zod-openapi";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { MAX_IMPORT_BYTES } from "../../src/imports/csv";
import {
  CompanyExportQuerySchema,
  companiesCsvResponse,
  contactsCsvResponse,
  customFiltersOf,
  DealExportQuerySchema,
  dealsCsvResponse,
  ExportQuerySchema,
} from "../../src/imports/exports";
import {
  importErrors,
  importWithPreview,
  listImportsFor,
  setMapping,
  startImport,
  uploadImport,
} from "../../src/imports/imports.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { dictionaryFor } from "../i18n";
import { renderPage } from "../render";
import { verifyCsrfToken } from "../session/cookies";
import { requireSignedIn, signedInUser } from "../session/page-session";
import { MappingPage, ProgressPage, UploadPage } from "./imports.views";

const ERRORS_SHOWN = 100;
const PAST_IMPORTS_SHOWN = 10;
// Seconds between refreshes of the progress page while the import runs (the Refresh header works
// without JavaScript).
const REFRESH_SECONDS = 2;

const importIdOf = (c: Context<AppEnv>) => {
  const id = c.req.param("importId") ?? "";
  if (!isId("imp", id)) throw new ApiError("NOT_FOUND");
  return id;
};

/** The start page with the past imports; a cursor this app did not issue shows the first page. */
async function uploadPage(c: Context<AppEnv>, error?: string, status: 200 | 413 | 422 = 200) {
  const ctx = tenantOf(c);
  const past = await listImportsFor(ctx, c.req.query("cursor") || undefined, PAST_IMPORTS_SHOWN).catch(
    (failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 422) {
        return listImportsFor(ctx, undefined, PAST_IMPORTS_SHOWN);
      }
      throw failure;
    },
  );
  return renderPage(c, {
    title: (t) => t.imports.title,
    body: (t, token) => (
      <UploadPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={token}
        error={error}
        past={past}
      />
    ),
    status,
  });
}

/** The same Origin and double-submit checks as every other page form (pages.routes.tsx). */
const sameSiteForm = (): MiddlewareHandler<AppEnv> => {
  const origin = csrf();
  return async (c, next) => {
    try {
      await origin(c, () => verifyCsrfToken(c));
    } catch (error) {
      if (error instanceof HTTPException && error.status === 403) {
        throw new ApiError("CSRF_REJECTED", "The form came from another site.");
      }
      throw error;
    }
    await next();
  };
};

/**
 * The upload form's POST: a multipart body of up to 5 MB, so app.tsx mounts it ahead of the
 * 100 KB body limit every other request has; it brings its own limit and form checks.
 */
export const importUploadPage = new Hono<AppEnv>();
importUploadPage.post(
  "/contacts/import",
  bodyLimit({
    // The file plus the multipart envelope and the CSRF field.
    maxSize: MAX_IMPORT_BYTES + 64 * 1024,
    onError: (c) => uploadPage(c as Context<AppEnv>, dictionaryFor(c.get("locale")).imports.limits, 413),
  }),
  requireSignedIn(),
  sameSiteForm(),
  async (c) => {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File) || file.size === 0) {
      return uploadPage(c, dictionaryFor(c.get("locale")).imports.noFile, 422);
    }
    try {
      const result = await uploadImport(tenantOf(c), new Uint8Array(await file.arrayBuffer()), file.name);
      return c.redirect(`/contacts/import/${result.import.id}`, 303);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 422 || error.status === 413)) {
        return uploadPage(c, error.message, error.status);
      }
      throw error;
    }
  },
);

export const importsPages = new Hono<AppEnv>();
importsPages.use("/contacts/import", requireSignedIn());
importsPages.use("/contacts/import/*", requireSignedIn());
importsPages.use("/contacts/export.csv", requireSignedIn());

/**
 * The contacts list as CSV for a signed-in browser (the list page's "Export CSV" link): the same
 * query as /contacts, in the reader's language. Filters typed badly are dropped, as on the list.
 */
importsPages.get("/contacts/export.csv", (c) => {
  const query = exportQueryOf(c, ExportQuerySchema);
  return contactsCsvResponse(tenantOf(c), query, customFiltersOf(filledQuery(c)));
});

/** The deals and companies lists as CSV, the same way (the board's and companies page's links). */
importsPages.use("/deals/export.csv", requireSignedIn());
importsPages.get("/deals/export.csv", (c) =>
  dealsCsvResponse(tenantOf(c), exportQueryOf(c, DealExportQuerySchema), customFiltersOf(filledQuery(c))),
);
importsPages.use("/companies/export.csv", requireSignedIn());
importsPages.get("/companies/export.csv", (c) =>
  companiesCsvResponse(
    tenantOf(c),
    exportQueryOf(c, CompanyExportQuerySchema),
    customFiltersOf(filledQuery(c)),
  ),
);

const filledQuery = (c: Context<AppEnv>) =>
  Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => Boolean(value)));

/** The page's filters in the reader's language; filters typed badly are dropped, as on the lists. */
function exportQueryOf<S extends z.ZodType<{ lang: "ar" | "en" }>>(
  c: Context<AppEnv>,
  schema: S,
): z.infer<S> {
  const parsed = schema.safeParse({ lang: c.get("locale"), ...filledQuery(c) });
  return parsed.success ? parsed.data : schema.parse({ lang: c.get("locale") });
}

importsPages.get("/contacts/import", (c) => uploadPage(c));

async function renderImport(c: Context<AppEnv>, id: string, error?: string) {
  const ctx = tenantOf(c);
  const { import: item, preview, customFields } = await importWithPreview(ctx, id);
  if (item.status === "uploaded" || item.status === "mapped") {
    return renderPage(c, {
      title: (t) => t.imports.mappingTitle,
      body: (t, token) => (
        <MappingPage
          t={t}
          locale={c.get("locale")}
          csrf={token}
          item={item}
          preview={preview}
          customFields={customFields}
          error={error}
        />
      ),
      status: error ? 422 : 200,
    });
  }
  const finished = item.status === "done" || item.status === "failed";
  const errors = finished
    ? await importErrors(ctx, id, undefined, ERRORS_SHOWN)
    : { data: [], nextCursor: null };
  const res = await renderPage(c, {
    title: (t) => t.imports.progressTitle,
    body: (t) => (
      <ProgressPage
        t={t}
        locale={c.get("locale")}
        item={item}
        errors={errors.data}
        moreErrors={errors.nextCursor !== null}
      />
    ),
  });
  if (!finished) res.headers.set("Refresh", String(REFRESH_SECONDS));
  return res;
}

importsPages.get("/contacts/import/:importId", (c) => renderImport(c, importIdOf(c)));

/**
 * The mapping form: saves the mapping and the duplicate action, then starts the import. Each
 * chosen field (built-in or `custom.<key>`) is checked by setMapping, as for the API.
 */
importsPages.post("/contacts/import/:importId", async (c) => {
  const id = importIdOf(c);
  const form = await c.req.parseBody();
  const mapping: Record<string, string> = {};
  for (const [name, value] of Object.entries(form)) {
    const column = name.match(/^col-(\d{1,2})$/)?.[1];
    if (column !== undefined && typeof value === "string" && value !== "") mapping[column] = value;
  }
  const action = form.duplicateAction;
  const duplicateAction = action === "update" || action === "create" ? action : "skip";
  const ctx = tenantOf(c);
  try {
    await setMapping(ctx, id, { mapping, duplicateAction });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) return renderImport(c, id, error.message);
    if (!(error instanceof ApiError && error.status === 409)) throw error;
  }
  await startImport(ctx, c.env.IMPORTS_QUEUE, id);
  return c.redirect(`/contacts/import/${id}`, 303);
});
