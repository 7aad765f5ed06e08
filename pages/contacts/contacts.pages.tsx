import { type Context, Hono } from "hono";
import type { ContactView } from "../../src/contacts/contact-view";
import { contactWorkspace } from "../../src/contacts/contact-workspace";
import {
  ContactListQuerySchema,
  CreateContactInputSchema,
  UpdateContactInputSchema,
} from "../../src/contacts/contacts.model";
import { createContact, listContactsFor, updateContactFor } from "../../src/contacts/contacts.service";
import { DuplicateContactError, mergeContacts } from "../../src/contacts/duplicates.service";
import { UpdateCrmSettingsInputSchema } from "../../src/crm/crm-settings.model";
import { crmSettingsFor, updateCrmSettings } from "../../src/crm/crm-settings.service";
import { customFieldDefinitionsFor } from "../../src/custom-fields/custom-fields.repo";
import { members } from "../../src/members/members.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { hasRole } from "../../src/platform/roles";
import { etagOf } from "../../src/platform/versioning";
import { QuickActions, TIMELINE_PAGE_SIZE, Timeline } from "../activities/timeline";
import { postedCustomValues } from "../custom-fields/custom-field-inputs";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, parseWith } from "../session/forms";
import { requireManager, requireSignedIn, signedInUser } from "../session/page-session";
import { ContactPage, contactFormValues } from "./contact.views";
import type { ContactFormState, DuplicateNotice } from "./contact-form";
import { type ContactListFilters, ContactsListPage } from "./contacts.views";
import { CrmSettingsPage } from "./crm-settings.views";

const MEMBER_LIST_SIZE = 100;
const CONTACT_FIELDS = [
  "name",
  "phone",
  "phone2",
  "email",
  "source",
  "status",
  "ownerId",
  "tags",
  "notes",
] as const;

export const contactsPages = new Hono<AppEnv>();
for (const path of ["/contacts", "/contacts/*", "/settings/crm"]) contactsPages.use(path, requireSignedIn());

const canAssign = (c: Context<AppEnv>) => hasRole(signedInUser(c).role, "manager");

/** The tenant's contact fields (archived ones too: their stored values are still shown). */
async function contactFields(c: Context<AppEnv>) {
  const { scope } = tenantOf(c);
  const [definitions] = await scope.read(() => [customFieldDefinitionsFor(scope, "contact")] as const);
  return definitions;
}

async function teamMembers(c: Context<AppEnv>) {
  const { data } = await members(tenantOf(c), undefined, MEMBER_LIST_SIZE);
  return data.map((m) => ({ userId: m.userId, name: m.name }));
}

/** Form text as API input: empty fields left out, phones and comma-separated tags as lists. */
function contactInput(values: Record<string, string>, full: boolean) {
  const phones = [values.phone, values.phone2].filter((phone): phone is string => Boolean(phone));
  const tags = (values.tags ?? "")
    .split(/[,،]/)
    .map((tag) => tag.trim())
    .filter(Boolean);
  return {
    name: values.name,
    phones,
    ...(values.email ? { email: values.email } : full ? { email: null } : {}),
    source: values.source,
    ...(full ? { status: values.status } : {}),
    ...(values.ownerId ? { ownerId: values.ownerId } : {}),
    tags,
    ...(values.notes ? { notes: values.notes } : full ? { notes: null } : {}),
  };
}

/** Field errors as the form shows them, in the reader's language. */
function formErrors(t: Dictionary, error: ApiError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const e of error.errors ?? []) {
    const [field, index] = e.path.split(".");
    const name = field === "phones" ? (index === "1" ? "phone2" : "phone") : (field ?? "");
    errors[name] = name.startsWith("phone") ? t.auth.errors.phone : e.message;
  }
  return errors;
}

function filtersOf(c: Context<AppEnv>): ContactListFilters {
  const q = c.req.query();
  return { q: q.q, status: q.status, source: q.source, ownerId: q.ownerId, tag: q.tag };
}

async function renderList(
  c: Context<AppEnv>,
  form: (t: Dictionary) => ContactFormState,
  status: 200 | 409 | 422 = 200,
) {
  const filters = filtersOf(c);
  // Filters a person typed badly are dropped rather than answered with an error page.
  const parsed = ContactListQuerySchema.safeParse({
    ...Object.fromEntries(Object.entries(filters).filter(([, v]) => Boolean(v))),
    cursor: c.req.query("cursor"),
    limit: 50,
  });
  const query = parsed.success ? parsed.data : ContactListQuerySchema.parse({ limit: 50 });
  const [list, memberList, definitions] = await Promise.all([
    listContactsFor(tenantOf(c), query),
    teamMembers(c),
    contactFields(c),
  ]);
  return renderPage(c, {
    title: (t) => t.contacts.title,
    body: (t, csrf) => (
      <ContactsListPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        members={memberList}
        definitions={definitions}
        contacts={list.data}
        nextCursor={list.nextCursor}
        filters={filters}
        canAssign={canAssign(c)}
        form={form(t)}
      />
    ),
    status,
  });
}

contactsPages.get("/contacts", (c) => renderList(c, () => ({})));

contactsPages.post("/contacts", async (c) => {
  const values = await formValues(c, [...CONTACT_FIELDS, "onDuplicate"]);
  const { custom, customText } = await postedCustomValues(c, await contactFields(c));
  try {
    const input = parseWith(CreateContactInputSchema, {
      ...contactInput(values, false),
      custom,
      onDuplicate: values.onDuplicate === "create" ? "create" : "refuse",
    });
    const contact = await createContact(tenantOf(c), input);
    return c.redirect(`/contacts/${contact.id}?created=1`, 303);
  } catch (error) {
    if (error instanceof DuplicateContactError) {
      const duplicates: DuplicateNotice = {
        visible: error.matches.flatMap((m) =>
          m.id && m.name ? [{ id: m.id, name: m.name, matchedOn: m.matchedOn }] : [],
        ),
        hidden: error.matches.some((m) => m.id === null),
      };
      return renderList(c, () => ({ values, customValues: customText, duplicates }), 409);
    }
    if (error instanceof ApiError && error.code === "VALIDATION_FAILED") {
      return renderList(
        c,
        (t) => ({
          values,
          customValues: customText,
          customErrors: error.errors ?? [],
          errors: formErrors(t, error),
          error: t.contacts.invalid,
        }),
        422,
      );
    }
    throw error;
  }
});

async function renderContact(
  c: Context<AppEnv>,
  id: string,
  form: (t: Dictionary, contact: ContactView) => ContactFormState,
  status: 200 | 412 | 422 = 200,
) {
  const workspace = await contactWorkspace(tenantOf(c), id, TIMELINE_PAGE_SIZE);
  const { contact } = workspace;
  const timeZone = signedInUser(c).tenantTimeZone;
  const back = `/contacts/${contact.id}`;
  const now = Date.now();
  c.header("ETag", etagOf(contact.version));
  return renderPage(c, {
    title: () => contact.name,
    body: (t, csrf) => (
      <ContactPage
        t={t}
        locale={c.get("locale")}
        timeZone={timeZone}
        csrf={csrf}
        members={workspace.members}
        definitions={workspace.definitions}
        contact={contact}
        duplicates={workspace.duplicates}
        canAssign={canAssign(c)}
        form={form(t, contact)}
        consents={workspace.consents}
        conversationId={workspace.conversationId}
        timeline={
          <>
            {contact.mergedIntoId ? null : (
              <QuickActions
                t={t}
                csrf={csrf}
                target={{ contactId: contact.id }}
                back={back}
                timeZone={timeZone}
                now={now}
              />
            )}
            <Timeline
              t={t}
              locale={c.get("locale")}
              timeZone={timeZone}
              csrf={csrf}
              items={workspace.timeline}
              back={back}
              now={now}
            />
          </>
        }
      />
    ),
    status,
  });
}

const contactIdOf = (c: Context<AppEnv>) => {
  const id = c.req.param("contactId") ?? "";
  if (!isId("con", id)) throw new ApiError("NOT_FOUND");
  return id;
};

contactsPages.get("/contacts/:contactId", async (c) => {
  const notice = (t: Dictionary) =>
    c.req.query("created") ? t.contacts.created_ : c.req.query("merged") ? t.contacts.merged : undefined;
  return renderContact(c, contactIdOf(c), (t) => ({ notice: notice(t) }));
});

contactsPages.post("/contacts/:contactId", async (c) => {
  const id = contactIdOf(c);
  const values = await formValues(c, [...CONTACT_FIELDS, "version"]);
  const { custom, customText } = await postedCustomValues(c, await contactFields(c));
  try {
    const input = parseWith(UpdateContactInputSchema, { ...contactInput(values, true), custom });
    await updateContactFor(tenantOf(c), id, `"${values.version}"`, input);
    return renderContact(c, id, (t) => ({ notice: t.contacts.saved }));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "VERSION_MISMATCH") {
      return renderContact(
        c,
        id,
        (t, latest) => ({ error: t.contacts.stale, values: contactFormValues(latest) }),
        412,
      );
    }
    if (error.code === "VALIDATION_FAILED" || error.code === "INVALID_HEADER") {
      return renderContact(
        c,
        id,
        (t) => ({
          values,
          errors: formErrors(t, error),
          error: t.contacts.invalid,
          customValues: customText,
          customErrors: error.errors ?? [],
        }),
        422,
      );
    }
    throw error;
  }
});

contactsPages.post("/contacts/:contactId/merge", async (c) => {
  const id = contactIdOf(c);
  const { otherId } = await formValues(c, ["otherId"]);
  if (!otherId || !isId("con", otherId)) throw new ApiError("NOT_FOUND");
  await mergeContacts(tenantOf(c), id, otherId);
  return c.redirect(`/contacts/${id}?merged=1`, 303);
});

const managersOnly = requireManager();

async function renderSettings(c: Context<AppEnv>, notice?: (t: Dictionary) => string) {
  const [settings, memberList] = await Promise.all([crmSettingsFor(tenantOf(c)), teamMembers(c)]);
  return renderPage(c, {
    title: (t) => t.crmSettings.title,
    body: (t, csrf) => (
      <CrmSettingsPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        members={memberList}
        definitions={[]}
        settings={settings}
        notice={notice?.(t)}
      />
    ),
  });
}

contactsPages.get("/settings/crm", managersOnly, (c) => renderSettings(c));

contactsPages.post("/settings/crm", managersOnly, async (c) => {
  const form = await c.req.parseBody({ all: true });
  const agents =
    form.agents === undefined ? [] : [form.agents].flat().filter((v): v is string => typeof v === "string");
  const input = parseWith(UpdateCrmSettingsInputSchema, {
    visibility: form.visibility,
    assignment: form.assignment,
    roundRobinAgentIds: agents,
  });
  await updateCrmSettings(tenantOf(c), input);
  return renderSettings(c, (t) => t.crmSettings.saved);
});
