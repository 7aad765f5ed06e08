import { type Context, Hono } from "hono";
import { consentsOf } from "../../src/messaging/consents.service";
import { SendMessageInputSchema } from "../../src/messaging/messaging.model";
import {
  conversationWithMessages,
  listConversationsFor,
  markRead,
  sendMessage,
} from "../../src/messaging/messaging.service";
import { syncTemplates, templatesOf } from "../../src/messaging/whatsapp-templates.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { hasRole } from "../../src/platform/roles";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, parseWith } from "../session/forms";
import { requireManager, requireSignedIn, signedInUser } from "../session/page-session";
import { InboxListPage, type ReplyFormState, TEMPLATE_VARIABLES, ThreadPage } from "./inbox.views";

const LIST_SIZE = 20;
const THREAD_SIZE = 30;
const STYLESHEETS = ["/assets/inbox.css"];
const VARIABLE_FIELDS = Array.from({ length: TEMPLATE_VARIABLES }, (_, i) => `var${i + 1}`);

export const inboxPages = new Hono<AppEnv>();
for (const path of ["/inbox", "/inbox/*"]) inboxPages.use(path, requireSignedIn());

/** The query's cursor when it could be one (the API's own length limit). */
const cursorOf = (c: Context<AppEnv>) => {
  const cursor = c.req.query("cursor");
  return cursor && cursor.length <= 512 ? cursor : undefined;
};

/** A cursor someone edited by hand shows the first page rather than an error page. */
const withFirstPageOnBadCursor = async <T,>(
  cursor: string | undefined,
  load: (cursor?: string) => Promise<T>,
) => {
  try {
    return await load(cursor);
  } catch (error) {
    if (cursor && error instanceof ApiError && error.code === "VALIDATION_FAILED") return load(undefined);
    throw error;
  }
};

inboxPages.get("/inbox", async (c) => {
  const unreadOnly = c.req.query("unread") === "true";
  const ctx = tenantOf(c);
  const list = await withFirstPageOnBadCursor(cursorOf(c), (cursor) =>
    listConversationsFor(ctx, { cursor, limit: LIST_SIZE, unread: unreadOnly ? "true" : undefined }),
  );
  return renderPage(c, {
    title: (t) => t.inbox.title,
    body: (t) => (
      <InboxListPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        conversations={list.data}
        nextCursor={list.nextCursor}
        unreadOnly={unreadOnly}
        isOwner={signedInUser(c).role === "owner"}
      />
    ),
    stylesheets: STYLESHEETS,
  });
});

const conversationIdOf = (c: Context<AppEnv>) => {
  const id = c.req.param("conversationId") ?? "";
  if (!isId("cnv", id)) throw new ApiError("NOT_FOUND");
  return id;
};

/** The thread (404 when the caller may not see it) with a page of messages. */
const loadThread = (c: Context<AppEnv>, id: string, cursor: string | undefined) =>
  withFirstPageOnBadCursor(cursor, (at) => conversationWithMessages(tenantOf(c), id, at, THREAD_SIZE));

/**
 * The contact's WhatsApp marketing consent for the header: null when never recorded. A round trip
 * of its own after the thread's (consentsOf reads by contact, which the thread names).
 */
async function marketingConsentOf(c: Context<AppEnv>, contactId: string) {
  const { current } = await consentsOf(tenantOf(c), contactId);
  return current.find((state) => state.channel === "whatsapp" && state.purpose === "marketing") ?? null;
}

/** The approved templates the reply box offers: one page of the registry, which is enough for a picker. */
const PICKER_SIZE = 100;

async function renderThread(
  c: Context<AppEnv>,
  thread: Awaited<ReturnType<typeof loadThread>>,
  form: (t: Dictionary) => ReplyFormState,
  status: 200 | 409 | 422 = 200,
  olderPage = false,
  chosenTemplateId: string | undefined = undefined,
) {
  // Both follow the thread's read, which settled the session: they go to D1 side by side.
  const [consent, templates] = await Promise.all([
    marketingConsentOf(c, thread.conversation.contact.id),
    templatesOf(tenantOf(c), { status: "APPROVED", limit: PICKER_SIZE }),
  ]);
  const picker = {
    templates: templates.data,
    chosen: templates.data.find((template) => template.id === chosenTemplateId) ?? null,
    canSync: hasRole(signedInUser(c).role, "manager"),
  };
  return renderPage(c, {
    title: (t) => `${thread.conversation.contact.name} · ${t.inbox.title}`,
    body: (t, csrf) => (
      <ThreadPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        conversation={thread.conversation}
        consent={consent}
        messages={[...thread.messages.data].reverse()}
        olderCursor={thread.messages.nextCursor}
        olderPage={olderPage}
        form={form(t)}
        picker={picker}
      />
    ),
    status,
    stylesheets: STYLESHEETS,
    scripts: ["/assets/inbox.js"],
  });
}

inboxPages.get("/inbox/:conversationId", async (c) => {
  const id = conversationIdOf(c);
  const cursor = cursorOf(c);
  const thread = await loadThread(c, id, cursor);
  // Only a thread with unread messages is written to: opening a read one costs no write.
  if (thread.conversation.unreadCount > 0) await markRead(tenantOf(c), id);
  const synced = c.req.query("synced");
  return renderThread(
    c,
    thread,
    (t) => ({
      // After a sync the template part of the reply box stays open, where its outcome shows.
      kind: synced || c.req.query("syncFailed") ? "template" : undefined,
      notice: c.req.query("sent") ? t.inbox.sent_ : synced ? t.inbox.synced(Number(synced) || 0) : undefined,
      error: c.req.query("syncFailed") ? t.inbox.syncFailed : undefined,
    }),
    200,
    Boolean(cursor),
    c.req.query("template"),
  );
});

inboxPages.post("/inbox/:conversationId/templates/sync", requireManager(), async (c) => {
  const id = conversationIdOf(c);
  try {
    const { approved } = await syncTemplates(tenantOf(c));
    return c.redirect(`/inbox/${id}?synced=${approved}#reply`, 303);
  } catch (error) {
    if (
      error instanceof ApiError &&
      ["WHATSAPP_NOT_CONNECTED", "CONFLICT", "UNAVAILABLE"].includes(error.code)
    ) {
      return c.redirect(`/inbox/${id}?syncFailed=1#reply`, 303);
    }
    throw error;
  }
});

/** The reply form as the API's input: free text, or the chosen template with exactly its variables. */
function replyInput(contactId: string, values: Record<string, string>) {
  if (values.kind !== "template") return { contactId, text: values.text };
  const count = Math.min(Math.max(Number(values.variableCount) || 0, 0), TEMPLATE_VARIABLES);
  return {
    contactId,
    template: {
      name: values.templateName,
      language: values.language,
      variables: VARIABLE_FIELDS.slice(0, count).map((name) => values[name] ?? ""),
    },
  };
}

/** Which form fields an API error names (template.variables.2 → var3). */
function invalidFields(error: ApiError): string[] {
  return (error.errors ?? []).map((e) => {
    const [field, sub, index] = e.path.split(".");
    if (field !== "template") return field ?? "";
    if (sub === "variables") return `var${Number(index ?? 0) + 1}`;
    return sub === "name" ? "templateName" : (sub ?? "");
  });
}

const refusalText = (t: Dictionary, error: ApiError) => {
  if (error.code === "TEMPLATE_REQUIRED") return t.inbox.templateRequired;
  if (error.code === "WHATSAPP_NOT_CONNECTED") return t.inbox.notConnected;
  if (error.code === "TEMPLATE_NOT_APPROVED") return t.inbox.templateNotApproved;
  if (error.code === "TEMPLATE_LACKS_OPT_OUT") return t.inbox.templateLacksOptOut;
  if (error.errors?.some((e) => e.code === "no_phone")) return t.inbox.noPhone;
  return t.inbox.invalid;
};

inboxPages.post("/inbox/:conversationId", async (c) => {
  const id = conversationIdOf(c);
  const values = await formValues(c, [
    "kind",
    "text",
    "templateId",
    "templateName",
    "language",
    "variableCount",
    ...VARIABLE_FIELDS,
  ]);
  const thread = await loadThread(c, id, undefined);
  try {
    const input = parseWith(SendMessageInputSchema, replyInput(thread.conversation.contact.id, values));
    await sendMessage(tenantOf(c), input);
    return c.redirect(`/inbox/${id}?sent=1#reply`, 303);
  } catch (error) {
    if (
      !(error instanceof ApiError) ||
      ![
        "VALIDATION_FAILED",
        "TEMPLATE_REQUIRED",
        "WHATSAPP_NOT_CONNECTED",
        "TEMPLATE_NOT_APPROVED",
        "TEMPLATE_LACKS_OPT_OUT",
      ].includes(error.code)
    ) {
      throw error;
    }
    const kind = values.kind === "template" ? "template" : "text";
    return renderThread(
      c,
      thread,
      (t) => ({ kind, values, error: refusalText(t, error), invalid: invalidFields(error) }),
      error.code === "WHATSAPP_NOT_CONNECTED" ? 409 : 422,
      false,
      values.templateId,
    );
  }
});
