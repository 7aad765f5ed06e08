import type { FC } from "hono/jsx";
import type { pendingInvitations } from "../../src/members/invitations.service";
import type { members } from "../../src/members/members.service";
import { hasRole, ROLES, type Role } from "../../src/platform/roles";
import { PHONE_INPUT_MAX_LENGTH } from "../../src/platform/schemas";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary, Field, Notice } from "../components/form";
import type { Dictionary, Locale } from "../i18n";

type Member = Awaited<ReturnType<typeof members>>["data"][number];
type Invitation = Awaited<ReturnType<typeof pendingInvitations>>["data"][number];

export interface TeamState {
  notice?: string | undefined;
  shareLink?: string | undefined;
  error?: string | undefined;
  inviteValues?: Record<string, string>;
  inviteErrors?: Record<string, string>;
}

interface TeamProps {
  t: Dictionary;
  locale: Locale;
  /** The tenant's time zone: expiry dates are shown on its calendar day. */
  timeZone: string | null;
  csrf: string;
  me: { userId: string; role: Role };
  members: Member[];
  invitations: Invitation[];
  state: TeamState;
}

const RoleOptions: FC<{ t: Dictionary; selected: Role; allowed: readonly Role[] }> = ({
  t,
  selected,
  allowed,
}) => (
  <>
    {allowed.map((role) => (
      <option value={role} selected={role === selected}>
        {t.account.roles[role]}
      </option>
    ))}
  </>
);

export const TeamPage: FC<TeamProps> = ({ t, locale, timeZone, csrf, me, members, invitations, state }) => {
  const isOwner = me.role === "owner";
  const invitableRoles = ROLES.filter((role) => hasRole(me.role, role));
  return (
    <section class="section">
      <div class="container stack" data-testid="team-page">
        <h1>{t.team.title}</h1>
        <Notice message={state.notice} />
        {state.shareLink ? (
          <p class="share-link" dir="ltr" data-testid="invite-link">
            {state.shareLink}
          </p>
        ) : null}
        <ErrorSummary message={state.error} />

        <div>
          <h2>{t.team.members}</h2>
          <div class="table-wrap">
            <table class="table" data-testid="members-table">
              <thead>
                <tr>
                  <th scope="col">{t.team.name}</th>
                  <th scope="col">{t.auth.email}</th>
                  <th scope="col">{t.team.role}</th>
                  {isOwner ? <th scope="col" /> : null}
                </tr>
              </thead>
              <tbody>
                {members.map((member) => (
                  <tr data-testid="member-row" data-user-id={member.userId}>
                    <td>
                      {member.name}{" "}
                      {member.userId === me.userId ? <span class="muted">{t.team.you}</span> : null}
                    </td>
                    <td dir="ltr">{member.email}</td>
                    <td>
                      {isOwner ? (
                        <form
                          method="post"
                          action={`/team/members/${member.userId}/role`}
                          class="inline-form"
                        >
                          <CsrfField token={csrf} />
                          <label class="visually-hidden" for={`role-${member.userId}`}>
                            {t.team.role}
                          </label>
                          <select id={`role-${member.userId}`} name="role">
                            <RoleOptions t={t} selected={member.role} allowed={ROLES} />
                          </select>
                          <button type="submit" class="button button--small">
                            {t.team.changeRole}
                          </button>
                        </form>
                      ) : (
                        t.account.roles[member.role]
                      )}
                    </td>
                    {isOwner ? (
                      <td>
                        <form
                          method="post"
                          action={`/team/members/${member.userId}/remove`}
                          class="inline-form"
                        >
                          <CsrfField token={csrf} />
                          <button type="submit" class="button button--small button--danger">
                            {t.team.remove}
                          </button>
                        </form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>

        <div class="panel">
          <h2 class="panel__title">{t.team.invite}</h2>
          <p class="muted">{t.team.inviteIntro}</p>
          <form method="post" action="/team/invitations" class="form" novalidate data-testid="invite-form">
            <CsrfField token={csrf} />
            <Field
              name="email"
              type="email"
              label={t.team.inviteEmail}
              value={state.inviteValues?.email}
              error={state.inviteErrors?.email}
              ltr
            />
            <Field
              name="phone"
              type="tel"
              label={t.team.invitePhone}
              value={state.inviteValues?.phone}
              error={state.inviteErrors?.phone}
              ltr
              inputmode="tel"
              maxlength={PHONE_INPUT_MAX_LENGTH}
            />
            <div class="field">
              <label for="invite-role">{t.team.role}</label>
              <select id="invite-role" name="role">
                <RoleOptions
                  t={t}
                  selected={(state.inviteValues?.role as Role | undefined) ?? "agent"}
                  allowed={invitableRoles}
                />
              </select>
            </div>
            <button type="submit" class="button button--primary">
              {t.team.sendInvite}
            </button>
          </form>
        </div>

        <div>
          <h2>{t.team.pending}</h2>
          {invitations.length === 0 ? (
            <p class="muted">{t.team.noPending}</p>
          ) : (
            <ul class="cards">
              {invitations.map((invitation) => (
                <li class="card" data-testid="invitation-row">
                  <p dir="ltr">{invitation.email ?? invitation.phone}</p>
                  <p class="muted">
                    {t.account.roles[invitation.role]} · {t.team.expires}{" "}
                    <DateText ms={Date.parse(invitation.expiresAt)} locale={locale} timeZone={timeZone} />
                  </p>
                  <form
                    method="post"
                    action={`/team/invitations/${invitation.id}/cancel`}
                    class="inline-form"
                  >
                    <CsrfField token={csrf} />
                    <button type="submit" class="button button--small button--danger">
                      {t.team.cancel}
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
};
