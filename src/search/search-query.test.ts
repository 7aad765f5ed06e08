import { describe, expect, it } from "vitest";
import { scopeToken, searchMatch } from "./search-query";

const TENANT = "ten_4f9c1b7e2a6d8c03e5b1";
const within = (expression: string) =>
  `scope : "contactten4f9c1b7e2a6d8c03e5b1" AND {names details} : (${expression})`;

describe("searchMatch", () => {
  it("scopes the MATCH to one tenant and one kind", () => {
    expect(scopeToken(TENANT, "deal")).toBe("dealten4f9c1b7e2a6d8c03e5b1");
    expect(searchMatch(TENANT, "company", "افق")).toMatch(/^scope : "companyten4f9c1b7e2a6d8c03e5b1" AND /);
  });

  it.each([
    ["a name being typed", "مُحَمَّد العت", '("محمد" "العت"*) OR ("محمد" "عت"*)'],
    ["a transliteration", "Mohammed", '("mohammed"*) OR ("محمد"*)'],
    ["a name written apart", "عبد-الله", '("عبد" "الله"*) OR ("عبدالله"*)'],
    ["a partial local number", "٠٥٥١٢٣", '("055123"*) OR ("55123"*)'],
    [
      "a whole number in a local form",
      "055 123 4567",
      '("055" "123" "4567"*) OR ("551234567"*) OR ("966551234567"*)',
    ],
    ["a one-letter word (no prefix)", "م", '("م")'],
    ["a two-digit number (no prefix)", "12", '("12")'],
    ["FTS5 operators, as text", 'NOT x" OR', '("not" "x" "or"*)'],
  ])("%s", (_label, query, expression) => {
    expect(searchMatch(TENANT, "contact", query)).toBe(within(expression));
  });

  it.each([")", '"', "*", "؟", "\u200f", "   ", "-"])("gives null for %j (nothing searchable)", (query) => {
    expect(searchMatch(TENANT, "contact", query)).toBeNull();
  });

  it("reads at most eight words", () => {
    const match = searchMatch(TENANT, "contact", "a1 b2 c3 d4 e5 f6 g7 h8 i9 j10") ?? "";
    expect(match).toContain('"h8"*');
    expect(match).not.toContain("i9");
  });
});
