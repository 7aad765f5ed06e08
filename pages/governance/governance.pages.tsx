import { Hono } from "hono";
import { expiringConsents } from "../../src/messaging/consent-expiry";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { renderPage } from "../render";
import { requireManager, requireSignedIn, signedInUser } from "../session/page-session";
import { ExpiringConsentsPage } from "./consents.views";

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
