// One normalisation for names, titles and queries, used when a record is written (its `*_norm`
// and `name_key` columns), when the search index is queried and when duplicates are looked for,
// so the three always agree. FTS5's tokenizers fold neither Arabic letters nor harakat
// (reference/platform-facts.md §7), so the index holds only text that went through here.

// Harakat, Quranic annotation marks and the superscript alef; tatweel (kashida) is decoration.
const ARABIC_MARKS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;
// Latin accents once NFD has split them off their letters.
const COMBINING_MARKS = /[\u0300-\u036f]/g;
const INVISIBLE_MARKS = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const LETTER_FOLDS: Record<string, string> = {
  أ: "ا",
  إ: "ا",
  آ: "ا",
  ٱ: "ا",
  ى: "ي",
  ة: "ه",
  ؤ: "و",
  ئ: "ي",
  // Persian/Urdu forms that Arabic keyboards on some phones produce.
  ی: "ي",
  ک: "ك",
};
const FOLDABLE = new RegExp(`[${Object.keys(LETTER_FOLDS).join("")}]`, "g");

/** Arabic-Indic (٠–٩) and Persian (۰–۹) digits as ASCII. */
export const asciiDigits = (text: string) =>
  text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (digit) => String((digit.charCodeAt(0) & 0xf) % 10));

/**
 * Text as search and duplicate detection compare it: NFKC (full-width and presentation forms),
 * harakat, tatweel and Latin accents removed, أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي, Eastern
 * digits → ASCII, lower case, punctuation → space, runs of spaces collapsed.
 */
export function normaliseText(text: string): string {
  return asciiDigits(
    text
      .normalize("NFKC")
      .replace(INVISIBLE_MARKS, "")
      .replace(ARABIC_MARKS, "")
      .normalize("NFD")
      .replace(COMBINING_MARKS, "")
      .normalize("NFC")
      .replace(FOLDABLE, (letter) => LETTER_FOLDS[letter] ?? letter),
  )
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@.+]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Common given names and name parts in their Latin spellings and their (normalised) Arabic form:
 * each group is one name to duplicate detection. Cross-script matching is limited to this list;
 * other names match only within their own script.
 */
const NAME_VARIANTS: readonly (readonly string[])[] = [
  ["محمد", "mohammed", "mohammad", "muhammad", "muhammed", "mohamed", "mohamad", "muhamad", "mohd", "mhd"],
  ["احمد", "ahmed", "ahmad", "ahmet"],
  ["محمود", "mahmoud", "mahmood", "mahmud"],
  ["عبدالله", "abdullah", "abdallah", "abdulla", "abdalla", "abdellah"],
  ["عبدالرحمن", "abdulrahman", "abdelrahman", "abdalrahman", "abdurrahman", "abdulrahmaan"],
  ["عبدالعزيز", "abdulaziz", "abdelaziz", "abdalaziz", "abdul aziz"],
  ["عبدالرحيم", "abdulrahim", "abdelrahim", "abdurrahim"],
  ["خالد", "khalid", "khaled"],
  ["فيصل", "faisal", "faysal", "feisal"],
  ["سعود", "saud", "saoud"],
  ["فهد", "fahad", "fahd"],
  ["سلطان", "sultan", "soltan"],
  ["يوسف", "yousef", "yusuf", "youssef", "yousif", "yosef"],
  ["ابراهيم", "ibrahim", "ebrahim", "ibraheem"],
  ["عمر", "omar", "umar"],
  ["علي", "ali"],
  ["حسن", "hassan", "hasan"],
  ["حسين", "hussein", "husain", "hussain", "hossein"],
  ["سعد", "saad", "sa'ad"],
  ["ناصر", "nasser", "naser", "nasir"],
  ["تركي", "turki", "turky"],
  ["نوره", "noura", "nora", "norah", "nourah", "nura"],
  ["فاطمه", "fatima", "fatimah", "fatma", "fatemah"],
  ["عائشه", "aisha", "aysha", "ayesha", "aishah"],
  ["مريم", "maryam", "mariam", "mariyam"],
  ["ساره", "sara", "sarah"],
  ["هيا", "haya", "haia"],
  ["ريم", "reem", "rim"],
  ["لطيفه", "latifa", "latifah", "lateefa"],
  ["منيره", "munira", "muneera", "monira"],
  ["خديجه", "khadija", "khadijah", "khadeeja"],
];
const CANONICAL_NAME = new Map<string, string>();
for (const group of NAME_VARIANTS) {
  for (const variant of group)
    CANONICAL_NAME.set(normaliseText(variant).replace(/ /g, ""), group[0] as string);
}

// "عبد الله" / "Abd Allah" / "Abdul Rahman" / "Abd Al Rahman" are written apart as often as
// together; a Latin article in between stays with them ("abdalrahman", a listed spelling).
// (\b knows only ASCII letters, so the start of a part is found by hand.)
const JOINED_PREFIXES = /(^|\s)(عبد|abd|abdul|abdel|abdal|abu|abo|ابو)\s+(?:(al|el|ul)\s+)?(?=\S)/g;
// The article written apart ("Al-Otaibi", "Al Otaibi", "el Otaibi", "ال عتيبي") is dropped wherever it is.
const SEPARATE_ARTICLE = /^(?:al|el|ال)$/;
// Written joined ("Alotaibi", "العتيبي") it is dropped from family names only, never from the first
// part of a longer name: given names start with the same letters (Alaa, Elena, Elias, إلهام).
const JOINED_ARTICLE = /^(?:al|el|ال)(?=\S{2,})/;

/**
 * The key two spellings of one person's name share: normalised, name parts joined where people
 * write them apart, the article dropped from family names, and common names in either script
 * replaced by one form (Mohammed, Muhammad and محمد give the same key).
 */
export function nameKey(name: string): string {
  const normal = normaliseText(name).replace(JOINED_PREFIXES, "$1$2$3");
  const words = normal.split(" ").filter((word) => word && !SEPARATE_ARTICLE.test(word));
  const parts = words.map((part, index) => {
    const bare = index > 0 ? part.replace(JOINED_ARTICLE, "") : part;
    return CANONICAL_NAME.get(part) ?? CANONICAL_NAME.get(bare) ?? bare;
  });
  return parts.join(" ");
}
