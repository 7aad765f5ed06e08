import { describe, expect, it } from "vitest";
import { formatDate } from "./date";

describe("formatDate", () => {
  // 2026-11-28 22:30 UTC is already 29 November in Riyadh (UTC+3).
  const ms = Date.UTC(2026, 10, 28, 22, 30);

  it("shows the Gregorian date in Riyadh time and the Umm al-Qura Hijri date, in English", () => {
    const { gregorian, hijri } = formatDate(ms, "en");
    expect(gregorian).toBe("November 29, 2026");
    expect(hijri).toMatch(/1448 AH$/);
  });

  it("writes both in Arabic for Arabic pages", () => {
    const { gregorian, hijri } = formatDate(ms, "ar");
    expect(gregorian).toMatch(/نوفمبر/);
    expect(hijri).toMatch(/هـ/);
  });

  it("keeps each locale's formatters apart when pages in both languages alternate", () => {
    for (let round = 0; round < 2; round++) {
      expect(formatDate(ms, "en").gregorian).toBe("November 29, 2026");
      expect(formatDate(ms, "ar").gregorian).toMatch(/نوفمبر/);
      expect(formatDate(ms, "en").hijri).toMatch(/1448 AH$/);
    }
  });
});
