import type { FC } from "hono/jsx";
import type { Locale } from "../i18n";

const TIME_ZONE = "Asia/Riyadh";

/** A date as people in Saudi Arabia read it: Gregorian and Hijri (Umm al-Qura), in Riyadh time. */
export function formatDate(ms: number, locale: Locale) {
  const options: Intl.DateTimeFormatOptions = {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: TIME_ZONE,
  };
  return {
    gregorian: new Intl.DateTimeFormat(`${locale}-u-ca-gregory`, options).format(ms),
    hijri: new Intl.DateTimeFormat(`${locale}-u-ca-islamic-umalqura`, options).format(ms),
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
