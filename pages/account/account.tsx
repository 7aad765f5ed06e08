import type { FC } from "hono/jsx";
import type { account } from "../../src/auth/account.service";
import type { Dictionary, Locale } from "../i18n";

type Account = Awaited<ReturnType<typeof account>>;

export const AccountPage: FC<{ t: Dictionary; locale: Locale; account: Account }> = ({
  t,
  locale,
  account,
}) => {
  const others = account.workspaces.filter((w) => w.tenantId !== account.tenant.id);
  return (
    <section class="section">
      <div class="container narrow stack" data-testid="account-page">
        <div>
          <h1>{t.account.title}</h1>
          <p class="lead">{account.user.name}</p>
        </div>
        <dl class="definition">
          <dt>{t.account.workspace}</dt>
          <dd data-testid="account-tenant">{account.tenant.name[locale]}</dd>
          <dt>{t.account.role}</dt>
          <dd data-testid="account-role">{t.account.roles[account.role]}</dd>
          <dt>{t.account.email}</dt>
          <dd dir="ltr">{account.user.email}</dd>
          {account.user.phone ? (
            <>
              <dt>{t.account.phone}</dt>
              <dd dir="ltr">{account.user.phone}</dd>
            </>
          ) : null}
        </dl>
        <div>
          <h2>{t.account.workspaces}</h2>
          {others.length === 0 ? (
            <p class="muted">{t.account.noOtherWorkspaces}</p>
          ) : (
            <ul>
              {others.map((w) => (
                <li>
                  {w.name[locale]} — {t.account.roles[w.role]}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
};
