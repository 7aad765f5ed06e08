import { describe, expect, it } from "vitest";
import { asciiDigits, nameKey, normaliseText } from "./text-normalise";

describe("normaliseText", () => {
  it.each([
    // Hamza and wasla forms of alef
    ["أحمد", "احمد"],
    ["إبراهيم", "ابراهيم"],
    ["آمنة", "امنه"],
    ["ٱلرحمن", "الرحمن"],
    // Taa marbuta, alef maqsura, hamza on waw and yaa
    ["نورة", "نوره"],
    ["مصطفى", "مصطفي"],
    ["مؤمن", "مومن"],
    ["عائشة", "عايشه"],
    // Harakat, shadda, sukun, tanween, superscript alef, Quranic marks, tatweel
    ["مُحَمَّد", "محمد"],
    ["عَبْدُ ٱللَّٰه", "عبد الله"],
    ["كتابٌ", "كتاب"],
    ["سـعـود", "سعود"],
    ["محـــمد", "محمد"],
    // Presentation forms (as some PDFs and old systems hand them over)
    ["\ufee3\ufea4\ufee4\ufeaa", "محمد"],
    ["\ufefb", "لا"],
    // Persian letters typed on some phones' Arabic keyboards
    ["علی", "علي"],
    ["کریم", "كريم"],
    // Digits
    ["٠٥٥١٢٣٤٥٦٧", "0551234567"],
    ["۰۵۵۱۲۳۴۵۶۷", "0551234567"],
    ["０５５", "055"],
    // Latin case, accents, full width
    ["MUHAMMAD", "muhammad"],
    ["José Müller", "jose muller"],
    ["Ｎｏｕｒａ", "noura"],
    ["Ørsted", "ørsted"],
    // Punctuation, invisible marks and spaces
    ["Al-Otaibi", "al otaibi"],
    ["عبد-الله", "عبد الله"],
    ["  نورة   العتيبي  ", "نوره العتيبي"],
    ["\u200fنورة\u200e", "نوره"],
    ["\u2067Noura\u2069", "noura"],
    ["noura@riyadh-realty.sa", "noura@riyadh realty.sa"],
    ["+966 (0)55", "+966 0 55"],
    ["؟!،؛", ""],
  ])("%j → %j", (input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });

  it("is idempotent", () => {
    for (const input of ["مُحَمَّد ٱلعُتَيْبِي", "José Al-Harbi", "٠٥٥ ١٢٣", "نورة"]) {
      expect(normaliseText(normaliseText(input))).toBe(normaliseText(input));
    }
  });
});

describe("asciiDigits", () => {
  it("turns Arabic-Indic and Persian digits into ASCII and leaves the rest", () => {
    expect(asciiDigits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹ abc 123")).toBe("0123456789 0123456789 abc 123");
  });
});

describe("nameKey", () => {
  it.each([
    ["Mohammed / Muhammad / محمد / مُحَمَّد", ["Mohammed", "Muhammad", "محمد", "مُحَمَّد", "MOHAMED", "Mohd"]],
    [
      "Abdullah / عبد الله / عبدالله",
      ["Abdullah", "Abdallah", "Abd Allah", "عبد الله", "عبدالله", "عبد-الله"],
    ],
    [
      "Abdulrahman written apart or joined",
      ["Abdulrahman", "Abdul Rahman", "Abd Al Rahman", "عبد الرحمن", "عبدالرحمن"],
    ],
    ["Noura / Norah / نورة / نوره", ["Noura", "Norah", "Nourah", "نورة", "نوره"]],
    ["Ahmed / أحمد / احمد", ["Ahmed", "Ahmad", "أحمد", "احمد", "إحمد"]],
    [
      "Al-Otaibi / Al Otaibi / Alotaibi",
      ["Noura Al-Otaibi", "Noura Al Otaibi", "Noura Alotaibi", "Norah El Otaibi"],
    ],
    ["العتيبي / عتيبي", ["نورة العتيبي", "نوره عتيبي", "نُورَة ٱلعُتَيْبِي", "نورة ال عتيبي"]],
    [
      "Abdulaziz with an article between",
      ["Abd Al Aziz", "Abdel Aziz", "Abd El Aziz", "Abdulaziz", "عبد العزيز"],
    ],
    ["a full name in both scripts", ["Mohammed Al-Otaibi", "Muhammad Alotaibi", "mohamed al otaibi"]],
  ])("%s share one key", (_label, spellings) => {
    const keys = new Set(spellings.map(nameKey));
    expect([...keys], spellings.join(", ")).toHaveLength(1);
  });

  it("gives a cross-script key for a full name whose parts are known", () => {
    expect(nameKey("محمد العتيبي")).toBe(nameKey("Mohammed Al-عتيبي"));
    expect(nameKey("Mohammed")).toBe(nameKey("محمد"));
    expect(nameKey("Noura")).toBe(nameKey("نورة"));
    expect(nameKey("Abdullah")).toBe(nameKey("عبد الله"));
  });

  it.each([
    ["Mohammed", "Mahmoud"],
    ["نورة", "نور"],
    ["Ali", "Alia"],
    ["عبدالله", "عبدالرحمن"],
    ["Sara Al-Harbi", "Sara Al-Otaibi"],
    ["Al", "Ali"],
  ])("keeps %j and %j apart", (a, b) => {
    expect(nameKey(a)).not.toBe(nameKey(b));
  });

  it("keeps given names that start like the article", () => {
    expect(nameKey("Ali")).toBe(nameKey("علي"));
    expect(nameKey("Alaa Alharbi")).toBe("alaa harbi");
    expect(nameKey("Elena")).toBe("elena");
    expect(nameKey("إلهام القحطاني")).toBe("الهام قحطاني");
    expect(nameKey("آل سعود")).toBe(nameKey("ال سعود"));
  });
});
