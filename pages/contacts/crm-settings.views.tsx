import type { FC } from "hono/jsx";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { PageBase } from "./contact-form";

export const CrmSettingsPage: FC<
  PageBase & {
    settings: {
      visibility: "own" | "all";
      assignment: "manual" | "round_robin";
      roundRobinAgentIds: string[];
    };
    notice?: string | undefined;
    error?: string | undefined;
  }
> = ({ t, csrf, members, settings, notice, error }) => (
  <section class="section">
    <div class="container stack" data-testid="crm-settings-page">
      <h1>{t.crmSettings.title}</h1>
      <nav class="actions" aria-label={t.crmSettings.title}>
        <a href="/settings/custom-fields">{t.customFields.title}</a>
        <a href="/settings/templates">{t.templates.title}</a>
        <a href="/privacy/requests">{t.privacyRequests.nav}</a>
        <a href="/settings/retention">{t.governance.retention.title}</a>
        <a href="/consents/expiring">{t.governance.consents.title}</a>
        <a href="/privacy/records">{t.governance.privacy.recordsTitle}</a>
      </nav>
      <Notice message={notice} />
      <ErrorSummary message={error} />
      <form method="post" action="/settings/crm" class="form card">
        <CsrfField token={csrf} />
        <fieldset>
          <legend>{t.crmSettings.visibility}</legend>
          <label class="checkbox">
            <input type="radio" name="visibility" value="own" checked={settings.visibility === "own"} />{" "}
            {t.crmSettings.visibilityOwn}
          </label>
          <label class="checkbox">
            <input type="radio" name="visibility" value="all" checked={settings.visibility === "all"} />{" "}
            {t.crmSettings.visibilityAll}
          </label>
        </fieldset>
        <fieldset>
          <legend>{t.crmSettings.assignment}</legend>
          <label class="checkbox">
            <input type="radio" name="assignment" value="manual" checked={settings.assignment === "manual"} />{" "}
            {t.crmSettings.assignmentManual}
          </label>
          <label class="checkbox">
            <input
              type="radio"
              name="assignment"
              value="round_robin"
              checked={settings.assignment === "round_robin"}
            />{" "}
            {t.crmSettings.assignmentRoundRobin}
          </label>
        </fieldset>
        <fieldset>
          <legend>{t.crmSettings.agents}</legend>
          <p class="field__hint">{t.crmSettings.agentsHint}</p>
          {members.map((member) => (
            <label class="checkbox">
              <input
                type="checkbox"
                name="agents"
                value={member.userId}
                checked={settings.roundRobinAgentIds.includes(member.userId)}
              />{" "}
              {member.name}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="button button--primary">
          {t.crmSettings.save}
        </button>
      </form>
    </div>
  </section>
);
