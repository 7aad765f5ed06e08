import {
  BILLING_PERIODS,
  type BillingPeriod,
  PLAN_IDS,
  PLANS,
  type Plan,
  type PlanId,
  VAT_RATE_PERCENT,
  vatOf,
} from "./plans";
import { sarAmount } from "./zatca-qr";

export interface PriceView {
  beforeVatHalalas: number;
  vatHalalas: number;
  totalHalalas: number;
  /** The same amounts as SAR with two decimals, for display. */
  formatted: { beforeVat: string; vat: string; total: string };
}

export interface PlanView {
  id: PlanId;
  name: Plan["name"];
  selfServe: boolean;
  /** Null for a plan agreed with sales. */
  prices: Record<BillingPeriod, PriceView> | null;
  /** What a year paid yearly saves against twelve monthly payments; null without list prices. */
  yearlySaving: { beforeVatHalalas: number; totalHalalas: number; formatted: string; percent: number } | null;
  limits: Plan["limits"];
  features: Plan["features"];
}

const priceView = (beforeVatHalalas: number): PriceView => {
  const vatHalalas = vatOf(beforeVatHalalas);
  const totalHalalas = beforeVatHalalas + vatHalalas;
  return {
    beforeVatHalalas,
    vatHalalas,
    totalHalalas,
    formatted: {
      beforeVat: sarAmount(beforeVatHalalas),
      vat: sarAmount(vatHalalas),
      total: sarAmount(totalHalalas),
    },
  };
};

function planView(plan: Plan): PlanView {
  const list = plan.priceHalalas;
  const prices = list
    ? (Object.fromEntries(BILLING_PERIODS.map((period) => [period, priceView(list[period])])) as Record<
        BillingPeriod,
        PriceView
      >)
    : null;
  const yearlySaving =
    prices && list
      ? {
          beforeVatHalalas: list.monthly * 12 - list.yearly,
          totalHalalas: prices.monthly.totalHalalas * 12 - prices.yearly.totalHalalas,
          formatted: sarAmount(list.monthly * 12 - list.yearly),
          // One decimal, as the pricing page shows it (16.7 %).
          percent: Math.round(((list.monthly * 12 - list.yearly) * 1000) / (list.monthly * 12)) / 10,
        }
      : null;
  return {
    id: plan.id,
    name: plan.name,
    selfServe: plan.selfServe,
    prices,
    yearlySaving,
    limits: plan.limits,
    features: plan.features,
  };
}

/** The public catalogue as the API and the pricing page show it: static, so built once. */
export const PUBLIC_PLANS = {
  currency: "SAR" as const,
  vatRatePercent: VAT_RATE_PERCENT,
  data: PLAN_IDS.map((id) => planView(PLANS[id])),
};
