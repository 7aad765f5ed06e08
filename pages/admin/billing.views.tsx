import type { FC } from "hono/jsx";
import type { billingTenants } from "../../src/admin/billing-console.service";
import { CsrfField } from "../components/form";
import { formatSar } from "../deals/money";
import type { Dictionary, Locale } from "../i18n";
import { DateTime } from "./admin.views";

type BillingTenant = Awaited<ReturnType<typeof billingTenants>>["data"][number];

const Iso: FC<{ iso: string | null; locale: Locale }> = ({ iso, locale }) =>
  iso === null ? <span>—</span> : <DateTime ms={Date.parse(iso)} locale={locale} />;

export type BillingNotice = "extended" | "credited";

export interface BillingConsolePageProps {
  t: Dictionary;
  locale: Locale;
  csrf: string;
  tenants: BillingTenant[];
  nextCursor: string | null;
  notice: BillingNotice | null;
}

export const BillingConsolePage: FC<BillingConsolePageProps> = ({
  t,
  locale,
  csrf,
  tenants,
  nextCursor,
  notice,
}) => {
  const b = t.admin.billing;
  return (
    <section class="section">
      <div class="container stack" data-testid="billing-console-page">
        <p>
          <a href="/admin">{t.admin.consoleTitle}</a>
        </p>
        <h1>{b.title}</h1>
        <p class="muted">{b.intro}</p>
        {notice && (
          <p class="alert alert--info" role="status" data-testid="billing-notice">
            {b[notice]}
          </p>
        )}
        {tenants.length === 0 ? (
          <p class="empty-state">{b.none}</p>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{b.tenant}</th>
                  <th scope="col">{b.plan}</th>
                  <th scope="col">{b.status}</th>
                  <th scope="col">{b.trialEnds}</th>
                  <th scope="col">{b.periodEnds}</th>
                  <th scope="col">{b.lastPayment}</th>
                  <th scope="col">{b.extendTrial}</th>
                  <th scope="col">{b.grantCredit}</th>
                </tr>
              </thead>
              <tbody>
                {tenants.map((tenant) => (
                  <tr data-testid="billing-tenant" data-id={tenant.tenantId}>
                    <td>
                      {tenant.name[locale]}
                      <div class="muted" dir="ltr">
                        <code>{tenant.tenantId}</code>
                      </div>
                    </td>
                    <td>
                      {tenant.plan} ({tenant.period})
                    </td>
                    <td>
                      <span class="badge">{tenant.status}</span>
                    </td>
                    <td>
                      <Iso iso={tenant.trialEndsAt} locale={locale} />
                    </td>
                    <td>
                      <Iso iso={tenant.currentPeriodEnd} locale={locale} />
                    </td>
                    <td>
                      {tenant.lastPayment ? (
                        <span>
                          {tenant.lastPayment.status} · {formatSar(tenant.lastPayment.amountHalalas, locale)}{" "}
                          · <Iso iso={tenant.lastPayment.at} locale={locale} />
                        </span>
                      ) : (
                        <span>—</span>
                      )}
                    </td>
                    <td>
                      <form
                        method="post"
                        action={`/admin/billing/${tenant.tenantId}/extend-trial`}
                        class="inline-form"
                      >
                        <CsrfField token={csrf} />
                        <label>
                          {b.days} <input type="number" name="days" min="1" max="30" value="7" required />
                        </label>
                        <label>
                          {b.reason}{" "}
                          <input type="text" name="reason" minlength={3} maxlength={500} required />
                        </label>
                        <button type="submit" class="button button--small">
                          {b.extendTrial}
                        </button>
                      </form>
                    </td>
                    <td>
                      <form
                        method="post"
                        action={`/admin/billing/${tenant.tenantId}/credits`}
                        class="inline-form"
                      >
                        <CsrfField token={csrf} />
                        <label>
                          {b.amountSar}{" "}
                          <input type="number" name="amountSar" min="1" max="10000" step="0.01" required />
                        </label>
                        <label>
                          {b.reason}{" "}
                          <input type="text" name="reason" minlength={3} maxlength={500} required />
                        </label>
                        <button type="submit" class="button button--small">
                          {b.grantCredit}
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {nextCursor && (
          <p>
            <a href={`/admin/billing?cursor=${encodeURIComponent(nextCursor)}`}>{b.more}</a>
          </p>
        )}
      </div>
    </section>
  );
};
