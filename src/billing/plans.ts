// Dealix's plans: prices, limits and features in one place. Pure data and arithmetic; the pricing
// page, checkout, plan enforcement and the API quotas all read it from here.
//
// Prices are list prices before VAT, in halalas (1 SAR = 100 halalas), as Saudi B2B software is
// quoted; checkout and tax invoices add 15 % VAT (vat.ts). Yearly billing is ten months' price for
// twelve (two months free, 16.7 % off).

export const PLAN_IDS = ["starter", "growth", "enterprise"] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export const BILLING_PERIODS = ["monthly", "yearly"] as const;
export type BillingPeriod = (typeof BILLING_PERIODS)[number];

/** What a plan allows per tenant. Counted monthly except seats and contacts, which are totals. */
export interface PlanLimits {
  /** Active members (owners, managers and agents). */
  seats: number;
  /** Contacts kept at once. */
  contacts: number;
  /** WhatsApp messages sent per calendar month (Asia/Riyadh). */
  whatsappMessagesPerMonth: number;
  /** AI drafts and summaries per calendar month. */
  aiCallsPerMonth: number;
  /** API requests per minute, every user and key of the tenant together. */
  apiPerTenantPerMinute: number;
  /** API requests per minute of one API key. */
  apiPerKeyPerMinute: number;
}

export const PLAN_FEATURES = [
  "whatsapp_inbox",
  "api_access",
  "ai_assist",
  "approval_workflows",
  "advanced_reports",
  "priority_support",
  "dedicated_manager",
] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

export type UsageMetric = Exclude<keyof PlanLimits, "apiPerTenantPerMinute" | "apiPerKeyPerMinute">;
export const USAGE_METRICS = [
  "seats",
  "contacts",
  "whatsappMessagesPerMonth",
  "aiCallsPerMonth",
] as const satisfies readonly UsageMetric[];

export interface Plan {
  id: PlanId;
  name: { ar: string; en: string };
  /** Whether a tenant can buy it online; Enterprise is agreed with sales and set by an operator. */
  selfServe: boolean;
  /** Price before VAT per period, in halalas; null when agreed with sales. */
  priceHalalas: Record<BillingPeriod, number> | null;
  limits: PlanLimits;
  features: readonly PlanFeature[];
}

const MONTHS_PAID_PER_YEAR = 10;

const monthlyAndYearly = (monthlyHalalas: number): Record<BillingPeriod, number> => ({
  monthly: monthlyHalalas,
  yearly: monthlyHalalas * MONTHS_PAID_PER_YEAR,
});

// Limits sized for the customers in DESIGN.md: a Starter broker office is 1–3 people, a Growth
// agency or clinic up to 10. The API quotas stay within what one shared D1 serves fairly (see
// src/platform/api-limits.ts for the arithmetic behind 1,200 a minute).
export const PLANS: Record<PlanId, Plan> = {
  starter: {
    id: "starter",
    name: { ar: "البداية", en: "Starter" },
    selfServe: true,
    priceHalalas: monthlyAndYearly(99_000),
    limits: {
      seats: 3,
      contacts: 5_000,
      whatsappMessagesPerMonth: 2_000,
      aiCallsPerMonth: 300,
      apiPerTenantPerMinute: 600,
      apiPerKeyPerMinute: 150,
    },
    features: ["whatsapp_inbox", "api_access", "ai_assist"],
  },
  growth: {
    id: "growth",
    name: { ar: "النمو", en: "Growth" },
    selfServe: true,
    priceHalalas: monthlyAndYearly(249_000),
    limits: {
      seats: 10,
      contacts: 50_000,
      whatsappMessagesPerMonth: 10_000,
      aiCallsPerMonth: 2_000,
      apiPerTenantPerMinute: 1_200,
      apiPerKeyPerMinute: 300,
    },
    features: [
      "whatsapp_inbox",
      "api_access",
      "ai_assist",
      "approval_workflows",
      "advanced_reports",
      "priority_support",
    ],
  },
  enterprise: {
    id: "enterprise",
    name: { ar: "المؤسسات", en: "Enterprise" },
    selfServe: false,
    priceHalalas: null,
    // The defaults an operator starts from; each contract may raise them.
    limits: {
      seats: 50,
      contacts: 500_000,
      whatsappMessagesPerMonth: 100_000,
      aiCallsPerMonth: 20_000,
      apiPerTenantPerMinute: 3_000,
      apiPerKeyPerMinute: 750,
    },
    features: PLAN_FEATURES,
  },
};

/**
 * A trial is 14 days of Growth, with no card asked for: the plan most teams need, so a trial shows
 * what Dealix does for a team of up to ten; at its end the owner picks a plan (Starter included).
 */
export const TRIAL_DAYS = 14;
export const TRIAL_PLAN: PlanId = "growth";

/** Saudi VAT, 15 % since 1 July 2020. */
export const VAT_RATE_PERCENT = 15;

/**
 * The VAT on an amount before VAT, in halalas, rounded half up to the halala (amounts are never
 * negative here; a credit note negates the computed figures).
 */
export const vatOf = (netHalalas: number): number => Math.floor((netHalalas * VAT_RATE_PERCENT + 50) / 100);

export const isPlanId = (value: string): value is PlanId => (PLAN_IDS as readonly string[]).includes(value);

/** A self-serve plan's price before VAT for a period; throws for a plan agreed with sales. */
export function priceOf(plan: PlanId, period: BillingPeriod): number {
  const price = PLANS[plan].priceHalalas;
  if (!price) throw new Error(`plan ${plan} has no list price`);
  return price[period];
}
