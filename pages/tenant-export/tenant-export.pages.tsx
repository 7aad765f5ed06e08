import { type Context, Hono } from "hono";
import type { FC } from "hono/jsx";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { type ClosureView, cancelClosureOf, requestClosure } from "../../src/tenant-export/tenant-closure";
import { tenantExport } from "../../src/tenant-export/tenant-export.service";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";
import { formValues } from "../session/forms";
import { requireOwner, requireSignedIn } from "../session/page-session";

const EXPORT_PATH = "/account/export.zip";
const CLOSE_PATH = "/account/close";
const CANCEL_PATH = "/account/close/cancel";

export const CLOSURE_NOTICES = ["mismatch", "closing", "canceled"] as const;
type ClosureNotice = (typeof CLOSURE_NOTICES)[number];

const riyadhDate = (iso: string, locale: "ar" | "en") =>
  new Date(iso).toLocaleDateString(locale === "ar" ? "ar-SA-u-ca-gregory-nu-latn" : "en-GB", {
    timeZone: "Asia/Riyadh",
    dateStyle: "long",
  });

/**
 * The owner's account data, on the billing page: the whole account as a ZIP, and closing the
 * account (typed name, a 30-day read-only grace with a way back, then deletion).
 */
export const TenantExportCard: FC<{
  locale: "ar" | "en";
  csrf: string;
  closure: ClosureView;
  notice: string | undefined;
}> = ({ locale, csrf, closure, notice }) => {
  const s = (locale === "ar" ? ar : en).tenantExport;
  const known = CLOSURE_NOTICES.find((name) => name === notice);
  return (
    <div class="card stack" data-testid="tenant-export" id="account-data">
      <h2>{s.title}</h2>
      {known === "mismatch" ? (
        <ErrorSummary message={s.notices.mismatch} />
      ) : (
        <Notice message={known ? s.notices[known] : undefined} />
      )}
      <p class="muted">{s.hint}</p>
      <a class="button button--secondary" href={EXPORT_PATH} download>
        {s.download}
      </a>
      <h3>{s.closeTitle}</h3>
      {closure.status === "closing" && closure.deleteAfter ? (
        <form method="post" action={CANCEL_PATH} class="stack" data-testid="closure-pending">
          <CsrfField token={csrf} />
          <p>
            {s.closingSince} <strong>{riyadhDate(closure.deleteAfter, locale)}</strong>
          </p>
          <div>
            <button type="submit" class="button">
              {s.cancelClosure}
            </button>
          </div>
        </form>
      ) : (
        <form method="post" action={CLOSE_PATH} class="stack" data-testid="closure-form">
          <CsrfField token={csrf} />
          <p class="muted">{s.closeHint}</p>
          <Field name="confirmName" label={s.confirmName} required maxlength={200} />
          <div>
            <button type="submit" class="button button--danger">
              {s.close}
            </button>
          </div>
        </form>
      )}
    </div>
  );
};

/** GET /account/export.zip: the API's export (GET /api/v1/tenant/export) for a signed-in owner's browser. */
export const tenantExportPages = new Hono<AppEnv>();
for (const path of [EXPORT_PATH, CLOSE_PATH, CANCEL_PATH]) {
  tenantExportPages.use(path, requireSignedIn(), requireOwner());
}

tenantExportPages.get(EXPORT_PATH, async (c) => {
  const ctx = tenantOf(c);
  const day = new Date(ctx.now).toISOString().slice(0, 10);
  return new Response(await tenantExport(ctx), {
    headers: {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="dealix-export-${day}.zip"`,
      "Cache-Control": "no-store",
    },
  });
});

const backToBilling = (c: Context<AppEnv>, notice: ClosureNotice) =>
  c.redirect(`/billing?closure=${notice}#account-data`, 303);

tenantExportPages.post(CLOSE_PATH, async (c) => {
  const { confirmName } = await formValues(c, ["confirmName"]);
  try {
    await requestClosure(tenantOf(c), confirmName ?? "");
    return backToBilling(c, "closing");
  } catch (error) {
    if (error instanceof ApiError && error.code === "VALIDATION_FAILED") return backToBilling(c, "mismatch");
    // Already closing (another tab got there first): the card shows it.
    if (error instanceof ApiError && error.code === "CONFLICT") return backToBilling(c, "closing");
    throw error;
  }
});

tenantExportPages.post(CANCEL_PATH, async (c) => {
  try {
    await cancelClosureOf(tenantOf(c));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "CONFLICT")) throw error;
  }
  return backToBilling(c, "canceled");
});
