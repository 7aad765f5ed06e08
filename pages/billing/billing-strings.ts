// The billing pages' and the Moyasar simulator's strings, Arabic and English. Kept beside the pages
// (not in pages/i18n) so billing's wording changes in one reviewable place.
import { type BillingPeriod, PLANS, type PlanId } from "../../src/billing/plans";
import type { SubscriptionStatus } from "../../src/billing/subscriptions.schema";

const sar = (halalas: number, locale: "ar" | "en") =>
  `${(halalas / 100).toLocaleString(locale === "ar" ? "ar-SA-u-nu-latn" : "en-SA", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  })} ${locale === "ar" ? "ر.س" : "SAR"}`;

const ar = {
  nav: "الاشتراك",
  title: "الاشتراك والدفع",
  planName: (plan: PlanId) => PLANS[plan].name.ar,
  period: { monthly: "شهري", yearly: "سنوي" } satisfies Record<BillingPeriod, string>,
  status: {
    trialing: "فترة تجريبية",
    active: "نشط",
    past_due: "متأخر الدفع",
    suspended: "موقوف",
    canceled: "ملغى",
  } satisfies Record<SubscriptionStatus, string>,
  current: "خطتك الحالية",
  renew: "جدّد الآن",
  statusLabel: "الحالة",
  periodEnds: "تنتهي الفترة الحالية في",
  trialBanner: (days: number) => `تبقّى ${days} يومًا من الفترة التجريبية. اختر خطة للاستمرار دون انقطاع.`,
  cancelScheduled: "سيُلغى الاشتراك في نهاية الفترة الحالية.",
  pendingChange: (plan: string, period: string) => `سيتغيّر اشتراكك إلى ${plan} (${period}) في نهاية الفترة.`,
  choose: "اختر خطة",
  buy: "اشترك",
  upgrade: "ترقية",
  scheduleDowngrade: "انتقل في نهاية الفترة",
  perPeriod: { monthly: "شهريًا", yearly: "سنويًا" } satisfies Record<BillingPeriod, string>,
  vatNote: "الأسعار لا تشمل ضريبة القيمة المضافة 15٪.",
  cancel: "إلغاء في نهاية الفترة",
  resume: "التراجع عن الإلغاء",
  confirmTitle: "تأكيد الدفع",
  net: "المبلغ قبل الضريبة",
  vat: "ضريبة القيمة المضافة (15٪)",
  total: "الإجمالي",
  pay: "ادفع عبر ميسر",
  back: "رجوع",
  returnTitle: "حالة الدفع",
  processing: "جارٍ تأكيد الدفع… ستتحدّث هذه الصفحة تلقائيًا.",
  paid: "تم الدفع. اشتراكك نشط الآن.",
  failed: "لم يكتمل الدفع. لم يُخصم شيء؛ يمكنك المحاولة مرة أخرى.",
  refresh: "تحديث",
  toBilling: "العودة إلى الاشتراك",
  flash: {
    failed: "لم يكتمل الدفع. يمكنك المحاولة مرة أخرى.",
    unavailable: "مزوّد الدفع لا يستجيب الآن؛ حاول بعد قليل.",
    conflict: "لا يمكن تنفيذ هذا التغيير الآن.",
    changed: "تم حفظ التغيير.",
    profile_invalid: "لم تُحفظ بيانات الفوترة: الرقم الضريبي 15 رقمًا يبدأ وينتهي بـ 3، ويلزم معه العنوان.",
  },
  profile: {
    title: "بيانات الفاتورة",
    intro:
      "الاسم الذي تصدر به فواتيرك الضريبية. مع الرقم الضريبي تصدر فاتورة ضريبية (بين المنشآت)، ودونه فاتورة مبسطة. لا تتغيّر الفواتير الصادرة.",
    legalName: "الاسم القانوني للمنشأة",
    vatNumber: "الرقم الضريبي (اختياري)",
    vatHint: "15 رقمًا يبدأ وينتهي بـ 3",
    address: "العنوان الوطني",
    save: "حفظ بيانات الفاتورة",
    next: {
      standard: "الفاتورة القادمة: فاتورة ضريبية",
      simplified: "الفاتورة القادمة: فاتورة ضريبية مبسطة",
    },
  },
  amount: (halalas: number) => sar(halalas, "ar"),
  simulator: {
    title: "محاكي ميسر — صفحة الدفع",
    intro: "صفحة دفع تجريبية. استخدم إحدى بطاقات ميسر التجريبية.",
    invoice: "الفاتورة",
    cardName: "الاسم على البطاقة",
    cardNumber: "رقم البطاقة",
    expiry: "تاريخ الانتهاء (MM/YY)",
    cvc: "رمز التحقق",
    pay: "ادفع",
    testCards:
      "بطاقات تجريبية: 4111111111111111 أو 4201320111111010 (ناجحة)، 4201320000013020 (مرفوضة)، 4201320000311101 (رصيد غير كافٍ).",
    declined: (message: string) => `رُفضت البطاقة (${message}).`,
    notFound: "لا توجد فاتورة بهذا الرقم.",
  },
};

const en: typeof ar = {
  nav: "Billing",
  title: "Subscription and billing",
  planName: (plan: PlanId) => PLANS[plan].name.en,
  period: { monthly: "Monthly", yearly: "Yearly" },
  status: {
    trialing: "Trial",
    active: "Active",
    past_due: "Past due",
    suspended: "Suspended",
    canceled: "Canceled",
  },
  current: "Your plan",
  renew: "Renew now",
  statusLabel: "Status",
  periodEnds: "The current period ends on",
  trialBanner: (days: number) =>
    `${days} days left in your trial. Choose a plan to keep going without a break.`,
  cancelScheduled: "The subscription ends at the end of the current period.",
  pendingChange: (plan: string, period: string) =>
    `Your plan changes to ${plan} (${period}) at the period end.`,
  choose: "Choose a plan",
  buy: "Subscribe",
  upgrade: "Upgrade",
  scheduleDowngrade: "Switch at period end",
  perPeriod: { monthly: "a month", yearly: "a year" },
  vatNote: "Prices exclude 15% VAT.",
  cancel: "Cancel at period end",
  resume: "Keep my subscription",
  confirmTitle: "Confirm payment",
  net: "Amount before VAT",
  vat: "VAT (15%)",
  total: "Total",
  pay: "Pay with Moyasar",
  back: "Back",
  returnTitle: "Payment status",
  processing: "Confirming your payment… this page refreshes by itself.",
  paid: "Payment received. Your subscription is active.",
  failed: "The payment did not go through. Nothing was charged; you can try again.",
  refresh: "Refresh",
  toBilling: "Back to billing",
  flash: {
    failed: "The payment did not go through. You can try again.",
    unavailable: "The payment provider is not answering; try again shortly.",
    conflict: "That change is not possible right now.",
    changed: "Saved.",
    profile_invalid:
      "The invoice details were not saved: a VAT number has 15 digits starting and ending with 3, and needs the address.",
  },
  profile: {
    title: "Invoice details",
    intro:
      "The name your tax invoices are issued to. With a VAT number you get a standard (B2B) tax invoice, without one a simplified invoice. Issued invoices never change.",
    legalName: "Legal name of the business",
    vatNumber: "VAT number (optional)",
    vatHint: "15 digits, starting and ending with 3",
    address: "National address",
    save: "Save invoice details",
    next: {
      standard: "Next invoice: standard tax invoice",
      simplified: "Next invoice: simplified tax invoice",
    },
  },
  amount: (halalas: number) => sar(halalas, "en"),
  simulator: {
    title: "Moyasar simulator — checkout",
    intro: "A test payment page. Use one of Moyasar's test cards.",
    invoice: "Invoice",
    cardName: "Name on card",
    cardNumber: "Card number",
    expiry: "Expiry (MM/YY)",
    cvc: "CVC",
    pay: "Pay",
    testCards:
      "Test cards: 4111111111111111 or 4201320111111010 (paid), 4201320000013020 (declined), 4201320000311101 (insufficient funds).",
    declined: (message: string) => `The card was declined (${message}).`,
    notFound: "No invoice with this id.",
  },
};

export type BillingStrings = typeof ar;
export const billingStrings = (locale: "ar" | "en"): BillingStrings => (locale === "ar" ? ar : en);
