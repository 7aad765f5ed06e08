import type { FC } from "hono/jsx";
import type { Locale } from "../i18n";

const TIME_ZONE = "Asia/Riyadh";

// Building a DateTimeFormat loads locale and calendar data, far more work than formatting one
// date: keep one per locale, calendar and time zone for the life of the isolate.
const formatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(locale: Locale, calendar: "gregory" | "islamic-umalqura", timeZone: string) {
  const key = `${locale}|${calendar}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(`${locale}-u-ca-${calendar}`, {
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** A date as people in Saudi Arabia read it: Gregorian and Hijri (Umm al-Qura), in Riyadh time. */
export function formatDate(ms: number, locale: Locale) {
  return {
    gregorian: dateFormatter(locale, "gregory", TIME_ZONE).format(ms),
    hijri: dateFormatter(locale, "islamic-umalqura", TIME_ZONE).format(ms),
  };
}

export const DateText: FC<{ ms: number; locale: Locale }> = ({ ms, locale }) => {
  const { gregorian, hijri } = formatDate(ms, locale);
  return (
    <time datetime={new Date(ms).toISOString()}>
      {gregorian} ({hijri})
    </time>
  );
};
