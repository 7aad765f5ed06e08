import { dbFor } from "../../src/db/client";
import type { Bindings } from "../../src/env";
import { expireMarketingConsents } from "../../src/messaging/consent-expiry";
import { runRetention } from "../../src/retention/retention.service";

/**
 * PDPL housekeeping, once a day: marketing consents not renewed in 12 months are closed in the
 * ledger (the gate already refuses them), then each tenant's retention periods are applied.
 */
export async function runPrivacyJobs(env: Bindings, now: number) {
  const db = dbFor(env.DB);
  return { ...(await expireMarketingConsents(db, now)), ...(await runRetention(db, now)) };
}
