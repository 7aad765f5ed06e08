/**
 * What Dealix removes on its own, per data type, and how long each is kept by default. PDPL
 * Art. 18: destroy personal data once it is no longer needed; keep what a law requires. The
 * defaults are safe for a sales CRM; owners may change them within the bounds, which never go
 * below what the law or the product needs (audit events: the 5 years records of processing are
 * kept, IR Art. 33). Tax invoices are never removed here (ZATCA: kept 6 years in their own table).
 */
export const RETENTION_TYPES = {
  closed_lost_deals: {
    defaultDays: 730,
    minDays: 180,
    maxDays: 3650,
    action: "delete",
  },
  message_bodies: {
    defaultDays: 730,
    minDays: 90,
    maxDays: 3650,
    action: "anonymise",
  },
  audit_events: {
    defaultDays: 1825,
    minDays: 1825,
    maxDays: 3650,
    action: "delete",
  },
  import_rows: {
    defaultDays: 30,
    minDays: 7,
    maxDays: 365,
    action: "delete",
  },
} as const;

export type RetentionType = keyof typeof RETENTION_TYPES;
export const RETENTION_TYPE_NAMES = Object.keys(RETENTION_TYPES) as RetentionType[];
export type RetentionPeriods = Record<RetentionType, number>;

export const DEFAULT_PERIODS = Object.fromEntries(
  RETENTION_TYPE_NAMES.map((type) => [type, RETENTION_TYPES[type].defaultDays]),
) as RetentionPeriods;

/** Stored periods over the defaults: a type added later starts at its default. */
export const effectivePeriods = (stored: Partial<RetentionPeriods> | null | undefined): RetentionPeriods => ({
  ...DEFAULT_PERIODS,
  ...(stored ?? {}),
});
