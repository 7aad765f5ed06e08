import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "./outbound";

describe("retryDelaySeconds", () => {
  it("doubles from the base with up to 20% jitter, capped at 10 minutes", () => {
    for (let i = 0; i < 50; i++) {
      expect(retryDelaySeconds(5, 1, null)).toBeGreaterThanOrEqual(5);
      expect(retryDelaySeconds(5, 1, null)).toBeLessThanOrEqual(6);
      expect(retryDelaySeconds(5, 4, null)).toBeGreaterThanOrEqual(40);
      expect(retryDelaySeconds(5, 4, null)).toBeLessThanOrEqual(48);
      expect(retryDelaySeconds(5, 12, null)).toBeLessThanOrEqual(600);
    }
  });

  it("follows the provider's or the breaker's hint, within the cap; a base of 0 retries at once", () => {
    expect(retryDelaySeconds(5, 1, 35)).toBe(35);
    expect(retryDelaySeconds(5, 1, 0.2)).toBe(1);
    expect(retryDelaySeconds(5, 1, 5000)).toBe(600);
    expect(retryDelaySeconds(0, 7, 35)).toBe(0);
  });
});
