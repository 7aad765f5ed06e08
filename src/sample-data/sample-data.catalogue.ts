// The records "load sample data" writes: fictional Saudi leads (names in Arabic and in Latin
// letters, valid +9665… mobiles in the 0000–0199 block of each prefix), companies with well-formed
// VAT numbers (15 digits, 3…3) and property deals. Deliberately fictional: no real person or firm.
import type { CONTACT_SOURCES, CONTACT_STATUSES } from "../contacts/contacts.schema";

export interface SampleContact {
  name: string;
  phone: string;
  email: string | null;
  source: (typeof CONTACT_SOURCES)[number];
  status: (typeof CONTACT_STATUSES)[number];
  tags: string[];
  company: number | null;
}

export const SAMPLE_CONTACTS: SampleContact[] = [
  {
    name: "محمد بن سعد العتيبي",
    phone: "+966500000101",
    email: null,
    source: "whatsapp",
    status: "new",
    tags: ["مشتري"],
    company: null,
  },
  {
    name: "نورة القحطاني",
    phone: "+966550000102",
    email: "noura.q@example.com",
    source: "property_portal",
    status: "contacted",
    tags: ["مستأجر"],
    company: null,
  },
  {
    name: "عبدالله الشهري",
    phone: "+966530000103",
    email: null,
    source: "referral",
    status: "qualified",
    tags: ["مستثمر", "vip"],
    company: 0,
  },
  {
    name: "سارة الدوسري",
    phone: "+966540000104",
    email: null,
    source: "whatsapp",
    status: "new",
    tags: [],
    company: null,
  },
  {
    name: "فهد المطيري",
    phone: "+966560000105",
    email: "fahad.m@example.com",
    source: "walk_in",
    status: "customer",
    tags: ["مشتري"],
    company: null,
  },
  {
    name: "ريم الزهراني",
    phone: "+966590000106",
    email: null,
    source: "web_form",
    status: "contacted",
    tags: [],
    company: null,
  },
  {
    name: "خالد الغامدي",
    phone: "+966570000107",
    email: null,
    source: "property_portal",
    status: "unqualified",
    tags: [],
    company: 1,
  },
  {
    name: "هيفاء العنزي",
    phone: "+966580000108",
    email: null,
    source: "whatsapp",
    status: "qualified",
    tags: ["مستأجر"],
    company: null,
  },
  {
    name: "سلطان الحربي",
    phone: "+966500000109",
    email: null,
    source: "referral",
    status: "new",
    tags: ["مستثمر"],
    company: 2,
  },
  {
    name: "منيرة السبيعي",
    phone: "+966550000110",
    email: null,
    source: "walk_in",
    status: "contacted",
    tags: [],
    company: null,
  },
  {
    name: "Abdulrahman Al-Qahtani",
    phone: "+966530000111",
    email: "abdulrahman@example.com",
    source: "web_form",
    status: "qualified",
    tags: ["vip"],
    company: 0,
  },
  {
    name: "Lama Al-Harbi",
    phone: "+966540000112",
    email: "lama.h@example.com",
    source: "whatsapp",
    status: "new",
    tags: [],
    company: null,
  },
  {
    name: "Turki Al-Shammari",
    phone: "+966560000113",
    email: null,
    source: "property_portal",
    status: "contacted",
    tags: ["investor"],
    company: null,
  },
  {
    name: "Amal Al-Otaibi",
    phone: "+966590000114",
    email: "amal.o@example.com",
    source: "referral",
    status: "customer",
    tags: [],
    company: null,
  },
  {
    name: "Yousef Al-Malki",
    phone: "+966570000115",
    email: null,
    source: "whatsapp",
    status: "qualified",
    tags: [],
    company: 1,
  },
  {
    name: "Dana Al-Rashid",
    phone: "+966580000116",
    email: null,
    source: "walk_in",
    status: "new",
    tags: [],
    company: null,
  },
];

export const SAMPLE_COMPANIES = [
  { name: "شركة رؤية الخليج العقارية", vatNumber: "310123456700003", crNumber: "1010123456", city: "الرياض" },
  { name: "مؤسسة الوادي للمقاولات", vatNumber: "311234567800003", crNumber: "4030123456", city: "جدة" },
  { name: "Najd Facilities Co.", vatNumber: "312345678900003", crNumber: "2050123456", city: "الدمام" },
];

/** Deals: the contact (index into SAMPLE_CONTACTS), title, amount in SAR (stored in halalas). */
export const SAMPLE_DEALS = [
  { contact: 0, title: "فيلا في حي الملقا", sar: 3_250_000 },
  { contact: 1, title: "شقة للإيجار في حي النرجس", sar: 65_000 },
  { contact: 2, title: "أرض تجارية على طريق الملك فهد", sar: 12_800_000 },
  { contact: 4, title: "دور في حي الياسمين", sar: 1_450_000 },
  { contact: 5, title: "شقة ثلاث غرف في حي الروضة", sar: 890_000 },
  { contact: 7, title: "إيجار مكتب في العليا", sar: 120_000 },
  { contact: 8, title: "عمارة سكنية في حي العارض", sar: 7_400_000 },
  { contact: 10, title: "Villa in Hittin", sar: 4_100_000 },
  { contact: 12, title: "Off-plan apartment, North Riyadh", sar: 980_000 },
  { contact: 13, title: "Shop lease on Tahlia Street", sar: 210_000 },
  { contact: 14, title: "Warehouse in the 2nd Industrial City", sar: 2_300_000 },
  { contact: 6, title: "استراحة في حي الرمال", sar: 1_150_000 },
];

type ActivityTiming = "past" | "overdue" | "today" | "upcoming" | "done";

/** Activities: the contact they are on, the deal (index into SAMPLE_DEALS) if any, and when. */
export const SAMPLE_ACTIVITIES: {
  contact: number;
  deal: number | null;
  kind: "note" | "call" | "visit" | "meeting" | "task";
  title: string | null;
  body: string | null;
  timing: ActivityTiming;
}[] = [
  {
    contact: 0,
    deal: 0,
    kind: "call",
    title: null,
    body: "يبحث عن فيلا بمسبح، الميزانية حتى ٣٫٥ مليون.",
    timing: "past",
  },
  { contact: 0, deal: 0, kind: "task", title: "إرسال صور الفيلا عبر واتساب", body: null, timing: "today" },
  {
    contact: 1,
    deal: 1,
    kind: "visit",
    title: "معاينة الشقة",
    body: "أعجبها التشطيب، تطلب خفض الإيجار.",
    timing: "past",
  },
  { contact: 1, deal: 1, kind: "task", title: "الرد على طلب خفض الإيجار", body: null, timing: "overdue" },
  { contact: 2, deal: 2, kind: "meeting", title: "اجتماع مع المستثمر", body: null, timing: "upcoming" },
  {
    contact: 2,
    deal: 2,
    kind: "note",
    title: null,
    body: "يحتاج مخطط الأرض ورقم الصك قبل الاجتماع.",
    timing: "past",
  },
  {
    contact: 3,
    deal: null,
    kind: "task",
    title: "الاتصال بسارة لتحديد الطلب",
    body: null,
    timing: "overdue",
  },
  { contact: 4, deal: 3, kind: "task", title: "تجهيز عقد البيع", body: null, timing: "done" },
  { contact: 5, deal: 4, kind: "call", title: null, body: "طلبت معاينة يوم الخميس.", timing: "past" },
  { contact: 5, deal: 4, kind: "visit", title: "معاينة الشقة مع ريم", body: null, timing: "upcoming" },
  { contact: 7, deal: 5, kind: "task", title: "التحقق من توفر المكتب", body: null, timing: "today" },
  {
    contact: 8,
    deal: 6,
    kind: "note",
    title: null,
    body: "مهتم بعائد الإيجار السنوي للعمارة.",
    timing: "past",
  },
  {
    contact: 10,
    deal: 7,
    kind: "call",
    title: null,
    body: "Wants a viewing after Maghrib prayer.",
    timing: "past",
  },
  {
    contact: 10,
    deal: 7,
    kind: "task",
    title: "Send the Hittin villa floor plan",
    body: null,
    timing: "upcoming",
  },
  { contact: 11, deal: null, kind: "task", title: "First call with Lama", body: null, timing: "today" },
  {
    contact: 12,
    deal: 8,
    kind: "note",
    title: null,
    body: "Asked about the Wafi off-plan payment schedule.",
    timing: "past",
  },
  { contact: 13, deal: 9, kind: "task", title: "Chase the signed lease", body: null, timing: "overdue" },
  {
    contact: 15,
    deal: null,
    kind: "call",
    title: null,
    body: "No answer; try again tomorrow.",
    timing: "past",
  },
];
