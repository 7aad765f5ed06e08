import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { dbFor } from "../../src/db/client";
import { expiringConsents } from "../../src/messaging/consent-expiry";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { idSchema } from "../../src/platform/schemas";
import { publicNoticeOf, tenantProcessingRecords } from "../../src/privacy/privacy.service";
import { DEFAULT_PERIODS, RETENTION_TYPE_NAMES, RETENTION_TYPES } from "../../src/retention/retention.policy";
import {
  confirmRetention,
  retentionPreview,
  retentionSettings,
  updateRetention,
} from "../../src/retention/retention.service";
import { renderPage } from "../render";
import { parseWith } from "../session/forms";
import { requireManager, requireOwner, requireSignedIn, signedInUser } from "../session/page-session";
import { ExpiringConsentsPage } from "./consents.views";
import { PrivacyNoticePage, ProcessingRecordsPage, SubProcessorsPage } from "./privacy.views";
import { RetentionPage } from "./retention.views";

/** The tenant's privacy pages: expiring consents, retention, records of processing. */
export const governancePages = new Hono<AppEnv>();

governancePages.use("/consents/expiring", requireSignedIn(), requireManager());

governancePages.get("/consents/expiring", async (c) => {
  const consents = await expiringConsents(tenantOf(c));
  return renderPage(c, {
    title: (t) => t.governance.consents.title,
    body: (t) => (
      <ExpiringConsentsPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        consents={consents}
      />
    ),
  });
});

const RetentionFormSchema = z.object({
  ...Object.fromEntries(
    RETENTION_TYPE_NAMES.map((type) => [
      type,
      z.coerce.number().int().min(RETENTION_TYPES[type].minDays).max(RETENTION_TYPES[type].maxDays),
    ]),
  ),
  confirm: z.literal("yes").optional(),
});

governancePages.use("/settings/retention", requireSignedIn(), requireManager());

governancePages.get("/settings/retention", async (c) => {
  const ctx = tenantOf(c);
  const settings = await retentionSettings(ctx);
  const preview = await retentionPreview(ctx);
  return renderPage(c, {
    title: (t) => t.governance.retention.title,
    body: (t, csrf) => (
      <RetentionPage
        t={t}
        locale={c.get("locale")}
        csrf={csrf}
        settings={settings}
        preview={preview}
        canEdit={signedInUser(c).role === "owner"}
      />
    ),
  });
});

governancePages.post("/settings/retention", requireOwner(), async (c) => {
  const form = parseWith(RetentionFormSchema, await c.req.parseBody());
  const values = form as Record<string, unknown>;
  const periods = Object.fromEntries(RETENTION_TYPE_NAMES.map((type) => [type, Number(values[type])]));
  await updateRetention(tenantOf(c), { periods, confirm: form.confirm === "yes" });
  return c.redirect("/settings/retention", 303);
});

governancePages.post("/settings/retention/confirm", requireSignedIn(), requireOwner(), async (c) => {
  await confirmRetention(tenantOf(c));
  return c.redirect("/settings/retention", 303);
});

governancePages.get("/privacy", (c) =>
  renderPage(c, {
    title: (t) => t.governance.privacy.title,
    body: (t) => (
      <PrivacyNoticePage t={t} locale={c.get("locale")} retention={DEFAULT_PERIODS} business={null} />
    ),
  }),
);

governancePages.get("/privacy/sub-processors", (c) =>
  renderPage(c, {
    title: (t) => t.governance.privacy.subProcessorsTitle,
    body: (t) => <SubProcessorsPage t={t} locale={c.get("locale")} />,
  }),
);

governancePages.use("/privacy/records", requireSignedIn(), requireManager());

governancePages.get("/privacy/records", async (c) => {
  const records = await tenantProcessingRecords(tenantOf(c));
  return renderPage(c, {
    title: (t) => t.governance.privacy.recordsTitle,
    body: (t) => <ProcessingRecordsPage t={t} locale={c.get("locale")} records={records} />,
  });
});

governancePages.get("/privacy/:tenantId/notice", async (c) => {
  const { tenantId } = parseWith(z.object({ tenantId: idSchema("ten") }), {
    tenantId: c.req.param("tenantId"),
  });
  const notice = await publicNoticeOf(dbFor(c.env.DB), tenantId);
  const locale = c.get("locale");
  return renderPage(c, {
    title: (t) => t.governance.privacy.tenantTitle.replace("{name}", notice.name[locale]),
    body: (t) => (
      <PrivacyNoticePage
        t={t}
        locale={locale}
        retention={notice.retention}
        business={{ tenantId: notice.tenantId, name: notice.name[locale] }}
      />
    ),
  });
});
