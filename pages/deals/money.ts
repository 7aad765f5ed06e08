import { asciiDigits } from "../../src/platform/text-normalise";
import type { Locale } from "../i18n";

// One formatter per locale and kind per isolate: building an Intl.NumberFormat costs far more than
// using one. Whole riyals show no decimals; an amount with halalas shows both digits (١٫٥٠).
const formatters = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: Locale, fractionDigits: 0 | 2) {
  const key = `${locale}|${fractionDigits}`;
  let cached = formatters.get(key);
  if (!cached) {
    // ar-SA writes Arabic-Indic digits (١٬٥٠٠); en-SA Latin ones (1,500).
    cached = new Intl.NumberFormat(locale === "ar" ? "ar-SA" : "en-SA", {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    formatters.set(key, cached);
  }
  return cached;
}

/** An amount in halalas as people read it: `١٬٥٠٠ ر.س` in Arabic, `SAR 1,500` in English. */
export function formatSar(halalas: number, locale: Locale): string {
  const amount = numberFormat(locale, halalas % 100 === 0 ? 0 : 2).format(halalas / 100);
  return locale === "ar" ? `${amount} ر.س` : `SAR ${amount}`;
}

/** A count with the locale's digits. */
export const formatCount = (count: number, locale: Locale) => numberFormat(locale, 0).format(count);

/**
 * An amount typed in SAR (Arabic or Latin digits, thousands separators, up to two decimals) as
 * halalas; null when it is not an amount. Empty means zero.
 */
export function parseSar(input: string): number | null {
  const plain = asciiDigits(input.trim())
    .replace(/[\s,\u066c\u00a0]/g, "")
    .replace("\u066b", ".");
  if (plain === "") return 0;
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

/** Halalas as the plain SAR number an input field holds (Latin digits, no separators). */
export const sarInputValue = (halalas: number) =>
  halalas % 100 === 0 ? String(halalas / 100) : (halalas / 100).toFixed(2);
