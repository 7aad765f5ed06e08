import type { FC } from "hono/jsx";
import type { ContactView } from "../../src/contacts/contact-view";
import type { currentStates } from "../../src/messaging/consents.service";
import { CONSENT_CHANNELS, MESSAGE_PURPOSES } from "../../src/messaging/messaging.schema";
import { DateText } from "../components/date";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import { CustomFieldValues } from "../custom-fields/custom-field-values";
import {
  ContactFields,
  type ContactFormState,
  memberName,
  type PageBase,
  StatusBadge,
  whatsappLink,
} from "./contact-form";

/** The contact's values as the edit form shows them. */
export const contactFormValues = (contact: ContactView): Record<string, string> => ({
  name: contact.name,
  phone: contact.phones[0] ?? "",
  phone2: contact.phones[1] ?? "",
  email: contact.email ?? "",
  source: contact.source,
  status: contact.status,
  ownerId: contact.ownerId ?? "",
  tags: contact.tags.join("، "),
  notes: contact.notes ?? "",
});

export type ConsentState = ReturnType<typeof currentStates>[number];

/** Every channel × purpose with its current consent (granted / withdrawn since a date, from a source) or none. */
const ConsentTable: FC<Pick<PageBase, "t" | "locale" | "timeZone"> & { consents: ConsentState[] }> = ({
  t,
  locale,
  timeZone,
  consents,
}) => {
  const labels = t.contacts.consents;
  return (
    <section class="card stack--tight" aria-labelledby="consents-heading" data-testid="consents">
      <h2 id="consents-heading">{labels.title}</h2>
      <p class="muted">{labels.intro}</p>
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{labels.channel}</th>
              {MESSAGE_PURPOSES.map((purpose) => (
                <th scope="col">{labels.purposes[purpose]}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {CONSENT_CHANNELS.map((channel) => (
              <tr>
                <th scope="row">{labels.channels[channel]}</th>
                {MESSAGE_PURPOSES.map((purpose) => {
                  const state = consents.find((c) => c.channel === channel && c.purpose === purpose);
                  return (
                    <td data-testid={`consent-${channel}-${purpose}`} data-status={state?.status ?? "none"}>
                      {state ? (
                        <>
                          <strong>
                            {state.status === "expired"
                              ? t.governance.consents.expired
                              : labels[state.status]}
                          </strong>{" "}
                          <DateText ms={Date.parse(state.since)} locale={locale} timeZone={timeZone} />
                          <span class="muted">
                            {" "}
                            ·{" "}
                            {state.source === "expiry"
                              ? t.governance.consents.sourceExpiry
                              : labels.sources[state.source]}
                          </span>
                        </>
                      ) : (
                        <span class="muted">{labels.none}</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
};

export const ContactPage: FC<
  PageBase & {
    contact: ContactView;
    duplicates: { id: string; name: string; matchedOn: "phone" | "email" | "name" }[];
    canAssign: boolean;
    form: ContactFormState;
    timeline?: unknown;
    consents: ConsentState[];
    /** The contact's WhatsApp thread in the inbox, when there is one. */
    conversationId: string | null;
  }
> = ({
  t,
  locale,
  timeZone,
  csrf,
  members,
  definitions,
  contact,
  duplicates,
  canAssign,
  form,
  timeline,
  consents,
  conversationId,
}) => (
  <section class="section">
    <div class="container stack" data-testid="contact-page" data-contact-id={contact.id}>
      <div>
        <h1 data-testid="contact-name">{contact.name}</h1>
        <p class="identifier">
          <StatusBadge t={t} status={contact.status} />
          <span class="muted">
            {t.contacts.owner}: {memberName(members, contact.ownerId, t)}
          </span>
          <span class="muted">
            {t.contacts.lastContacted}:{" "}
            {contact.lastContactedAt ? (
              <DateText ms={Date.parse(contact.lastContactedAt)} locale={locale} timeZone={timeZone} />
            ) : (
              t.contacts.never
            )}
          </span>
        </p>
      </div>
      {contact.mergedIntoId ? (
        <div class="alert alert--info" role="status">
          {t.contacts.mergedInto} <a href={`/contacts/${contact.mergedIntoId}`}>{t.contacts.openMerged}</a>
        </div>
      ) : null}
      <Notice message={form.notice} />
      <CustomFieldValues t={t} locale={locale} definitions={definitions} values={contact.custom} />
      <div class="actions" data-testid="contact-actions">
        {contact.phones[0] ? (
          <>
            <a class="button button--small" href={`tel:${contact.phones[0]}`}>
              {t.contacts.call}
            </a>
            <a
              class="button button--small"
              href={whatsappLink(contact.phones[0])}
              rel="noopener noreferrer"
              target="_blank"
            >
              {t.contacts.whatsapp}
            </a>
          </>
        ) : null}
        {contact.email ? (
          <a class="button button--small" href={`mailto:${contact.email}`}>
            {t.contacts.sendEmail}
          </a>
        ) : null}
        {conversationId ? (
          <a
            class="button button--small"
            href={`/inbox/${conversationId}`}
            data-testid="whatsapp-thread-link"
          >
            {t.contacts.whatsappThread}
          </a>
        ) : null}
      </div>

      <ConsentTable t={t} locale={locale} timeZone={timeZone} consents={consents} />

      <div class="card stack--tight" id="contact-timeline">
        {timeline ?? null}
      </div>

      {contact.mergedIntoId ? null : (
        <details class="card" open={Boolean(form.error)}>
          <summary>{t.contacts.edit}</summary>
          <form method="post" action={`/contacts/${contact.id}`} class="form" data-testid="edit-contact-form">
            <CsrfField token={csrf} />
            <input type="hidden" name="version" value={String(contact.version)} />
            <ErrorSummary message={form.error} />
            <ContactFields
              t={t}
              locale={locale}
              definitions={definitions}
              customValues={form.customValues ?? contact.custom}
              customErrors={form.customErrors ?? []}
              values={form.values ?? contactFormValues(contact)}
              errors={form.errors ?? {}}
              members={members}
              canAssign={canAssign}
              full
            />
            <button type="submit" class="button button--primary">
              {t.contacts.save}
            </button>
          </form>
        </details>
      )}

      {contact.mergedIntoId ? null : (
        <section class="card" aria-labelledby="duplicates-heading" data-testid="duplicates">
          <h2 id="duplicates-heading">{t.contacts.duplicates}</h2>
          {duplicates.length === 0 ? (
            <p class="muted">{t.contacts.noDuplicates}</p>
          ) : (
            <ul class="record-list">
              {duplicates.map((d) => (
                <li class="record-list__item" data-testid="duplicate-row">
                  <a href={`/contacts/${d.id}`}>{d.name}</a>
                  <span class="muted">{t.contacts.matchedOn[d.matchedOn]}</span>
                  <form method="post" action={`/contacts/${contact.id}/merge`} class="inline-form">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="otherId" value={d.id} />
                    <button type="submit" class="button button--small" title={t.contacts.mergeHint}>
                      {t.contacts.merge}
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  </section>
);
