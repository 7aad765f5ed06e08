import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { todayBounds } from "../../src/activities/calendar-day";
import { idPrefixes, newId } from "../../src/platform/ids";
import { nameKey, normaliseText } from "../../src/platform/text-normalise";
import { TestBrowser } from "../../test/browser";
import { type Actor, createMember, createTenant } from "../../test/fixtures";
import { countRows, escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";
import { Timeline } from "./timeline";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

async function insertContact(tenantId: string, ownerId: string | null, name = "نورة العتيبي") {
  const id = newId(idPrefixes.contact);
  await env.DB.prepare(
    "INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'walk_in', ?, 0, 0)",
  )
    .bind(id, tenantId, name, normaliseText(name), nameKey(name), ownerId)
    .run();
  return id;
}

/** A task written straight to D1, assigned to `assignee`. */
async function insertTask(
  tenantId: string,
  assignee: string,
  contactId: string,
  dueAt: number,
  title: string,
) {
  const id = newId(idPrefixes.activity);
  await env.DB.prepare(
    "INSERT INTO activities (id, tenant_id, kind, contact_id, title, occurred_at, due_at, assignee_id, created_by, created_at, updated_at) VALUES (?, ?, 'task', ?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(id, tenantId, contactId, title, Date.now(), dueAt, assignee, assignee, Date.now(), Date.now())
    .run();
  return id;
}

const activitiesOf = async (contactId: string) =>
  (
    await env.DB.prepare("SELECT * FROM activities WHERE contact_id = ? ORDER BY created_at")
      .bind(contactId)
      .all<Record<string, unknown>>()
  ).results;

describe("/tasks", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const res = await new TestBrowser().get("/tasks");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Ftasks");
  });

  it("tells a member with no tasks what to do next", async () => {
    const { agent } = await createTenant();
    const browser = signedIn(agent);
    expect((await browser.get("/tasks")).status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="tasks-empty"');
    expect(browser.lastHtml).toContain(escaped(ar.tasks.emptyAll));
    expect(browser.lastHtml).toContain('href="/contacts"');
  });

  it("shows overdue, today and upcoming tasks with the contact, in English too", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId, "Khalid <b>");
    const { start, end } = todayBounds(Date.now(), "Asia/Riyadh");
    await insertTask(tenantId, agent.userId, contactId, start - 60_000, "overdue one");
    await insertTask(tenantId, agent.userId, contactId, start + 60_000, "today one");
    await insertTask(tenantId, agent.userId, contactId, end + 60_000, "upcoming one");
    await insertTask(tenantId, manager.userId, contactId, start + 60_000, "not mine");
    const browser = signedIn(agent, { lang: "en" });
    expect((await browser.get("/tasks")).status).toBe(200);
    const html = browser.lastHtml;
    const section = (bucket: string) =>
      html.slice(
        html.indexOf(`data-testid="bucket-${bucket}"`),
        html.indexOf("</section>", html.indexOf(`data-testid="bucket-${bucket}"`)),
      );
    expect(section("overdue")).toContain("overdue one");
    expect(section("today")).toContain("today one");
    expect(section("upcoming")).toContain("upcoming one");
    expect(html).not.toContain("not mine");
    expect(html).toContain(`href="/contacts/${contactId}"`);
    expect(html).toContain("Khalid &lt;b&gt;");
    expect(html).toContain(en.tasks.overdue);
    // Hijri beside Gregorian.
    expect(html).toMatch(/AH\)/);
  });

  it("marks a task done with the form, and says so; a stale form says the task changed", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const taskId = await insertTask(tenantId, agent.userId, contactId, Date.now() + 3_600_000, "call back");
    const browser = signedIn(agent);
    await browser.get("/tasks");
    const res = await browser.post(`/activities/${taskId}/done`, {
      version: "1",
      back: "/tasks",
      done: "true",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/tasks?activity=done");
    await browser.follow(res);
    expect(browser.lastHtml).toContain(escaped(ar.tasks.doneNotice));
    expect(browser.lastHtml).not.toContain("call back");
    const [row] = await activitiesOf(contactId);
    expect(row?.done_at).toEqual(expect.any(Number));
    expect(row?.version).toBe(2);

    const stale = await browser.post(`/activities/${taskId}/done`, {
      version: "1",
      back: "/tasks",
      done: "false",
    });
    expect(stale.headers.get("Location")).toBe("/tasks?activity=changed");
    await browser.follow(stale);
    expect(browser.lastHtml).toContain(escaped(ar.activities.errors.changed));
  });

  it("refuses a done post without the CSRF token and changes nothing", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const taskId = await insertTask(tenantId, agent.userId, contactId, Date.now() + 3_600_000, "x");
    const browser = signedIn(agent);
    await browser.get("/tasks");
    const res = await browser.post(
      `/activities/${taskId}/done`,
      { version: "1", done: "true" },
      { csrf: "forged" },
    );
    expect(res.status).toBe(403);
    expect((await activitiesOf(contactId))[0]?.done_at).toBeNull();
  });
});

describe("POST /activities (quick actions)", () => {
  it("adds a note and goes back to the record's page", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const browser = signedIn(agent);
    await browser.get("/tasks");
    const res = await browser.post("/activities", {
      kind: "note",
      contactId,
      body: "يفضّل التواصل مساءً",
      back: `/contacts/${contactId}#timeline`,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/contacts/${contactId}#timeline`);
    expect(await activitiesOf(contactId)).toEqual([
      expect.objectContaining({ kind: "note", body: "يفضّل التواصل مساءً", created_by: agent.userId }),
    ]);
  });

  it("schedules a task at a Riyadh wall-clock time and never redirects off-site", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const browser = signedIn(agent);
    await browser.get("/tasks");
    const res = await browser.post("/activities", {
      kind: "task",
      contactId,
      title: "إرسال العرض",
      dueDate: "2030-03-01",
      dueTime: "09:30",
      back: "//evil.example/",
    });
    expect(res.headers.get("Location")).toBe("/tasks");
    const [task] = await activitiesOf(contactId);
    // 09:30 in Riyadh (UTC+3) is 06:30 UTC.
    expect(task?.due_at).toBe(Date.parse("2030-03-01T06:30:00.000Z"));
    expect(task?.assignee_id).toBe(agent.userId);
  });

  it("logs a call, which moves the contact's last contacted time", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const browser = signedIn(agent);
    await browser.get("/tasks");
    await browser.post("/activities", { kind: "call", contactId, body: "", back: "/tasks" });
    const contact = await env.DB.prepare("SELECT last_contacted_at AS at FROM contacts WHERE id = ?")
      .bind(contactId)
      .first<{ at: number | null }>();
    expect(contact?.at).toEqual(expect.any(Number));
  });

  it("shows the form again with what to fix, and writes nothing", async () => {
    const { tenantId, agent } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    const mine = await insertContact(tenantId, agent.userId);
    const theirs = await insertContact(tenantId, colleague.userId);
    const browser = signedIn(agent);
    await browser.get("/tasks");
    const [activities, audit] = [await countRows("activities"), await countRows("audit_events")];
    const noBody = await browser.post("/activities", {
      kind: "note",
      contactId: mine,
      body: "",
      back: "/tasks",
    });
    expect(noBody.status).toBe(422);
    expect(browser.lastHtml).toContain(escaped(ar.activities.errors.body));
    const noDate = await browser.post("/activities", {
      kind: "task",
      contactId: mine,
      title: "x",
      dueDate: "",
      back: "/tasks",
    });
    expect(noDate.status).toBe(422);
    expect(browser.lastHtml).toContain(escaped(ar.activities.errors.due));
    expect(browser.lastHtml).toContain('value="x"');
    const notVisible = await browser.post("/activities", {
      kind: "note",
      contactId: theirs,
      body: "x",
      back: "/tasks",
    });
    expect(notVisible.status).toBe(422);
    expect(browser.lastHtml).toContain(escaped(ar.activities.errors.record));
    expect(await countRows("activities")).toBe(activities);
    expect(await countRows("audit_events")).toBe(audit);
  });
});

describe("Timeline", () => {
  it("renders kinds, authors, Hijri dates and a done button for open tasks, escaping text", async () => {
    const now = Date.parse("2026-11-22T09:00:00.000Z");
    const base = {
      tenantId: "ten_00000000000000000000",
      contactId: "con_00000000000000000000",
      dealId: null,
      remindAt: null,
      sample: false,
      createdAt: now,
      updatedAt: now,
      version: 3,
      contactName: "x",
      dealTitle: null,
    };
    const html = String(
      await Timeline({
        t: ar,
        locale: "ar",
        timeZone: "Asia/Riyadh",
        csrf: "token",
        back: "/contacts/con_00000000000000000000",
        now,
        items: [
          {
            ...base,
            id: "act_00000000000000000001",
            kind: "task",
            title: "<script>",
            body: null,
            occurredAt: now - 1000,
            dueAt: now - 60_000,
            doneAt: null,
            assigneeId: "usr_1",
            createdBy: "usr_1",
            authorName: "نورة",
            assigneeName: "نورة",
          },
          {
            ...base,
            id: "act_00000000000000000002",
            kind: "call",
            title: null,
            body: "مكالمة قصيرة",
            occurredAt: now - 86_400_000,
            dueAt: null,
            doneAt: now - 86_400_000,
            assigneeId: null,
            createdBy: "key_1",
            authorName: null,
            assigneeName: null,
          },
        ],
      }),
    );
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain(ar.activities.kinds.task);
    expect(html).toContain(ar.activities.kinds.call);
    expect(html).toContain(ar.activities.late);
    expect(html).toContain(ar.activities.viaApi);
    expect(html).toContain('action="/activities/act_00000000000000000001/done"');
    expect(html).toContain('name="version" value="3"');
    expect(html).not.toContain('action="/activities/act_00000000000000000002/done"');
    // The Hijri date beside the Gregorian (Umm al-Qura, Arabic month name).
    expect(html).toMatch(/جمادى|رجب|شعبان|رمضان/);
  });
});
