import { z } from "@hono/zod-openapi";
import { HalalasSchema } from "../platform/schemas";
import { SEARCH_KINDS } from "./search.schema";

export const MAX_SEARCH_RESULTS = 50;
export const DEFAULT_SEARCH_RESULTS = 20;
export const MAX_QUERY_LENGTH = 200;

const KIND_LIST = new RegExp(`^(${SEARCH_KINDS.join("|")})(,(${SEARCH_KINDS.join("|")}))*$`);

export const SearchQuerySchema = z.object({
  q: z.string().trim().min(1).max(MAX_QUERY_LENGTH).openapi({
    description:
      "What to look for: names in Arabic or Latin script (spelling variants, harakat and common transliterations are folded), phone digits (any part of a number, in any digits), emails, VAT/CR numbers, deal titles. The last word matches as a prefix.",
    example: "محمد 0551",
  }),
  types: z.string().regex(KIND_LIST).optional().openapi({
    description: "Comma-separated kinds to search (default: all)",
    example: "contact,company,deal",
  }),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_RESULTS).default(DEFAULT_SEARCH_RESULTS),
});

export const SearchHitSchema = z
  .object({
    kind: z.enum(SEARCH_KINDS),
    id: z.string(),
    title: z.string().openapi({ description: "The contact's or company's name, or the deal's title" }),
    phone: z.string().nullable().openapi({ description: "Contacts: the first phone (E.164)" }),
    email: z.string().nullable().openapi({ description: "Contacts: the email" }),
    vatNumber: z.string().nullable().openapi({ description: "Companies: the VAT number" }),
    amountHalalas: HalalasSchema.nullable().openapi({ description: "Deals: the amount in halalas" }),
  })
  .openapi("SearchHit");

export const SearchResultsSchema = z
  .object({ data: z.array(SearchHitSchema).openapi({ description: "Best matches first" }) })
  .openapi("SearchResults");

export type SearchHit = z.infer<typeof SearchHitSchema>;
