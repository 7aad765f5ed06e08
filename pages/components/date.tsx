import type { FC } from "hono/jsx";
import type { Locale } from "../i18n";

/** Where there is no tenant to ask (or its setting is not a zone this runtime knows). */
const DEFAULT_TIME_ZONE = "Asia/Riyadh";

type Calendar = "gregory" | "islamic-umalqura";

// Building an Intl.DateTimeFormat costs far more than using one, so each isolate keeps one per
// locale, calendar and zone (a handful: two locales, two calendars, the zones tenants chose).
const formatters = new Map<string, Intl.DateTimeFormat>();

const DATE_PARTS: Intl.DateTimeFormatOptions = { day: "numeric", month: "long", year: "numeric" };

function formatter(locale: Locale, calendar: Calendar, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${calendar}|${timeZone}`;
  let cached = formatters.get(key);
  if (!cached) {
    const tag = `${locale}-u-ca-${calendar}`;
    try {
      cached = new Intl.DateTimeFormat(tag, { ...DATE_PARTS, timeZone });
    } catch {
      // A setting this runtime does not know as a zone must not take the page down.
      cached = new Intl.DateTimeFormat(tag, { ...DATE_PARTS, timeZone: DEFAULT_TIME_ZONE });
    }
    formatters.set(key, cached);
  }
  return cached;
}

/**
 * A date as the tenant's people read it: Gregorian and Hijri (Umm al-Qura, the Saudi official
 * calendar), on the calendar day it is in the tenant's time zone.
 */
export function formatDate(ms: number, locale: Locale, timeZone: string | null) {
  const zone = timeZone ?? DEFAULT_TIME_ZONE;
  return {
    gregorian: formatter(locale, "gregory", zone).format(ms),
    hijri: formatter(locale, "islamic-umalqura", zone).format(ms),
  };
}

export const DateText: FC<{ ms: number; locale: Locale; timeZone: string | null }> = ({
  ms,
  locale,
  timeZone,
}) => {
  const { gregorian, hijri } = formatDate(ms, locale, timeZone);
  return (
    <time datetime={new Date(ms).toISOString()}>
      {gregorian} ({hijri})
    </time>
  );
};
