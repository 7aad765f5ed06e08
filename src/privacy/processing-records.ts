import { RETENTION_TYPE_NAMES, RETENTION_TYPES, type RetentionPeriods } from "../retention/retention.policy";

type Bilingual = { ar: string; en: string };

/**
 * Who processes personal data for Dealix, where, and on what transfer basis (PDPL Art. 29 and the
 * Transfer Regulation; integrations.md §7). Every one is outside the Kingdom, so each relies on
 * Standard Contractual Clauses with a transfer risk assessment. Changing this list is a change to
 * the privacy notice: tell tenants before a new sub-processor starts.
 */
export const SUB_PROCESSORS = [
  {
    id: "cloudflare",
    name: "Cloudflare, Inc.",
    outsideKingdom: true,
    purpose: {
      ar: "استضافة التطبيق وقاعدة البيانات والتخزين والطوابير",
      en: "Hosting the application, database, storage and queues",
    },
    data: { ar: "كل بيانات المنشأة المخزنة في ديلكس", en: "All tenant data stored in Dealix" },
    location: {
      ar: "شبكة عالمية؛ قاعدة البيانات في منطقة واحدة خارج المملكة",
      en: "Global network; the database in one region outside the Kingdom",
    },
    transferBasis: {
      ar: "البنود التعاقدية القياسية مع تقييم مخاطر النقل",
      en: "Standard Contractual Clauses with a transfer risk assessment",
    },
  },
  {
    id: "meta_whatsapp",
    name: "Meta Platforms (WhatsApp Cloud API)",
    outsideKingdom: true,
    purpose: { ar: "إرسال رسائل واتساب واستقبالها", en: "Sending and receiving WhatsApp messages" },
    data: { ar: "أرقام الجوال ونصوص الرسائل ومحتواها", en: "Mobile numbers, message text and media" },
    location: { ar: "الولايات المتحدة والاتحاد الأوروبي", en: "United States and European Union" },
    transferBasis: {
      ar: "البنود التعاقدية القياسية (شروط معالجة بيانات واتساب للأعمال)",
      en: "Standard Contractual Clauses (WhatsApp Business data processing terms)",
    },
  },
  {
    id: "moyasar",
    name: "Moyasar",
    outsideKingdom: false,
    purpose: { ar: "تحصيل مدفوعات الاشتراك", en: "Collecting subscription payments" },
    data: {
      ar: "اسم الدافع ومبلغ الدفع؛ لا تمر بيانات البطاقة بخوادم ديلكس",
      en: "Payer name and amount; card data never passes through Dealix",
    },
    location: { ar: "المملكة العربية السعودية", en: "Saudi Arabia" },
    transferBasis: { ar: "لا نقل خارج المملكة", en: "No transfer outside the Kingdom" },
  },
  {
    id: "posthog",
    name: "PostHog, Inc.",
    outsideKingdom: true,
    purpose: { ar: "تحليلات استخدام المنتج", en: "Product usage analytics" },
    data: {
      ar: "معرفات مستعارة للمستخدمين وأحداث الاستخدام؛ لا بيانات عملاء المنشأة",
      en: "Pseudonymous user ids and usage events; no tenant customer data",
    },
    location: { ar: "الاتحاد الأوروبي", en: "European Union" },
    transferBasis: {
      ar: "البنود التعاقدية القياسية مع تقييم مخاطر النقل",
      en: "Standard Contractual Clauses with a transfer risk assessment",
    },
  },
  {
    id: "sentry",
    name: "Functional Software, Inc. (Sentry)",
    outsideKingdom: true,
    purpose: { ar: "رصد الأخطاء التقنية", en: "Error monitoring" },
    data: {
      ar: "تقارير الأخطاء بعد حذف البيانات الشخصية منها",
      en: "Error reports with personal data scrubbed",
    },
    location: { ar: "الولايات المتحدة", en: "United States" },
    transferBasis: {
      ar: "البنود التعاقدية القياسية مع تقييم مخاطر النقل",
      en: "Standard Contractual Clauses with a transfer risk assessment",
    },
  },
  {
    id: "llm",
    name: "OpenAI, L.L.C. / Anthropic, PBC",
    outsideKingdom: true,
    purpose: {
      ar: "صياغة الردود المقترحة وتلخيص المحادثات عند تفعيل المساعد",
      en: "Drafting suggested replies and summaries when the assistant is enabled",
    },
    data: {
      ar: "نص المحادثة المطلوب صياغته بأقل قدر من البيانات الشخصية؛ لا يُستخدم للتدريب",
      en: "The conversation text needed, minimised; not used for training",
    },
    location: { ar: "الولايات المتحدة", en: "United States" },
    transferBasis: {
      ar: "البنود التعاقدية القياسية مع تقييم مخاطر النقل",
      en: "Standard Contractual Clauses with a transfer risk assessment",
    },
  },
] as const satisfies readonly {
  id: string;
  name: string;
  outsideKingdom: boolean;
  purpose: Bilingual;
  data: Bilingual;
  location: Bilingual;
  transferBasis: Bilingual;
}[];

/**
 * The privacy notice's version: the sign-up that showed it records it (tenant.created audit
 * event), so which text an owner accepted stays provable. Bump it whenever the notice changes.
 */
export const PRIVACY_NOTICE_VERSION = "2026-12-07";

/** The platform's contact for privacy matters (PDPL Art. 31: controller contact details). */
export const PRIVACY_CONTACT = {
  email: "privacy@dealix.sa",
  address: { ar: "الرياض، المملكة العربية السعودية", en: "Riyadh, Saudi Arabia" },
};

/** The processing activities a tenant carries out in Dealix, for its record of processing. */
export const PROCESSING_ACTIVITIES = [
  {
    id: "customer_relationship",
    purpose: { ar: "إدارة العملاء المحتملين والصفقات والمتابعة", en: "Managing leads, deals and follow-up" },
    subjects: {
      ar: "العملاء والعملاء المحتملون وجهات الاتصال في الشركات",
      en: "Customers, leads and company contacts",
    },
    data: {
      ar: "الاسم والجوال والبريد والملاحظات والأنشطة والحقول المخصصة",
      en: "Name, mobile, e-mail, notes, activities, custom fields",
    },
    legalBasis: {
      ar: "الموافقة أو المصلحة المشروعة أو تنفيذ عقد",
      en: "Consent, legitimate interest or a contract",
    },
    recipients: ["cloudflare"],
  },
  {
    id: "whatsapp_messaging",
    purpose: {
      ar: "مراسلة العملاء على واتساب (خدمة وتسويق بموافقة)",
      en: "Messaging customers on WhatsApp (service, and marketing with consent)",
    },
    subjects: { ar: "العملاء والعملاء المحتملون", en: "Customers and leads" },
    data: {
      ar: "رقم الجوال ونصوص الرسائل وسجل الموافقات",
      en: "Mobile number, message text, consent ledger",
    },
    legalBasis: {
      ar: "الموافقة للتسويق (المادة ٢٥)؛ طلب العميل للخدمة",
      en: "Consent for marketing (Art. 25); the customer's request for service",
    },
    recipients: ["cloudflare", "meta_whatsapp", "llm"],
  },
  {
    id: "team_accounts",
    purpose: {
      ar: "حسابات فريق المنشأة وتسجيل الدخول والتدقيق",
      en: "The tenant's team accounts, sign-in and audit trail",
    },
    subjects: { ar: "موظفو المنشأة", en: "The tenant's staff" },
    data: {
      ar: "الاسم والبريد والجوال وسجل الدخول والتدقيق",
      en: "Name, e-mail, mobile, sign-in and audit log",
    },
    legalBasis: {
      ar: "تنفيذ عقد الاشتراك والالتزام النظامي",
      en: "The subscription contract and legal obligation",
    },
    recipients: ["cloudflare", "posthog", "sentry"],
  },
  {
    id: "billing",
    purpose: { ar: "الفوترة والفواتير الضريبية", en: "Billing and tax invoices" },
    subjects: { ar: "مالك الحساب", en: "The account owner" },
    data: { ar: "اسم المنشأة والرقم الضريبي والمدفوعات", en: "Company name, VAT number, payments" },
    legalBasis: {
      ar: "تنفيذ عقد والتزام نظامي (هيئة الزكاة والضريبة والجمارك)",
      en: "Contract and legal obligation (ZATCA)",
    },
    recipients: ["cloudflare", "moyasar"],
  },
] as const;

type SubProcessorId = (typeof SUB_PROCESSORS)[number]["id"];

/** The retention line for each data type, in days, from the tenant's settings. */
const retentionLines = (periods: RetentionPeriods) =>
  RETENTION_TYPE_NAMES.map((type) => ({ type, days: periods[type], action: RETENTION_TYPES[type].action }));

/**
 * The tenant's record of processing activities (PDPL Art. 31): generated from the activities and
 * sub-processors above, the tenant's name and its retention settings, so it never drifts from what
 * Dealix does.
 */
export function recordsOfProcessing(
  tenant: { id: string; name: Bilingual },
  periods: RetentionPeriods,
  generatedAt: number,
) {
  const byId = new Map<SubProcessorId, (typeof SUB_PROCESSORS)[number]>(SUB_PROCESSORS.map((p) => [p.id, p]));
  return {
    generatedAt: new Date(generatedAt).toISOString(),
    controller: { tenantId: tenant.id, name: tenant.name },
    processor: { name: "Dealix", contact: PRIVACY_CONTACT },
    activities: PROCESSING_ACTIVITIES.map((activity) => ({
      id: activity.id,
      purpose: activity.purpose,
      subjects: activity.subjects,
      data: activity.data,
      legalBasis: activity.legalBasis,
      recipients: activity.recipients.map((id) => byId.get(id)?.name ?? id),
      transfersOutsideKingdom: activity.recipients.flatMap((id) => {
        const processor = byId.get(id);
        return processor?.outsideKingdom
          ? [{ recipient: processor.name, location: processor.location, basis: processor.transferBasis }]
          : [];
      }),
    })),
    retention: retentionLines(periods),
    subProcessors: [...SUB_PROCESSORS],
  };
}
