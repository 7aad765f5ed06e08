/**
 * How long a marketing consent holds without renewal. PDPL asks that consent stay current and
 * WhatsApp's opt-in policy expects it to be refreshed; Dealix takes 12 calendar months from the
 * moment the person agreed (the ledger's occurred_at), after which marketing needs a new grant.
 */
export const MARKETING_CONSENT_MONTHS = 12;

const monthsFrom = (ms: number, months: number) => {
  const date = new Date(ms);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.getTime();
};

/** When a marketing grant given at `grantedAt` lapses. */
export const marketingConsentExpiry = (grantedAt: number) => monthsFrom(grantedAt, MARKETING_CONSENT_MONTHS);

/** A marketing grant given at or before this instant has lapsed at `now`. */
export const marketingGrantCutoff = (now: number) => monthsFrom(now, -MARKETING_CONSENT_MONTHS);
