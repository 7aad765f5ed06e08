import type { FC } from "hono/jsx";
import qrcode from "qrcode-generator";
import type { TaxInvoiceView } from "../../src/billing/tax-invoices.service";
import { sarAmount } from "../../src/billing/zatca-qr";
import { formatDate } from "../components/date";
import { formatSar } from "../deals/money";
import type { Dictionary, Locale } from "../i18n";

// Saudi invoices carry both languages whatever the reader's: Arabic is the legal text.
const SAUDI_TIME_ZONE = "Asia/Riyadh";

/** The ZATCA QR payload as an SVG image (a data URL: no script, nothing to escape). */
function qrImage(payload: string): string {
  // Level M: recoverable when a printed code is a little damaged, still small for ~150 bytes.
  const code = qrcode(0, "M");
  code.addData(payload);
  code.make();
  const svg = code.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
  const bytes = new TextEncoder().encode(svg);
  return `data:image/svg+xml;base64,${btoa(String.fromCharCode(...bytes))}`;
}

const timeOf = (ms: number) =>
  new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone: SAUDI_TIME_ZONE,
  }).format(ms);

const Both: FC<{ ar: string; en: string }> = ({ ar, en }) => (
  <>
    <span lang="ar" dir="rtl">
      {ar}
    </span>
    {" / "}
    <span lang="en" dir="ltr">
      {en}
    </span>
  </>
);

const amount = (halalas: number) => `${sarAmount(halalas)} SAR`;

/** The printable document: title, parties, lines, totals and the QR, in Arabic and English. */
export const TaxInvoiceDocument: FC<{ t: Dictionary; invoice: TaxInvoiceView }> = ({ t, invoice }) => {
  const issuedMs = Date.parse(invoice.issuedAt);
  const arDate = formatDate(issuedMs, "ar", SAUDI_TIME_ZONE);
  const enDate = formatDate(issuedMs, "en", SAUDI_TIME_ZONE);
  return (
    <article class="tax-invoice" data-testid="tax-invoice">
      <p class="tax-invoice__actions no-print">
        <a href="/billing">{t.taxInvoices.back}</a>
      </p>
      <header class="tax-invoice__head">
        <div>
          <h1 data-testid="invoice-title">
            <Both {...invoice.title} />
          </h1>
          <dl class="definition">
            <dt>
              <Both ar="رقم الفاتورة" en="Invoice number" />
            </dt>
            <dd data-testid="invoice-number">{invoice.number}</dd>
            <dt>
              <Both ar="تاريخ ووقت الإصدار" en="Issue date and time" />
            </dt>
            <dd>
              <time datetime={invoice.issuedAt}>
                {arDate.gregorian} ({arDate.hijri}) — {enDate.gregorian}, {timeOf(issuedMs)} (
                {SAUDI_TIME_ZONE})
              </time>
            </dd>
            {invoice.kind === "credit_note" ? (
              <>
                <dt>
                  <Both ar="سبب الإشعار" en="Reason" />
                </dt>
                <dd>{invoice.reason}</dd>
              </>
            ) : null}
          </dl>
        </div>
        <img
          class="tax-invoice__qr"
          src={qrImage(invoice.qr.payload)}
          width={160}
          height={160}
          alt={`ZATCA QR: ${invoice.qr.decoded.sellerName}, ${invoice.qr.decoded.vatNumber}, ${invoice.qr.decoded.timestamp}, ${invoice.qr.decoded.totalWithVat}, ${invoice.qr.decoded.vatTotal}`}
          data-testid="invoice-qr"
        />
      </header>

      <section class="tax-invoice__parties">
        <div data-testid="seller">
          <h2>
            <Both ar="البائع" en="Seller" />
          </h2>
          <p>
            <Both {...invoice.seller.name} />
          </p>
          <p>
            <Both ar="الرقم الضريبي" en="VAT number" />: <bdi>{invoice.seller.vatNumber}</bdi>
          </p>
          <p>{invoice.seller.address}</p>
        </div>
        <div data-testid="buyer">
          <h2>
            <Both ar="المشتري" en="Buyer" />
          </h2>
          <p>{invoice.buyer.name}</p>
          {invoice.buyer.vatNumber ? (
            <p>
              <Both ar="الرقم الضريبي" en="VAT number" />: <bdi>{invoice.buyer.vatNumber}</bdi>
            </p>
          ) : null}
          {invoice.buyer.address ? <p>{invoice.buyer.address}</p> : null}
        </div>
      </section>

      <div class="table-wrap">
        <table class="table tax-invoice__lines">
          <thead>
            <tr>
              <th scope="col">
                <Both ar="الوصف" en="Description" />
              </th>
              <th scope="col">
                <Both ar="الكمية" en="Qty" />
              </th>
              <th scope="col">
                <Both ar="سعر الوحدة (قبل الضريبة)" en="Unit price (before VAT)" />
              </th>
              <th scope="col">
                <Both ar="المبلغ الخاضع للضريبة" en="Taxable amount" />
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line) => (
              <tr>
                <td>
                  <Both {...line.description} />
                </td>
                <td>{line.quantity}</td>
                <td>{amount(line.unitPriceHalalas)}</td>
                <td>{amount(line.netHalalas)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <dl class="definition tax-invoice__totals" data-testid="totals">
        <dt>
          <Both ar="الإجمالي قبل الضريبة" en="Total before VAT" />
        </dt>
        <dd>{amount(invoice.subtotalHalalas)}</dd>
        <dt>
          <Both
            ar={`ضريبة القيمة المضافة ${invoice.vatRatePercent}٪`}
            en={`VAT ${invoice.vatRatePercent}%`}
          />
        </dt>
        <dd>{amount(invoice.vatHalalas)}</dd>
        <dt>
          <Both ar="الإجمالي شامل الضريبة" en="Total with VAT" />
        </dt>
        <dd>
          <strong data-testid="total">{amount(invoice.totalHalalas)}</strong>
        </dd>
      </dl>
      <p class="muted">
        <Both ar={`مرجع الدفع: ${invoice.paymentRef}`} en={`Payment reference: ${invoice.paymentRef}`} />
      </p>
    </article>
  );
};

export interface TaxInvoiceListItem {
  id: string;
  number: string;
  title: { ar: string; en: string };
  totalHalalas: number;
  issuedAt: string;
}

/**
 * The tenant's invoices as a section the billing page includes: number, type, date, total and a
 * link to the printable page, with a "more" link carrying the next cursor.
 */
export const TaxInvoicesSection: FC<{
  t: Dictionary;
  locale: Locale;
  timeZone: string | null;
  invoices: TaxInvoiceListItem[];
  nextCursor: string | null;
  /** The including page's path, for the "more" link. */
  path: string;
}> = ({ t, locale, timeZone, invoices, nextCursor, path }) => (
  <section class="section" aria-labelledby="tax-invoices-heading" data-testid="tax-invoices">
    <h2 id="tax-invoices-heading">{t.taxInvoices.listHeading}</h2>
    {invoices.length === 0 ? (
      <p class="empty-state">{t.taxInvoices.empty}</p>
    ) : (
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t.taxInvoices.number}</th>
              <th scope="col">{t.taxInvoices.issuedAt}</th>
              <th scope="col">{t.taxInvoices.total}</th>
              <th scope="col">
                <span class="visually-hidden">{t.taxInvoices.open}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((invoice) => (
              <tr>
                <td>
                  {invoice.number}
                  <br />
                  <span class="muted">{invoice.title[locale]}</span>
                </td>
                <td>{formatDate(Date.parse(invoice.issuedAt), locale, timeZone).gregorian}</td>
                <td>{formatSar(invoice.totalHalalas, locale)}</td>
                <td>
                  <a href={`/billing/invoices/${invoice.id}`}>{t.taxInvoices.open}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {nextCursor ? (
      <a class="button" href={`${path}?invoices=${encodeURIComponent(nextCursor)}`}>
        {t.taxInvoices.more}
      </a>
    ) : null}
  </section>
);
