import { Hono } from "hono";
import type { FC } from "hono/jsx";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { tenantExport } from "../../src/tenant-export/tenant-export.service";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";
import { requireOwner, requireSignedIn } from "../session/page-session";

const EXPORT_PATH = "/account/export.zip";

/** The owner's download of the whole account, shown on the billing page (owners only). */
export const TenantExportCard: FC<{ locale: "ar" | "en" }> = ({ locale }) => {
  const s = (locale === "ar" ? ar : en).tenantExport;
  return (
    <div class="card stack" data-testid="tenant-export">
      <h2>{s.title}</h2>
      <p class="muted">{s.hint}</p>
      <a class="button button--secondary" href={EXPORT_PATH} download>
        {s.download}
      </a>
    </div>
  );
};

/** GET /account/export.zip: the API's export (GET /api/v1/tenant/export) for a signed-in owner's browser. */
export const tenantExportPages = new Hono<AppEnv>();
tenantExportPages.use(EXPORT_PATH, requireSignedIn(), requireOwner());
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
