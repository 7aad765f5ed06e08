import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Actor, createMember, createTenant } from "../../test/fixtures";
import { call, callCountingD1, countRows, expectProblem, postJson } from "../../test/helpers";
import { idPrefixes, newId } from "../platform/ids";
import { nameKey, normaliseText } from "../platform/text-normalise";
import { startOfDay, todayBounds } from "./calendar-day";

type Auth = Actor["auth"] | { Authorization: string };

interface Activity {
  id: string;
  kind: string;
  contactId: string | null;
  dealId: string | null;
  title: string | null;
  body: string | null;
  occurredAt: string;
  dueAt: string | null;
  remindAt: string | null;
  doneAt: string | null;
  assigneeId: string | null;
  createdBy: string | null;
  version: number;
}
type Page = { data: Activity[]; nextCursor: string | null };

/** A contact written straight to D1 (the contacts API is built beside this one). */
async function insertContact(tenantId: string, ownerId: string | null, name = "نورة العتيبي") {
  const id = newId(idPrefixes.contact);
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, status, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'walk_in', 'new', ?, ?, ?)",
  )
    .bind(id, tenantId, name, normaliseText(name), nameKey(name), ownerId, now, now)
    .run();
  return id;
}

/** A deal written straight to D1; its pipeline and stage need not exist for activities. */
async function insertDeal(tenantId: string, ownerId: string | null, contactId: string | null = null) {
  const id = newId(idPrefixes.deal);
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO deals (id, tenant_id, title, title_norm, contact_id, pipeline_id, stage_id, owner_id, created_at, updated_at, stage_changed_at) VALUES (?, ?, 'فيلا النرجس', 'فيلا النرجس', ?, 'pip_00000000000000000000', 'stg_00000000000000000000', ?, ?, ?, ?)",
  )
    .bind(id, tenantId, contactId, ownerId, now, now, now)
    .run();
  return id;
}

const create = (auth: Auth, body: unknown, headers: Record<string, string> = {}) =>
  postJson("/api/v1/activities", body, { ...auth, ...headers });
const patch = (auth: Auth, id: string, body: unknown, ifMatch?: string) =>
  call(`/api/v1/activities/${id}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json", ...(ifMatch ? { "If-Match": ifMatch } : {}) },
    body: JSON.stringify(body),
  });
const get = (auth: Auth, id: string) => call(`/api/v1/activities/${id}`, { headers: auth });
const del = (auth: Auth, id: string) => call(`/api/v1/activities/${id}`, { method: "DELETE", headers: auth });
const listTimeline = (auth: Auth, query: string) => call(`/api/v1/activities?${query}`, { headers: auth });

async function created(auth: Auth, body: unknown) {
  const res = await create(auth, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Activity;
}

const row = (id: string) =>
  env.DB.prepare("SELECT * FROM activities WHERE id = ?").bind(id).first<Record<string, unknown>>();
const lastContacted = async (contactId: string) =>
  (
    await env.DB.prepare("SELECT last_contacted_at AS at FROM contacts WHERE id = ?")
      .bind(contactId)
      .first<{ at: number | null }>()
  )?.at ?? null;
const auditOf = async (tenantId: string, action: string) =>
  (
    await env.DB.prepare(
      "SELECT actor_id, target_id, details FROM audit_events WHERE tenant_id = ? AND action = ? ORDER BY created_at",
    )
      .bind(tenantId, action)
      .all<{ actor_id: string; target_id: string; details: string | null }>()
  ).results;

async function keyFor(owner: Actor, scopes: string[]) {
  const res = await postJson("/api/v1/api-keys", { name: "crm", scopes }, owner.auth);
  expect(res.status).toBe(201);
  return { Authorization: `Bearer ${((await res.json()) as { key: string }).key}` };
}

describe("POST /api/v1/activities", () => {
  it("logs a note on a contact, audited without its text", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const res = await create(agent.auth, { kind: "note", contactId, body: "يريد شقة في النرجس" });
    expect(res.status).toBe(201);
    expect(res.headers.get("ETag")).toBe('"1"');
    const note = (await res.json()) as Activity;
    expect(note).toMatchObject({
      kind: "note",
      contactId,
      dealId: null,
      body: "يريد شقة في النرجس",
      doneAt: null,
      assigneeId: agent.userId,
      createdBy: agent.userId,
      version: 1,
    });
    expect(await row(note.id)).toMatchObject({ tenant_id: tenantId, kind: "note", contact_id: contactId });
    const audit = await auditOf(tenantId, "activity.created");
    expect(audit).toEqual([
      { actor_id: agent.userId, target_id: note.id, details: JSON.stringify({ kind: "note", done: false }) },
    ]);
    // A note is not contact with the customer.
    expect(await lastContacted(contactId)).toBeNull();
  });

  it("a logged call moves the contact's last contacted time in the same write", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const occurredAt = "2026-11-20T08:00:00.000Z";
    const call1 = await created(agent.auth, { kind: "call", contactId, title: "مكالمة", occurredAt });
    expect(call1.doneAt).toBe(occurredAt);
    expect(await lastContacted(contactId)).toBe(Date.parse(occurredAt));
    // An older call logged later does not move it back.
    await created(agent.auth, { kind: "visit", contactId, occurredAt: "2026-11-01T08:00:00.000Z" });
    expect(await lastContacted(contactId)).toBe(Date.parse(occurredAt));
    // A scheduled (not yet done) meeting does not count.
    const before = await lastContacted(contactId);
    await created(agent.auth, { kind: "meeting", contactId, dueAt: "2030-01-01T08:00:00.000Z" });
    expect(await lastContacted(contactId)).toBe(before);
  });

  it("an activity on a deal alone is put on the deal's contact's timeline too", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const dealId = await insertDeal(tenantId, agent.userId, contactId);
    const task = await created(agent.auth, {
      kind: "task",
      dealId,
      title: "إرسال العقد",
      dueAt: "2030-01-01T09:00:00.000Z",
    });
    expect(task).toMatchObject({ dealId, contactId, doneAt: null });
    const timeline = (await (await listTimeline(agent.auth, `contactId=${contactId}`)).json()) as Page;
    expect(timeline.data.map((a) => a.id)).toEqual([task.id]);
    // A call logged on the deal is contact with the deal's contact.
    expect(await lastContacted(contactId)).toBeNull();
    const logged = await created(agent.auth, { kind: "call", dealId });
    expect(await lastContacted(contactId)).toBe(Date.parse(logged.occurredAt));
  });

  it.each([
    ["no contact and no deal", { kind: "note", body: "x" }, "contactId"],
    ["an unknown kind", { kind: "email", contactId: "CONTACT", body: "x" }, "kind"],
    ["a note without a body", { kind: "note", contactId: "CONTACT" }, "body"],
    ["a task without a due time", { kind: "task", contactId: "CONTACT", title: "x" }, "dueAt"],
    [
      "a reminder after the due time",
      {
        kind: "task",
        contactId: "CONTACT",
        dueAt: "2030-01-01T09:00:00.000Z",
        remindAt: "2030-01-02T09:00:00.000Z",
      },
      "remindAt",
    ],
    ["a date that is not ISO", { kind: "task", contactId: "CONTACT", dueAt: "tomorrow" }, "dueAt"],
    [
      "an unknown field",
      { kind: "note", contactId: "CONTACT", body: "x", tenantId: "ten_00000000000000000000" },
      "body",
    ],
    ["a body too long", { kind: "note", contactId: "CONTACT", body: "x".repeat(5001) }, "body"],
    ["a malformed contact id", { kind: "note", contactId: "con_1", body: "x" }, "contactId"],
  ])("rejects %s with 422 and writes nothing", async (_label, template, path) => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const body = JSON.parse(JSON.stringify(template).replace("CONTACT", contactId));
    const [activities, audit] = [await countRows("activities"), await countRows("audit_events")];
    const problem = await expectProblem(await create(agent.auth, body), 422, "VALIDATION_FAILED");
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await countRows("activities")).toBe(activities);
    expect(await countRows("audit_events")).toBe(audit);
  });

  it("refuses another tenant's contact, deal or member with field errors and writes nothing", async () => {
    const home = await createTenant();
    const other = await createTenant();
    const contactId = await insertContact(home.tenantId, home.agent.userId);
    const foreignContact = await insertContact(other.tenantId, null);
    const foreignDeal = await insertDeal(other.tenantId, null);
    const [activities, audit] = [await countRows("activities"), await countRows("audit_events")];
    for (const [body, path] of [
      [{ kind: "note", contactId: foreignContact, body: "x" }, "contactId"],
      [{ kind: "note", dealId: foreignDeal, body: "x" }, "dealId"],
      [
        { kind: "task", contactId, dueAt: "2030-01-01T09:00:00.000Z", assigneeId: other.agent.userId },
        "assigneeId",
      ],
    ] as const) {
      const problem = await expectProblem(await create(home.owner.auth, body), 422, "VALIDATION_FAILED");
      expect(problem.errors).toEqual([expect.objectContaining({ path, code: "invalid_reference" })]);
    }
    expect(await countRows("activities")).toBe(activities);
    expect(await countRows("audit_events")).toBe(audit);
  });

  it("an agent cannot log on another agent's contact (unless the tenant shows all records)", async () => {
    const { tenantId, agent } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    const theirs = await insertContact(tenantId, colleague.userId);
    const problem = await expectProblem(
      await create(agent.auth, { kind: "note", contactId: theirs, body: "x" }),
      422,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.[0]?.path).toBe("contactId");
    await env.DB.prepare("INSERT INTO crm_settings (tenant_id, visibility, updated_at) VALUES (?, 'all', ?)")
      .bind(tenantId, Date.now())
      .run();
    await created(agent.auth, { kind: "note", contactId: theirs, body: "x" });
  });

  it("replays a create with the same Idempotency-Key instead of logging twice", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const body = { kind: "call", contactId, title: "مكالمة" };
    const first = await create(agent.auth, body, { "Idempotency-Key": "call-1" });
    const second = await create(agent.auth, body, { "Idempotency-Key": "call-1" });
    expect(second.status).toBe(201);
    expect(((await second.json()) as Activity).id).toBe(((await first.json()) as Activity).id);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM activities WHERE contact_id = ?")
      .bind(contactId)
      .first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  it("lets an API key with crm:write log, and refuses one with crm:read only", async () => {
    const { tenantId, owner } = await createTenant();
    const contactId = await insertContact(tenantId, null);
    const writer = await keyFor(owner, ["crm:write"]);
    const reader = await keyFor(owner, ["crm:read"]);
    const before = await countRows("activities");
    await expectProblem(await create(reader, { kind: "note", contactId, body: "x" }), 403, "FORBIDDEN");
    expect(await countRows("activities")).toBe(before);
    const note = await created(writer, { kind: "note", contactId, body: "from the website" });
    expect(note.createdBy).toMatch(/^key_/);
    expect(note.assigneeId).toBeNull();
  });
});

describe("GET /api/v1/activities (timeline)", () => {
  it("lists one record's timeline newest first, page by page, in one D1 round trip", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const otherContact = await insertContact(tenantId, agent.userId);
    const ids: string[] = [];
    for (let day = 1; day <= 5; day++) {
      const a = await created(agent.auth, {
        kind: "note",
        contactId,
        body: `n${day}`,
        occurredAt: `2026-11-0${day}T08:00:00.000Z`,
      });
      ids.push(a.id);
    }
    await created(agent.auth, { kind: "note", contactId: otherContact, body: "elsewhere" });
    const first = (await (await listTimeline(agent.auth, `contactId=${contactId}&limit=3`)).json()) as Page;
    expect(first.data.map((a) => a.body)).toEqual(["n5", "n4", "n3"]);
    const second = (await (
      await listTimeline(agent.auth, `contactId=${contactId}&limit=3&cursor=${first.nextCursor}`)
    ).json()) as Page;
    expect(second.data.map((a) => a.body)).toEqual(["n2", "n1"]);
    expect(second.nextCursor).toBeNull();

    const counted = await callCountingD1(`/api/v1/activities?contactId=${contactId}`, {
      headers: agent.auth,
    });
    expect(counted.res.status).toBe(200);
    expect(counted.d1RoundTrips).toBe(1);
  });

  it("answers 404 for a contact the agent cannot see and 422 without exactly one record", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    const theirs = await insertContact(tenantId, colleague.userId);
    await created(colleague.auth, { kind: "note", contactId: theirs, body: "private" });
    await expectProblem(await listTimeline(agent.auth, `contactId=${theirs}`), 404, "NOT_FOUND");
    const seen = (await (await listTimeline(manager.auth, `contactId=${theirs}`)).json()) as Page;
    expect(seen.data).toHaveLength(1);
    await expectProblem(await listTimeline(agent.auth, ""), 422, "VALIDATION_FAILED");
    const dealId = await insertDeal(tenantId, agent.userId);
    await expectProblem(
      await listTimeline(agent.auth, `contactId=${theirs}&dealId=${dealId}`),
      422,
      "VALIDATION_FAILED",
    );
  });
});

describe("deal timelines and my tasks by page", () => {
  it("lists a deal's timeline for the agent who owns the deal, 404 for another agent", async () => {
    const { tenantId, agent } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    const dealId = await insertDeal(tenantId, agent.userId);
    const meeting = await created(agent.auth, { kind: "meeting", dealId, title: "توقيع العقد" });
    const page = (await (await listTimeline(agent.auth, `dealId=${dealId}`)).json()) as Page;
    expect(page.data.map((a) => a.id)).toEqual([meeting.id]);
    expect(page.data[0]?.contactId).toBeNull();
    await expectProblem(await listTimeline(colleague.auth, `dealId=${dealId}`), 404, "NOT_FOUND");
    await expectProblem(await get(colleague.auth, meeting.id), 404, "NOT_FOUND");
  });

  it("pages through a bucket of my tasks, and gives an API key an empty list", async () => {
    const { tenantId, owner, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const { end } = todayBounds(Date.now(), "Asia/Riyadh");
    for (let i = 1; i <= 3; i++) {
      await created(agent.auth, {
        kind: "task",
        contactId,
        title: `t${i}`,
        dueAt: new Date(end + i * 60_000).toISOString(),
      });
    }
    const first = (await (
      await call("/api/v1/tasks/mine?bucket=upcoming&limit=2", { headers: agent.auth })
    ).json()) as Page;
    expect(first.data.map((a) => a.title)).toEqual(["t1", "t2"]);
    const rest = (await (
      await call(`/api/v1/tasks/mine?bucket=upcoming&limit=2&cursor=${first.nextCursor}`, {
        headers: agent.auth,
      })
    ).json()) as Page;
    expect(rest).toMatchObject({ data: [expect.objectContaining({ title: "t3" })], nextCursor: null });
    const key = await keyFor(owner, ["crm:read"]);
    const keyTasks = await call("/api/v1/tasks/mine?bucket=upcoming", { headers: key });
    expect(await keyTasks.json()).toEqual({ data: [], nextCursor: null });
  });
});

describe("GET/PATCH/DELETE /api/v1/activities/{id}", () => {
  it("updates with If-Match: 428 without it, 412 when stale, 200 with the new ETag", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const task = await created(agent.auth, {
      kind: "task",
      contactId,
      title: "اتصل",
      dueAt: "2030-01-01T09:00:00.000Z",
    });
    const [activities, audit] = [await countRows("activities"), await countRows("audit_events")];
    await expectProblem(await patch(agent.auth, task.id, { title: "x" }), 428, "VERSION_REQUIRED");
    await expectProblem(await patch(agent.auth, task.id, { title: "x" }, '"2"'), 412, "VERSION_MISMATCH");
    await expectProblem(await patch(agent.auth, task.id, { title: "x" }, "two"), 400, "INVALID_HEADER");
    await expectProblem(await patch(agent.auth, task.id, {}, '"1"'), 422, "VALIDATION_FAILED");
    await expectProblem(await patch(agent.auth, task.id, { dueAt: null }, '"1"'), 422, "VALIDATION_FAILED");
    await expectProblem(await patch(agent.auth, task.id, { kind: "note" }, '"1"'), 422, "VALIDATION_FAILED");
    expect(await countRows("audit_events")).toBe(audit);
    expect(await countRows("activities")).toBe(activities);
    expect(await row(task.id)).toMatchObject({ title: "اتصل", version: 1 });

    const res = await patch(agent.auth, task.id, { title: "اتصل بعد الظهر" }, '"1"');
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBe('"2"');
    expect(await res.json()).toMatchObject({ title: "اتصل بعد الظهر", version: 2 });
    const audits = await auditOf(tenantId, "activity.updated");
    expect(audits).toEqual([
      { actor_id: agent.userId, target_id: task.id, details: JSON.stringify({ fields: "title" }) },
    ]);
    // The version it was based on has moved on.
    await expectProblem(await patch(agent.auth, task.id, { title: "again" }, '"1"'), 412, "VERSION_MISMATCH");
    const fetched = await get(agent.auth, task.id);
    expect(fetched.headers.get("ETag")).toBe('"2"');
  });

  it("done sets and clears doneAt; a done call moves last contacted", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const scheduled = await created(agent.auth, {
      kind: "call",
      contactId,
      dueAt: "2030-01-01T09:00:00.000Z",
    });
    expect(scheduled.doneAt).toBeNull();
    expect(await lastContacted(contactId)).toBeNull();
    // A stale done changes nothing, not even the contact.
    await patch(agent.auth, scheduled.id, { title: "x" }, '"1"');
    await expectProblem(
      await patch(agent.auth, scheduled.id, { done: true }, '"1"'),
      412,
      "VERSION_MISMATCH",
    );
    expect(await lastContacted(contactId)).toBeNull();
    const before = Date.now();
    const done = (await (await patch(agent.auth, scheduled.id, { done: true }, '"2"')).json()) as Activity;
    expect(Date.parse(done.doneAt ?? "")).toBeGreaterThanOrEqual(before);
    expect(await lastContacted(contactId)).toBe(Date.parse(done.doneAt ?? ""));
    const reopened = (await (
      await patch(manager.auth, scheduled.id, { done: false }, '"3"')
    ).json()) as Activity;
    expect(reopened.doneAt).toBeNull();
    expect(await row(scheduled.id)).toMatchObject({ done_at: null, version: 4 });
  });

  it("reassigns only to a member of the tenant", async () => {
    const home = await createTenant();
    const other = await createTenant();
    const contactId = await insertContact(home.tenantId, home.agent.userId);
    const task = await created(home.agent.auth, {
      kind: "task",
      contactId,
      dueAt: "2030-01-01T09:00:00.000Z",
    });
    await expectProblem(
      await patch(home.agent.auth, task.id, { assigneeId: other.agent.userId }, '"1"'),
      422,
      "VALIDATION_FAILED",
    );
    const moved = await patch(home.agent.auth, task.id, { assigneeId: home.manager.userId }, '"1"');
    expect(((await moved.json()) as Activity).assigneeId).toBe(home.manager.userId);
  });

  it("an agent cannot see, edit or delete activities on another agent's contact", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    const theirs = await insertContact(tenantId, colleague.userId);
    const note = await created(colleague.auth, { kind: "note", contactId: theirs, body: "private" });
    const audit = await countRows("audit_events");
    await expectProblem(await get(agent.auth, note.id), 404, "NOT_FOUND");
    await expectProblem(await patch(agent.auth, note.id, { body: "mine now" }, '"1"'), 404, "NOT_FOUND");
    await expectProblem(await del(agent.auth, note.id), 404, "NOT_FOUND");
    expect(await countRows("audit_events")).toBe(audit);
    expect(await row(note.id)).toMatchObject({ body: "private", version: 1 });
    expect((await get(manager.auth, note.id)).status).toBe(200);
  });

  it("an agent sees a task assigned to them on a contact they cannot see", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const theirs = await insertContact(tenantId, manager.userId);
    const task = await created(manager.auth, {
      kind: "task",
      contactId: theirs,
      dueAt: "2030-01-01T09:00:00.000Z",
      assigneeId: agent.userId,
    });
    expect((await get(agent.auth, task.id)).status).toBe(200);
    expect((await patch(agent.auth, task.id, { done: true }, '"1"')).status).toBe(200);
  });

  it("deletes for the author or a manager, 403 for another agent who can see it", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const colleague = await createMember(tenantId, "agent");
    await env.DB.prepare("INSERT INTO crm_settings (tenant_id, visibility, updated_at) VALUES (?, 'all', ?)")
      .bind(tenantId, Date.now())
      .run();
    const contactId = await insertContact(tenantId, agent.userId);
    const mine = await created(agent.auth, { kind: "note", contactId, body: "a" });
    const audit = await countRows("audit_events");
    await expectProblem(await del(colleague.auth, mine.id), 403, "FORBIDDEN");
    expect(await countRows("audit_events")).toBe(audit);
    expect(await row(mine.id)).not.toBeNull();
    expect((await del(agent.auth, mine.id)).status).toBe(204);
    expect(await row(mine.id)).toBeNull();
    expect(await auditOf(tenantId, "activity.deleted")).toEqual([
      { actor_id: agent.userId, target_id: mine.id, details: JSON.stringify({ kind: "note" }) },
    ]);
    const another = await created(agent.auth, { kind: "note", contactId, body: "b" });
    expect((await del(manager.auth, another.id)).status).toBe(204);
    await expectProblem(await del(manager.auth, another.id), 404, "NOT_FOUND");
  });
});

describe("GET /api/v1/tasks/mine", () => {
  it("finds the Riyadh calendar day's bounds around midnight", () => {
    // 20:59 UTC is 23:59 in Riyadh (UTC+3, no daylight saving); 21:00 UTC is the next day.
    const beforeMidnight = Date.parse("2026-11-22T20:59:00.000Z");
    expect(todayBounds(beforeMidnight, "Asia/Riyadh")).toEqual({
      start: Date.parse("2026-11-21T21:00:00.000Z"),
      end: Date.parse("2026-11-22T21:00:00.000Z"),
    });
    expect(startOfDay(Date.parse("2026-11-22T21:00:00.000Z"), "Asia/Riyadh")).toBe(
      Date.parse("2026-11-22T21:00:00.000Z"),
    );
    // A zone with daylight saving: the day of the spring change is 23 hours long.
    const { start, end } = todayBounds(Date.parse("2026-03-29T12:00:00.000Z"), "Europe/London");
    expect(end - start).toBe(23 * 60 * 60 * 1000);
  });

  it("buckets open tasks by the tenant's calendar day, soonest first, only the caller's", async () => {
    const { tenantId, agent, manager } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const now = Date.now();
    const { start, end } = todayBounds(now, "Asia/Riyadh");
    const at = (ms: number) => new Date(ms).toISOString();
    const task = (dueAt: number, title: string, extra: Record<string, unknown> = {}) =>
      created(agent.auth, { kind: "task", contactId, title, dueAt: at(dueAt), ...extra });
    await task(start - 60_000, "yesterday 23:59");
    await task(start, "today 00:00");
    await task(end - 60_000, "today 23:59");
    await task(end, "tomorrow 00:00");
    await task(start - 7 * 86_400_000, "last week");
    await task(start + 3_600_000, "someone else's", { assigneeId: manager.userId });
    const doneTask = await task(start + 7_200_000, "done already");
    await patch(agent.auth, doneTask.id, { done: true }, '"1"');
    await created(agent.auth, { kind: "note", contactId, body: "no due time" });

    const titles = async (bucket: string) =>
      (
        (await (await call(`/api/v1/tasks/mine?bucket=${bucket}`, { headers: agent.auth })).json()) as Page
      ).data.map((a) => a.title);
    expect(await titles("overdue")).toEqual(["last week", "yesterday 23:59"]);
    expect(await titles("today")).toEqual(["today 00:00", "today 23:59"]);
    expect(await titles("upcoming")).toEqual(["tomorrow 00:00"]);
    await expectProblem(
      await call("/api/v1/tasks/mine?bucket=later", { headers: agent.auth }),
      422,
      "VALIDATION_FAILED",
    );

    const counted = await callCountingD1("/api/v1/tasks/mine?bucket=today", { headers: agent.auth });
    expect(counted.res.status).toBe(200);
    expect(counted.d1RoundTrips).toBe(1);
  });

  it("uses the tenant's own time zone when it is not Riyadh", async () => {
    const { tenantId, agent } = await createTenant();
    await env.DB.prepare("UPDATE tenants SET timezone = 'Asia/Dubai' WHERE id = ?").bind(tenantId).run();
    const contactId = await insertContact(tenantId, agent.userId);
    const { start } = todayBounds(Date.now(), "Asia/Dubai");
    // 00:30 today in Dubai is still yesterday in Riyadh (an hour behind).
    await created(agent.auth, {
      kind: "task",
      contactId,
      title: "dubai",
      dueAt: new Date(start + 30 * 60_000).toISOString(),
    });
    const today = (await (
      await call("/api/v1/tasks/mine?bucket=today", { headers: agent.auth })
    ).json()) as Page;
    expect(today.data.map((a) => a.title)).toEqual(["dubai"]);
  });
});

describe("D1 round trips", () => {
  it("create 2 (the session check, run ahead of idempotency, then one batch), read 1, update 2, delete 2", async () => {
    const { tenantId, agent } = await createTenant();
    const contactId = await insertContact(tenantId, agent.userId);
    const json = { ...agent.auth, "Content-Type": "application/json" };
    const create = await callCountingD1("/api/v1/activities", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ kind: "call", contactId, title: "مكالمة" }),
    });
    expect(create.res.status).toBe(201);
    expect(create.d1RoundTrips).toBe(2);
    const { id } = (await create.res.json()) as Activity;
    const read = await callCountingD1(`/api/v1/activities/${id}`, { headers: agent.auth });
    expect([read.res.status, read.d1RoundTrips]).toEqual([200, 1]);
    const update = await callCountingD1(`/api/v1/activities/${id}`, {
      method: "PATCH",
      headers: { ...json, "If-Match": '"1"' },
      body: JSON.stringify({ body: "تم الاتفاق على موعد" }),
    });
    expect([update.res.status, update.d1RoundTrips]).toEqual([200, 2]);
    const remove = await callCountingD1(`/api/v1/activities/${id}`, {
      method: "DELETE",
      headers: agent.auth,
    });
    expect([remove.res.status, remove.d1RoundTrips]).toEqual([204, 2]);
  });
});
