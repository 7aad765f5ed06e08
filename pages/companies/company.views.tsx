import type { FC } from "hono/jsx";
import type { NationalAddress } from "../../src/companies/companies.schema";
import type { CompanyView } from "../../src/companies/companies.service";
import type { ContactView } from "../../src/contacts/contact-view";
import type { DealView } from "../../src/deals/deal-view";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import { StatusBadge } from "../contacts/contact-form";
import { CustomFieldValues, formatMoney } from "../custom-fields/custom-field-values";
import type { Dictionary } from "../i18n";
import { CompanyFields, type CompanyFormState, memberName, type PageBase } from "./company-form";

/** The national address on one line, in the order it is written on an envelope. */
const addressLine = (address: NationalAddress | null, locale: "ar" | "en") => {
  if (!address) return "";
  const parts = [
    [address.buildingNumber, address.street].filter(Boolean).join(" "),
    address.district,
    [address.city, address.postalCode].filter(Boolean).join(" "),
    address.additionalNumber,
  ].filter((part): part is string => Boolean(part));
  return parts.join(locale === "ar" ? "، " : ", ");
};

const Detail: FC<{ label: string; testid: string; children: unknown }> = ({ label, testid, children }) => (
  <div class="custom-values__row" data-testid={testid}>
    <dt>{label}</dt>
    <dd>{children}</dd>
  </div>
);

/** The company's contacts and deals the reader may see (the lists are read with their visibility). */
export interface CompanyRelations {
  contacts: ContactView[];
  moreContacts: boolean;
  deals: DealView[];
  moreDeals: boolean;
}

const Related: FC<{ t: Dictionary; locale: "ar" | "en"; relations: CompanyRelations }> = ({
  t,
  locale,
  relations,
}) => (
  <>
    <section class="card stack--tight" aria-labelledby="company-contacts" data-testid="company-contacts">
      <h2 id="company-contacts">{t.companies.contacts}</h2>
      {relations.contacts.length === 0 ? (
        <p class="muted">{t.companies.noContacts}</p>
      ) : (
        <ul class="record-list">
          {relations.contacts.map((contact) => (
            <li class="record-list__item" data-contact-id={contact.id}>
              <a href={`/contacts/${contact.id}`} class="record-list__title">
                {contact.name}
              </a>
              <StatusBadge t={t} status={contact.status} />
              {contact.phones[0] ? (
                <a href={`tel:${contact.phones[0]}`} dir="ltr">
                  {contact.phones[0]}
                </a>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {relations.moreContacts ? <p class="muted">{t.companies.more}</p> : null}
    </section>
    <section class="card stack--tight" aria-labelledby="company-deals" data-testid="company-deals">
      <h2 id="company-deals">{t.companies.deals}</h2>
      {relations.deals.length === 0 ? (
        <p class="muted">{t.companies.noDeals}</p>
      ) : (
        <ul class="record-list">
          {relations.deals.map((deal) => (
            <li class="record-list__item" data-deal-id={deal.id}>
              <a href={`/deals/${deal.id}`} class="record-list__title">
                {deal.title}
              </a>
              <span class="badge">{t.companies.dealStatuses[deal.status]}</span>
              <span class="amount">{formatMoney(deal.amountHalalas, locale)}</span>
            </li>
          ))}
        </ul>
      )}
      {relations.moreDeals ? <p class="muted">{t.companies.more}</p> : null}
    </section>
  </>
);

export const CompanyPage: FC<
  PageBase & {
    company: CompanyView;
    relations: CompanyRelations;
    canAssign: boolean;
    form: CompanyFormState;
    formValues: Record<string, string>;
  }
> = ({ t, locale, csrf, members, definitions, company, relations, canAssign, form, formValues }) => {
  const address = addressLine(company.nationalAddress, locale);
  return (
    <section class="section">
      <div class="container stack" data-testid="company-page" data-company-id={company.id}>
        <div>
          <p>
            <a href="/companies">{t.companies.title}</a>
          </p>
          <h1 data-testid="company-name">{company.name}</h1>
          <p class="identifier">
            <span class="muted">
              {t.companies.owner}: {memberName(members, company.ownerId, t)}
            </span>
            <span class="muted">
              {t.companies.contactCount}: {company.contactCount}
            </span>
          </p>
        </div>
        <Notice message={form.notice} />
        <section class="card stack--tight" aria-labelledby="company-details">
          <h2 id="company-details">{t.companies.details}</h2>
          <dl class="custom-values company-details">
            <Detail label={t.companies.vatLabel} testid="company-vat">
              <span dir="ltr">{company.vatNumber ?? "—"}</span>
            </Detail>
            <Detail label={t.companies.crLabel} testid="company-cr">
              <span dir="ltr">{company.crNumber ?? "—"}</span>
            </Detail>
            <Detail label={t.companies.addressLabel} testid="company-address">
              {address || "—"}
            </Detail>
            <Detail label={t.companies.websiteLabel} testid="company-website">
              {company.website ? (
                <a
                  href={company.website}
                  dir="ltr"
                  rel="noopener noreferrer nofollow"
                  target="_blank"
                  class="custom-field__url"
                >
                  {company.website.replace(/^https?:\/\//, "")}
                </a>
              ) : (
                "—"
              )}
            </Detail>
          </dl>
          <CustomFieldValues t={t} locale={locale} definitions={definitions} values={company.custom} />
        </section>

        <Related t={t} locale={locale} relations={relations} />

        <details class="card" open={Boolean(form.error)}>
          <summary>{t.companies.edit}</summary>
          <form
            method="post"
            action={`/companies/${company.id}`}
            class="form"
            novalidate
            data-testid="edit-company-form"
          >
            <CsrfField token={csrf} />
            <input type="hidden" name="version" value={String(company.version)} />
            <ErrorSummary message={form.error} />
            <CompanyFields
              t={t}
              locale={locale}
              definitions={definitions}
              customValues={form.customValues ?? company.custom}
              customErrors={form.customErrors ?? []}
              values={formValues}
              errors={form.errors ?? {}}
              members={members}
              canAssign={canAssign}
              full
            />
            <button type="submit" class="button button--primary">
              {t.companies.save}
            </button>
          </form>
        </details>
      </div>
    </section>
  );
};
