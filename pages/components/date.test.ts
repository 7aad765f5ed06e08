import { describe, expect, it } from "vitest";
import { formatDate } from "./date";

// Instants chosen where the answer depends on the zone and on the calendar: swapping Umm al-Qura
// for the tabular islamic-civil calendar moves these Hijri dates back one day, and so does UTC.
// 2026-11-28 22:30 UTC is 01:30 on 29 November in Riyadh (UTC+3), still the 28th in UTC.
const LATE_EVENING_UTC = Date.UTC(2026, 10, 28, 22, 30);
// 2026-11-28 20:30 UTC is 23:30 on the 28th in Riyadh but 00:30 on the 29th in Dubai (UTC+4).
const BEFORE_MIDNIGHT_IN_RIYADH = Date.UTC(2026, 10, 28, 20, 30);

describe("formatDate", () => {
  it.each([
    ["Asia/Riyadh", "en", LATE_EVENING_UTC, "November 29, 2026", "Jumada II 19, 1448 AH"],
    ["Asia/Riyadh", "ar", LATE_EVENING_UTC, "29 نوفمبر 2026", "19 جمادى الآخرة 1448 هـ"],
    ["Asia/Riyadh", "en", BEFORE_MIDNIGHT_IN_RIYADH, "November 28, 2026", "Jumada II 18, 1448 AH"],
    ["Asia/Riyadh", "ar", BEFORE_MIDNIGHT_IN_RIYADH, "28 نوفمبر 2026", "18 جمادى الآخرة 1448 هـ"],
    ["Asia/Dubai", "en", BEFORE_MIDNIGHT_IN_RIYADH, "November 29, 2026", "Jumada II 19, 1448 AH"],
    ["Asia/Dubai", "ar", BEFORE_MIDNIGHT_IN_RIYADH, "29 نوفمبر 2026", "19 جمادى الآخرة 1448 هـ"],
    ["UTC", "en", LATE_EVENING_UTC, "November 28, 2026", "Jumada II 18, 1448 AH"],
  ] as const)("in %s, %s: %i is %s (%s)", (timeZone, locale, ms, gregorian, hijri) => {
    expect(formatDate(ms, locale, timeZone)).toEqual({ gregorian, hijri });
  });

  it("uses Riyadh time when there is no tenant setting or it is not a zone", () => {
    const riyadh = { gregorian: "November 29, 2026", hijri: "Jumada II 19, 1448 AH" };
    expect(formatDate(LATE_EVENING_UTC, "en", null)).toEqual(riyadh);
    expect(formatDate(LATE_EVENING_UTC, "en", "Mars/Olympus_Mons")).toEqual(riyadh);
  });

  it("keeps each locale's formatters apart when pages in both languages alternate", () => {
    for (let round = 0; round < 2; round++) {
      expect(formatDate(LATE_EVENING_UTC, "en", null).gregorian).toBe("November 29, 2026");
      expect(formatDate(LATE_EVENING_UTC, "ar", null).gregorian).toBe("29 نوفمبر 2026");
      expect(formatDate(LATE_EVENING_UTC, "en", null).hijri).toBe("Jumada II 19, 1448 AH");
    }
  });
});
