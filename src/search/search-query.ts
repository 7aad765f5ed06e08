import { parsePhoneNumberFromString } from "libphonenumber-js/mobile";
import { nameKey, normaliseText } from "../platform/text-normalise";
import type { SearchKind } from "./search.schema";

/** Words beyond this are ignored: a longer query would only cost more and match less. */
export const MAX_QUERY_TOKENS = 8;

// What FTS5's unicode61 tokenizer keeps inside a token (letters, numbers, private use); anything
// else separates tokens. Splitting the query the same way keeps query and index in agreement.
const SEPARATORS = /[^\p{L}\p{N}\p{Co}]+/u;
// A query that is only a (partial) phone number, as normaliseText leaves it.
const PHONE_LIKE = /^[+\d .]+$/;

const tokensOf = (text: string) => text.split(SEPARATORS).filter(Boolean).slice(0, MAX_QUERY_TOKENS);

// Double-quoted, every token is a string to FTS5, never syntax: `عبد-الله`, `)`, `NOT`, `col:x`
// and quotes (doubled) cannot break or steer the MATCH.
const quoted = (token: string) => `"${token.replaceAll('"', '""')}"`;

// A prefix this short would expand to a large part of the vocabulary (every digit suffix starting
// with "1"): measured at 50,000 contacts, a one-digit prefix cost 0.2–0.3 s against ~30 ms for a name.
// Shorter last tokens match whole tokens only.
const MIN_PREFIX_LETTERS = 2;
const MIN_PREFIX_DIGITS = 3;
const isPrefix = (token: string) =>
  token.length >= (/^\d+$/.test(token) ? MIN_PREFIX_DIGITS : MIN_PREFIX_LETTERS);

/** All tokens must appear; the last one may be a word still being typed (prefix). */
const allOf = (tokens: string[]) =>
  tokens
    .map((token, index) =>
      index === tokens.length - 1 && isPrefix(token) ? `${quoted(token)}*` : quoted(token),
    )
    .join(" ");

/**
 * The digits to look for when the query is a phone number or part of one. The index holds every
 * number's international digits and each of their suffixes, so a prefix query on digits finds any
 * part of a number. A complete mobile in any local form (`055 123 4567`, `+966 (0)55…`) becomes
 * its E.164 digits; a partial one loses its trunk or international prefix (`0551234` → `551234`,
 * `00966…` → `966…`), which leaves a run of digits that the number contains.
 */
function phoneDigits(normalised: string): string[] {
  if (!PHONE_LIKE.test(normalised)) return [];
  const typed = normalised.replace(/\D/g, "").replace(/^00?/, "");
  const parsed = parsePhoneNumberFromString(normalised, { defaultCountry: "SA" });
  const complete = parsed?.isValid() ? parsed.number.slice(1) : "";
  return [...new Set([typed, complete])].filter((digits) => digits.length > 0);
}

/** The FTS5 token that limits a MATCH to one tenant's records of one kind (see the migration). */
export const scopeToken = (tenantId: string, kind: SearchKind) => `${kind}${tenantId.replace("_", "")}`;

/**
 * The MATCH expression for what someone typed, or null when it holds nothing searchable. The query
 * is normalised as the index was (Arabic letters folded, harakat and tatweel gone, Eastern digits
 * as ASCII), split into tokens, each quoted, and the last one made a prefix. Alternatives are ORed:
 * the name key of the query (so Mohammed finds محمد and عبد الله finds عبدالله) and, for a number,
 * its digits. The scope token keeps the MATCH itself inside one tenant and one kind.
 */
export function searchMatch(tenantId: string, kind: SearchKind, query: string): string | null {
  const normalised = normaliseText(query);
  const typed = tokensOf(normalised);
  const key = tokensOf(nameKey(query));
  const alternatives = new Set<string>();
  if (typed.length > 0) alternatives.add(allOf(typed));
  if (key.length > 0) alternatives.add(allOf(key));
  for (const digits of phoneDigits(normalised)) alternatives.add(allOf([digits]));
  if (alternatives.size === 0) return null;
  const anyOf = [...alternatives].map((expression) => `(${expression})`).join(" OR ");
  return `scope : ${quoted(scopeToken(tenantId, kind))} AND {names details} : (${anyOf})`;
}
