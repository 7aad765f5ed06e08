import type { FC } from "hono/jsx";
import type { account } from "../../src/auth/account.service";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

type Account = Awaited<ReturnType<typeof account>>;

/** What the account page shows besides the account: a message, and a form the person is in. */
export interface AccountState {
  notice?: string | undefined;
  error?: string | undefined;
  /** A phone a code was just sent to, waiting for that code (the account's own or a new one). */
  pendingPhone?: string | undefined;
  values?: Record<string, string>;
  errors?: Partial<Record<"email" | "phone" | "code", string>>;
}

const VerifiedBadge: FC<{ t: Dictionary; verified: boolean; name: string }> = ({ t, verified, name }) => (
  <span
    class={verified ? "badge badge--ok" : "badge badge--warn"}
    data-testid={`${name}-status`}
    data-verified={verified ? "true" : "false"}
  >
    {verified ? t.account.verified : t.account.unverified}
  </span>
);

const EmailSection: FC<{ t: Dictionary; csrf: string; account: Account; state: AccountState }> = ({
  t,
  csrf,
  account,
  state,
}) => (
  <div class="stack stack--tight" data-testid="account-email">
    <h2>{t.account.email}</h2>
    <p class="identifier">
      <span dir="ltr">{account.user.email}</span>{" "}
      <VerifiedBadge t={t} verified={account.user.emailVerified} name="email" />
    </p>
    {account.user.emailVerified ? null : (
      <form method="post" action="/account/email/verification" class="form">
        <CsrfField token={csrf} />
        <input type="hidden" name="email" value={account.user.email} />
        <p class="muted">{t.account.emailUnverifiedHint}</p>
        <button type="submit" class="button button--primary">
          {t.account.sendLink}
        </button>
      </form>
    )}
    <details open={state.errors?.email ? true : undefined}>
      <summary>{t.account.changeEmail}</summary>
      <form method="post" action="/account/email/verification" class="form" novalidate>
        <CsrfField token={csrf} />
        <Field
          name="email"
          type="email"
          label={t.account.newEmail}
          hint={t.account.newEmailHint}
          value={state.values?.email}
          error={state.errors?.email}
          autocomplete="email"
          required
          ltr
        />
        <button type="submit" class="button">
          {t.account.sendLink}
        </button>
      </form>
    </details>
  </div>
);

const PhoneSection: FC<{ t: Dictionary; csrf: string; account: Account; state: AccountState }> = ({
  t,
  csrf,
  account,
  state,
}) => {
  const { phone, phoneVerified } = account.user;
  // A code is awaited for a number just sent one, or else for the account's unverified number
  // (sign-up sent it a code).
  const pendingPhone = state.pendingPhone ?? (phone && !phoneVerified ? phone : undefined);
  return (
    <div class="stack stack--tight" data-testid="account-phone">
      <h2>{t.account.phone}</h2>
      {phone ? (
        <p class="identifier">
          <span dir="ltr">{phone}</span> <VerifiedBadge t={t} verified={phoneVerified} name="phone" />
        </p>
      ) : (
        <p class="muted">{t.account.noPhone}</p>
      )}
      {phone && !phoneVerified ? <p class="muted">{t.account.phoneUnverifiedHint}</p> : null}
      {pendingPhone ? (
        <>
          <form
            method="post"
            action="/account/phone/verify"
            class="form"
            novalidate
            data-testid="phone-code-form"
          >
            <CsrfField token={csrf} />
            <input type="hidden" name="phone" value={pendingPhone} />
            <p>
              {t.account.enterCodeFor} <span dir="ltr">{pendingPhone}</span>
            </p>
            <Field
              name="code"
              label={t.account.code}
              value=""
              error={state.errors?.code}
              autocomplete="one-time-code"
              required
              maxlength={6}
              ltr
              inputmode="numeric"
            />
            <button type="submit" class="button button--primary">
              {t.account.verifyPhone}
            </button>
          </form>
          <form method="post" action="/account/phone/verification" class="inline-form">
            <CsrfField token={csrf} />
            <input type="hidden" name="phone" value={pendingPhone} />
            <button type="submit" class="link-button">
              {t.account.resendCode}
            </button>
          </form>
        </>
      ) : null}
      <details open={state.errors?.phone ? true : undefined}>
        <summary>{phone ? t.account.changePhone : t.account.addPhone}</summary>
        <form method="post" action="/account/phone/verification" class="form" novalidate>
          <CsrfField token={csrf} />
          <Field
            name="phone"
            type="tel"
            label={t.account.newPhone}
            hint={t.account.newPhoneHint}
            value={state.values?.phone}
            error={state.errors?.phone}
            autocomplete="tel"
            required
            maxlength={32}
            ltr
            inputmode="tel"
          />
          <button type="submit" class="button">
            {t.account.sendCode}
          </button>
        </form>
      </details>
    </div>
  );
};

export const AccountPage: FC<{
  t: Dictionary;
  locale: Locale;
  csrf: string;
  account: Account;
  state: AccountState;
}> = ({ t, locale, csrf, account, state }) => {
  const others = account.workspaces.filter((w) => w.tenantId !== account.tenant.id);
  return (
    <section class="section">
      <div class="container narrow stack" data-testid="account-page">
        <div>
          <h1>{t.account.title}</h1>
          <p class="lead">{account.user.name}</p>
        </div>
        <Notice message={state.notice} />
        <ErrorSummary message={state.error} />
        <dl class="definition">
          <dt>{t.account.workspace}</dt>
          <dd data-testid="account-tenant">{account.tenant.name[locale]}</dd>
          <dt>{t.account.role}</dt>
          <dd data-testid="account-role">{t.account.roles[account.role]}</dd>
        </dl>
        <EmailSection t={t} csrf={csrf} account={account} state={state} />
        <PhoneSection t={t} csrf={csrf} account={account} state={state} />
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

/** The page an emailed link opens: one button, so that opening the link alone changes nothing. */
export const ConfirmEmailPage: FC<{ t: Dictionary; csrf: string; token: string }> = ({ t, csrf, token }) => (
  <section class="section">
    <div class="container auth-card" data-testid="confirm-email-page">
      <h1>{t.account.confirmEmailTitle}</h1>
      <p class="muted">{t.account.confirmEmailIntro}</p>
      <form method="post" action="/account/email/verify" class="form">
        <CsrfField token={csrf} />
        <input type="hidden" name="token" value={token} />
        <button type="submit" class="button button--primary">
          {t.account.confirmEmail}
        </button>
      </form>
    </div>
  </section>
);
