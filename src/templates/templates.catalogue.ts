// The industry templates a tenant can apply: pipelines with their stages, and custom fields. Pure
// data; templates.service.ts applies it. Pipelines and stages have one name in the database (the
// tenant's language at the time), so each name is given in both languages here.

import type { CustomFieldObject } from "../custom-fields/custom-fields.repo";
import type { CUSTOM_FIELD_TYPES, CustomFieldOption } from "../custom-fields/custom-fields.schema";
import type { CustomFieldFormat } from "../custom-fields/field-formats";
import type { StageKind } from "../pipelines/pipelines.model";

type Bilingual = { ar: string; en: string };

export interface TemplateStage {
  name: Bilingual;
  kind: StageKind;
  probability: number;
}

export interface TemplatePipeline {
  name: Bilingual;
  stages: TemplateStage[];
}

export interface TemplateField {
  objectType: CustomFieldObject;
  key: string;
  labelAr: string;
  labelEn: string;
  type: (typeof CUSTOM_FIELD_TYPES)[number];
  options?: CustomFieldOption[];
  format?: CustomFieldFormat;
}

export interface Template {
  key: string;
  name: Bilingual;
  description: Bilingual;
  pipelines: TemplatePipeline[];
  fields: TemplateField[];
}

const open = (ar: string, en: string, probability: number): TemplateStage => ({
  name: { ar, en },
  kind: "open",
  probability,
});
const won = (ar: string, en: string): TemplateStage => ({ name: { ar, en }, kind: "won", probability: 100 });
const lost = (ar: string, en: string): TemplateStage => ({ name: { ar, en }, kind: "lost", probability: 0 });
const option = (value: string, labelAr: string, labelEn: string): CustomFieldOption => ({
  value,
  labelAr,
  labelEn,
});

const realEstate: Template = {
  key: "real-estate",
  name: { ar: "الوساطة العقارية", en: "Real estate brokerage" },
  description: {
    ar: "مسارات البيع والإيجار والبيع على الخارطة، ورغبات العميل (نوع العقار والحي والميزانية وعدد الغرف)، ورقم ترخيص الإعلان العقاري على الصفقة.",
    en: "Sale, rent and off-plan pipelines; the lead's wishes (property type, district, budget, bedrooms); the REGA advertising licence number on each deal.",
  },
  pipelines: [
    {
      name: { ar: "بيع", en: "Sale" },
      stages: [
        open("عميل جديد", "New lead", 10),
        open("تم التواصل", "Contacted", 20),
        open("معاينة العقار", "Viewing", 40),
        open("تفاوض على السعر", "Negotiation", 60),
        open("دفع العربون", "Deposit paid", 85),
        won("تم الإفراغ", "Title transferred"),
        lost("لم تتم", "Lost"),
      ],
    },
    {
      name: { ar: "إيجار", en: "Rent" },
      stages: [
        open("عميل جديد", "New lead", 10),
        open("تم التواصل", "Contacted", 25),
        open("معاينة العقار", "Viewing", 50),
        open("توثيق العقد في إيجار", "Contract on Ejar", 80),
        won("تم توقيع العقد", "Lease signed"),
        lost("لم تتم", "Lost"),
      ],
    },
    {
      name: { ar: "على الخارطة", en: "Off-plan" },
      stages: [
        open("عميل مهتم", "Interested", 10),
        open("عرض المشروع", "Project presented", 25),
        open("حجز وحدة", "Unit reserved", 55),
        open("دفع الدفعة الأولى", "Down payment", 80),
        won("توقيع عقد البيع", "Sale contract signed"),
        lost("لم تتم", "Lost"),
      ],
    },
  ],
  fields: [
    {
      objectType: "contact",
      key: "property_type",
      labelAr: "نوع العقار",
      labelEn: "Property type",
      type: "select",
      options: [
        option("apartment", "شقة", "Apartment"),
        option("villa", "فيلا", "Villa"),
        option("floor", "دور", "Floor"),
        option("townhouse", "تاون هاوس", "Townhouse"),
        option("land", "أرض", "Land"),
        option("building", "عمارة", "Building"),
        option("office", "مكتب", "Office"),
        option("shop", "محل تجاري", "Shop"),
        option("warehouse", "مستودع", "Warehouse"),
        option("rest_house", "استراحة", "Rest house"),
        option("farm", "مزرعة", "Farm"),
      ],
    },
    { objectType: "contact", key: "district", labelAr: "الحي", labelEn: "District", type: "text" },
    {
      // Ranges, not an amount: a lead names a bracket ("around a million"), a bracket is what a
      // broker filters and matches listings on (?custom.budget_range=1m_2m), and one list covers
      // yearly rents (the lower brackets) and purchases.
      objectType: "contact",
      key: "budget_range",
      labelAr: "الميزانية",
      labelEn: "Budget",
      type: "select",
      options: [
        option("under_50k", "أقل من ٥٠ ألف ريال", "Under SAR 50k"),
        option("50k_100k", "٥٠ – ١٠٠ ألف ريال", "SAR 50k–100k"),
        option("100k_500k", "١٠٠ – ٥٠٠ ألف ريال", "SAR 100k–500k"),
        option("500k_1m", "٥٠٠ ألف – مليون ريال", "SAR 500k–1M"),
        option("1m_2m", "١ – ٢ مليون ريال", "SAR 1M–2M"),
        option("2m_5m", "٢ – ٥ ملايين ريال", "SAR 2M–5M"),
        option("over_5m", "أكثر من ٥ ملايين ريال", "Over SAR 5M"),
      ],
    },
    { objectType: "contact", key: "bedrooms", labelAr: "عدد الغرف", labelEn: "Bedrooms", type: "number" },
    {
      objectType: "deal",
      key: "rega_ad_licence",
      labelAr: "رقم ترخيص الإعلان العقاري",
      labelEn: "REGA advertising licence no.",
      type: "text",
      format: "rega_ad_licence",
    },
  ],
};

const clinic: Template = {
  key: "clinic",
  name: { ar: "العيادات والمراكز الطبية", en: "Clinics" },
  description: {
    ar: "مسار الحجز من الاستفسار إلى حضور الموعد، والخدمة المطلوبة والطبيب المفضل والتأمين على العميل.",
    en: "A booking pipeline from enquiry to attended appointment; the service wanted, preferred doctor and insurance on each contact.",
  },
  pipelines: [
    {
      name: { ar: "حجز", en: "Booking" },
      stages: [
        open("استفسار جديد", "New enquiry", 10),
        open("تم اقتراح موعد", "Appointment offered", 40),
        open("تم الحجز", "Booked", 70),
        open("تأكيد الموعد", "Confirmed", 85),
        won("حضر الموعد", "Attended"),
        lost("لم يحضر أو ألغى", "No-show or cancelled"),
      ],
    },
  ],
  fields: [
    {
      objectType: "contact",
      key: "service",
      labelAr: "الخدمة",
      labelEn: "Service",
      type: "select",
      options: [
        option("consultation", "كشف واستشارة", "Consultation"),
        option("follow_up", "مراجعة", "Follow-up"),
        option("dental", "أسنان", "Dental"),
        option("dermatology", "جلدية", "Dermatology"),
        option("cosmetic", "تجميل", "Cosmetic"),
        option("laser", "ليزر", "Laser"),
        option("physiotherapy", "علاج طبيعي", "Physiotherapy"),
        option("lab_tests", "تحاليل", "Lab tests"),
      ],
    },
    {
      objectType: "contact",
      key: "preferred_doctor",
      labelAr: "الطبيب المفضل",
      labelEn: "Preferred doctor",
      type: "text",
    },
    {
      // A list, not free text: reception checks coverage per insurer, and a list filters cleanly.
      objectType: "contact",
      key: "insurance",
      labelAr: "التأمين",
      labelEn: "Insurance",
      type: "select",
      options: [
        option("self_pay", "بدون تأمين (دفع مباشر)", "Self-pay"),
        option("bupa", "بوبا العربية", "Bupa Arabia"),
        option("tawuniya", "التعاونية", "Tawuniya"),
        option("medgulf", "ميدغلف", "MedGulf"),
        option("alrajhi_takaful", "تكافل الراجحي", "Al Rajhi Takaful"),
        option("walaa", "ولاء", "Walaa"),
        option("malath", "ملاذ", "Malath"),
        option("gig", "جي آي جي", "GIG"),
        option("other", "أخرى", "Other"),
      ],
    },
  ],
};

export const TEMPLATES: readonly Template[] = [realEstate, clinic];

export const templateByKey = (key: string) => TEMPLATES.find((template) => template.key === key);
