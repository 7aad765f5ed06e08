import { describe, expect, it } from "vitest";
import {
  type CurrentSubscription,
  MINIMUM_CHARGE_HALALAS,
  nextStatus,
  periodEndFrom,
  quoteCheckout,
  type SubscriptionEvent,
  trialDaysLeft,
} from "./lifecycle";
import type { SubscriptionStatus } from "./subscriptions.schema";

describe("nextStatus: the subscription's allowed and refused transitions", () => {
  const cases: [SubscriptionStatus, SubscriptionEvent, SubscriptionStatus | null][] = [
    ["trialing", "payment_confirmed", "active"],
    ["active", "payment_confirmed", "active"],
    ["past_due", "payment_confirmed", "active"],
    ["suspended", "payment_confirmed", "active"],
    ["canceled", "payment_confirmed", "active"],
    ["trialing", "trial_ended", "past_due"],
    ["active", "trial_ended", null],
    ["active", "renewal_failed", "past_due"],
    ["trialing", "renewal_failed", null],
    ["suspended", "renewal_failed", null],
    ["past_due", "grace_ended", "suspended"],
    ["active", "grace_ended", null],
    ["canceled", "grace_ended", null],
    ["active", "period_ended_canceled", "canceled"],
    ["suspended", "period_ended_canceled", "canceled"],
    ["canceled", "period_ended_canceled", null],
  ];
  it.each(cases)("%s + %s → %s", (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
  });
});

describe("periodEndFrom", () => {
  it.each([
    ["2026-01-15T10:00:00.000Z", "monthly", "2026-02-15T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", "monthly", "2026-02-28T10:00:00.000Z"],
    ["2028-01-31T00:00:00.000Z", "monthly", "2028-02-29T00:00:00.000Z"],
    ["2026-12-31T23:00:00.000Z", "monthly", "2027-01-31T23:00:00.000Z"],
    ["2026-03-01T00:00:00.000Z", "yearly", "2027-03-01T00:00:00.000Z"],
    ["2028-02-29T00:00:00.000Z", "yearly", "2029-02-28T00:00:00.000Z"],
  ] as const)("%s + %s = %s", (start, period, end) => {
    expect(new Date(periodEndFrom(Date.parse(start), period)).toISOString()).toBe(end);
  });
});

describe("trialDaysLeft", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    [now + 14 * 86_400_000, 14],
    [now + 3 * 3_600_000, 1],
    [now, 0],
    [now - 1, 0],
    [null, 0],
  ])("ends %s → %i days", (endsAt, days) => {
    expect(trialDaysLeft(endsAt, now)).toBe(days);
  });
});

describe("quoteCheckout: what a purchase costs before VAT", () => {
  const start = Date.parse("2026-01-01T00:00:00Z");
  const end = Date.parse("2026-01-31T00:00:00Z"); // 30 days
  const active = (
    plan: "starter" | "growth",
    period: "monthly" | "yearly" = "monthly",
  ): CurrentSubscription => ({
    plan,
    period,
    status: "active",
    currentPeriodStart: start,
    currentPeriodEnd: period === "monthly" ? end : periodEndFrom(start, "yearly"),
  });
  const trial: CurrentSubscription = { ...active("starter"), status: "trialing" };
  const day = (n: number) => start + n * 86_400_000;

  it.each([
    [
      "trial → growth monthly: full price",
      trial,
      "growth",
      "monthly",
      day(3),
      { kind: "new", netHalalas: 249_000 },
    ],
    [
      "trial → starter yearly: full price",
      trial,
      "starter",
      "yearly",
      day(3),
      { kind: "new", netHalalas: 990_000 },
    ],
    [
      "past due → starter monthly: a new period",
      { ...active("starter"), status: "past_due" as const },
      "starter",
      "monthly",
      day(40),
      { kind: "new", netHalalas: 99_000 },
    ],
    [
      "starter → growth at the start: the whole difference",
      active("starter"),
      "growth",
      "monthly",
      day(0),
      { kind: "upgrade", netHalalas: 150_000 },
    ],
    [
      "starter → growth half way: half the difference",
      active("starter"),
      "growth",
      "monthly",
      day(15),
      { kind: "upgrade", netHalalas: 75_000 },
    ],
    [
      "starter → growth with 10 of 30 days left: a third, rounded half up",
      active("starter"),
      "growth",
      "monthly",
      day(20),
      { kind: "upgrade", netHalalas: 50_000 },
    ],
    [
      "starter → growth in the last second: Moyasar's minimum",
      active("starter"),
      "growth",
      "monthly",
      end - 1000,
      { kind: "upgrade", netHalalas: MINIMUM_CHARGE_HALALAS },
    ],
    [
      "starter monthly → starter yearly half way: a year less half the month",
      active("starter"),
      "starter",
      "yearly",
      day(15),
      { kind: "upgrade", netHalalas: 990_000 - 49_500 },
    ],
    [
      "growth with starter scheduled, 2 days before the end: the starter renewal",
      { ...active("growth"), pendingPlan: "starter" as const, pendingPeriod: "monthly" as const },
      "starter",
      "monthly",
      end - 2 * 86_400_000,
      { kind: "renewal", netHalalas: 99_000 },
    ],
  ] as const)("%s", (_, current, plan, period, now, expected) => {
    expect(quoteCheckout(current, plan, period, now)).toEqual({ ok: true, ...expected });
  });

  it("rounds a third of a difference half up to the halala", () => {
    // 7 of 30 days left of 150,000: 35,000 exactly; 1 ms less is 34,999.99… → 35,000.
    expect(quoteCheckout(active("starter"), "growth", "monthly", day(23) + 1)).toEqual({
      ok: true,
      kind: "upgrade",
      netHalalas: 35_000,
    });
  });

  it.each([
    ["enterprise", active("starter"), "enterprise", "monthly", "not_self_serve"],
    ["enterprise from a trial", trial, "enterprise", "yearly", "not_self_serve"],
    ["the current plan", active("growth"), "growth", "monthly", "already_current"],
    ["growth → starter", active("growth"), "starter", "monthly", "downgrade"],
    [
      "a scheduled starter before the renewal window",
      { ...active("growth"), pendingPlan: "starter", pendingPeriod: "monthly" },
      "starter",
      "monthly",
      "downgrade",
    ],
    ["yearly → monthly", active("starter", "yearly"), "starter", "monthly", "downgrade"],
    ["growth yearly → growth monthly", active("growth", "yearly"), "growth", "monthly", "downgrade"],
  ] as const)("refuses %s", (_, current, plan, period, reason) => {
    expect(quoteCheckout(current, plan, period, day(5))).toEqual({ ok: false, reason });
  });
});
