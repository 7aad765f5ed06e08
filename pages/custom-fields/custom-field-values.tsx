// The custom values of a record as people read them, for the contact, company and deal pages.
import type { FC } from "hono/jsx";
import type { CustomValues } from "../../src/contacts/contacts.schema";
import type { CustomFieldDefinitionRow } from "../../src/custom-fields/custom-fields.repo";
import { isCalendarDate } from "../../src/custom-fields/custom-values";
import { formatDate } from "../components/date";
import type { Dictionary, Locale } from "../i18n";
import { labelOf } from "./custom-field-inputs";

type Definition = Pick<
  CustomFieldDefinitionRow,
  "key" | "type" | "options" | "archivedAt" | "labelAr" | "labelEn"
>;

// One formatter per locale and kind for the isolate's life (building one costs far more than using it).
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: Locale, money: boolean) {
  const key = `${locale}|${money}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale === "ar" ? "ar-SA-u-nu-arab" : "en-SA-u-nu-latn", {
      ...(money ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { maximumFractionDigits: 6 }),
    });
    numberFormats.set(key, format);
  }
  return format;
}

/** An amount in halalas as `١٬٥٠٠٫٠٠ ر.س` (Arabic) or `SAR 1,500.00` (English). */
export function formatMoney(halalas: number, locale: Locale): string {
  const amount = numberFormat(locale, true).format(halalas / 100);
  return locale === "ar" ? `${amount} ر.س` : `SAR ${amount}`;
}

export const formatNumber = (value: number, locale: Locale) => numberFormat(locale, false).format(value);

/** A calendar date (YYYY-MM-DD, no time zone) with its Hijri date beside it. */
export const CalendarDateText: FC<{ date: string; locale: Locale }> = ({ date, locale }) => {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  // Noon UTC of that day, read in UTC: the same calendar day whatever the tenant's zone.
  const { gregorian, hijri } = formatDate(Date.UTC(year, month - 1, day, 12), locale, "UTC");
  return (
    <time datetime={date}>
      {gregorian} ({hijri})
    </time>
  );
};

const optionLabel = (definition: Definition, value: string, locale: Locale) => {
  const option = (definition.options ?? []).find((o) => o.value === value);
  // An option removed since the value was saved: the stored value is all there is to show.
  return option ? labelOf(option, locale) : value;
};

const ValueText: FC<{ definition: Definition; value: NonNullable<CustomValues[string]>; locale: Locale }> = ({
  definition,
  value,
  locale,
}) => {
  switch (definition.type) {
    case "money":
      return typeof value === "number" ? (
        <span class="amount">{formatMoney(value, locale)}</span>
      ) : (
        String(value)
      );
    case "number":
      return typeof value === "number" ? formatNumber(value, locale) : String(value);
    case "date":
      return typeof value === "string" && isCalendarDate(value) ? (
        <CalendarDateText date={value} locale={locale} />
      ) : (
        String(value)
      );
    case "select":
      return <>{optionLabel(definition, String(value), locale)}</>;
    case "multi_select":
      return (
        <>
          {(Array.isArray(value) ? value : [String(value)])
            .map((item) => optionLabel(definition, item, locale))
            .join(locale === "ar" ? "، " : ", ")}
        </>
      );
    case "phone":
      return (
        <a href={`tel:${value}`} dir="ltr">
          {String(value)}
        </a>
      );
    case "url":
      return /^https?:\/\//i.test(String(value)) ? (
        <a
          href={String(value)}
          dir="ltr"
          rel="noopener noreferrer nofollow"
          target="_blank"
          class="custom-field__url"
        >
          {String(value)}
        </a>
      ) : (
        String(value)
      );
    default:
      return <>{String(value)}</>;
  }
};

/**
 * The record's custom values as a list of label and value, in the fields' order; fields without
 * a value are left out, archived fields' stored values are shown (marked archived).
 */
export const CustomFieldValues: FC<{
  t: Dictionary;
  locale: Locale;
  definitions: readonly Definition[];
  values: CustomValues | null | undefined;
}> = ({ t, locale, definitions, values }) => {
  const shown = definitions.filter((d) => {
    const value = values?.[d.key];
    return value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0);
  });
  if (shown.length === 0) return null;
  return (
    <dl class="custom-values" data-testid="custom-values">
      {shown.map((definition) => (
        <div class="custom-values__row" data-custom-field={definition.key}>
          <dt>
            {labelOf(definition, locale)}
            {definition.archivedAt !== null ? <span class="muted"> ({t.customFields.archived})</span> : null}
          </dt>
          <dd>
            <ValueText
              definition={definition}
              value={values?.[definition.key] as NonNullable<CustomValues[string]>}
              locale={locale}
            />
          </dd>
        </div>
      ))}
    </dl>
  );
};
