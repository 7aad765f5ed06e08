import { ar } from "./ar";
import { en } from "./en";

export type Locale = "ar" | "en";
export type Dictionary = typeof ar;

export const LOCALE_COOKIE = "lang";
export const DEFAULT_LOCALE: Locale = "ar";

const dictionaries: Record<Locale, Dictionary> = { ar, en };

export const dictionaryFor = (locale: Locale): Dictionary => dictionaries[locale];
export const directionOf = (locale: Locale) => (locale === "ar" ? "rtl" : "ltr");
export const isLocale = (value: unknown): value is Locale => value === "ar" || value === "en";
