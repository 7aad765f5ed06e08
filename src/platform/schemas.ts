// The field schemas every model shares, defined once so that an email, a phone number or an id is
// accepted, normalised and documented the same way in every capability and every form.
import { z } from "@hono/zod-openapi";
// The "mobile" metadata holds the exact number patterns for mobile numbers only: enough to tell a
// mobile from a landline, at about 60% of the size of the full ("max") metadata.
import { parsePhoneNumberFromString } from "libphonenumber-js/mobile";
import { type IdPrefix, idPattern } from "./ids";

/** Trimmed and lower-cased before it is checked, so `" Noura@Example.SA "` is one address. */
export const EmailSchema = z
  .preprocess((value) => (typeof value === "string" ? value.trim().toLowerCase() : value), z.email().max(254))
  .openapi({ example: "noura@riyadh-realty.sa" });

/** A person's name as they write it, in any script. */
export const PersonNameSchema = z.string().trim().min(2).max(100).openapi({ example: "نورة العتيبي" });

/** Money is never a float: an amount in halalas (1 SAR = 100 halalas). */
export const HalalasSchema = z
  .int()
  .nonnegative()
  .openapi({ description: "Amount in SAR halalas (1 SAR = 100 halalas)", example: 150000 });

/** A UTC instant as the API writes it (`Date.prototype.toISOString`). */
export const DateTimeSchema = z.iso.datetime().openapi({ example: "2026-11-29T09:30:00.000Z" });

/** A prefixed id (`usr_…`) in a body, query or response. */
export const idSchema = (prefix: IdPrefix) =>
  z
    .string()
    .regex(idPattern(prefix))
    .openapi({ example: `${prefix}_4f9c1b7e2a6d8c03e5b1` });

// Phones copy numbers with invisible direction marks around them (most often in right-to-left
// text): LRM/RLM, the Arabic letter mark, the embedding/override and isolate controls, zero-width
// spaces and a stray byte-order mark. They carry no digits, so they are dropped before parsing.
const INVISIBLE_MARKS = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const PHONE_MESSAGES = {
  invalid: "Enter a mobile number such as 05XXXXXXXX or +9665XXXXXXXX.",
  notMobile: "This is not a mobile number; enter one that has WhatsApp (landlines cannot receive codes).",
};

/** Room for a number pasted with spaces, brackets and invisible marks; forms use the same limit. */
export const PHONE_INPUT_MAX_LENGTH = 40;

/**
 * A mobile number that can receive WhatsApp, in any form people type or paste: Saudi local forms
 * (`05…`, `5…`, `9665…`, `009665…`, `+966 (0)5…`), other countries with `+` or `00`, Arabic-Indic
 * or full-width digits, spaces, dashes, dots and parentheses. Stored and returned as E.164. A number
 * of the right length that is not a mobile (a Riyadh landline, `+966 11 …`) is refused with its own
 * message, because a WhatsApp code or invitation could never reach it.
 */
export const MobilePhoneSchema = z
  .string()
  .max(PHONE_INPUT_MAX_LENGTH)
  .transform((input, ctx) => {
    const parsed = parsePhoneNumberFromString(input.replace(INVISIBLE_MARKS, ""), {
      defaultCountry: "SA",
      extract: false,
    });
    // An extension ("x5", "ext 12") would be silently dropped from the stored number: refused.
    const number = parsed?.ext ? undefined : parsed;
    const type = number?.getType();
    if (number?.isValid() && (type === "MOBILE" || type === "FIXED_LINE_OR_MOBILE")) return number.number;
    ctx.addIssue({
      code: "custom",
      message: number?.isPossible() ? PHONE_MESSAGES.notMobile : PHONE_MESSAGES.invalid,
    });
    return z.NEVER;
  })
  .openapi({
    example: "+966551234567",
    description:
      "A mobile number that can receive WhatsApp, in E.164 or a Saudi local form such as 05XXXXXXXX; stored as E.164. Landlines are refused.",
  });
