// My tasks and the quick actions in a real browser on a 360 px phone, Arabic then English:
// schedule a task (first refused without a date, then saved), see it under Today, mark it done.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertFitsPhone,
  BASE_URL,
  launchBrowser,
  openSession,
  PHONE,
  queryDb,
  screenshot,
  submitAndWait,
  switchLanguage,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
  const seeded = await fetch(`${BASE_URL}/dev/seed`, { method: "POST" });
  assert.equal(seeded.status, 200);
});
after(() => browser?.close());

const AGENT = { email: "agent1@riyadh-realty.test", password: "riyadh-demo-2026" };

/** A contact of the demo agent, written to the local database (the contacts pages come separately). */
async function agentContact() {
  const [agent] = await queryDb(
    `SELECT m.tenant_id AS tenantId, u.id AS userId FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = '${AGENT.email}'`,
  );
  const id = `con_e2e${Date.now().toString(36).padStart(17, "0")}`.slice(0, 24);
  await queryDb(
    `INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, owner_id, created_at, updated_at) VALUES ('${id}', '${agent.tenantId}', 'فهد القحطاني', 'فهد القحطاني', 'فهد القحطاني', 'walk_in', '${agent.userId}', 0, 0)`,
  );
  return id;
}

test("my tasks: empty state, a task scheduled from a quick action, marked done (ar, en, 360 px)", async () => {
  const contactId = await agentContact();
  const session = await openSession(browser, { viewport: PHONE, phone: true });
  const { page } = session;
  await page.goto("/login?next=/tasks");
  await page.fill("#email", AGENT.email);
  await page.fill("#password", AGENT.password);
  await submitAndWait(page, page.locator('form[action="/login"] button[type="submit"]'));
  assert.equal(new URL(page.url()).pathname, "/tasks");
  await page.getByTestId("tasks-empty").waitFor();
  await assertFitsPhone(page, "empty tasks");
  await screenshot(page, "tasks-empty-ar-360");

  // A quick action as a contact page posts it; without a date it comes back with what to fix.
  await page.evaluate(
    ({ contactId }) => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/activities";
      const fields = { kind: "task", contactId, title: "إرسال عرض السعر", dueDate: "", back: "/tasks" };
      fields._csrf = document.querySelector('input[name="_csrf"]').value;
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    },
    { contactId },
  );
  await page.getByTestId("activity-form-page").waitFor();
  const taskForm = page.getByTestId("quick-task");
  assert.equal(await taskForm.locator('input[name="title"]').inputValue(), "إرسال عرض السعر");
  await assertFitsPhone(page, "quick actions with an error");
  await screenshot(page, "quick-actions-error-ar-360");

  // The date input defaults to today in Riyadh; a time later today keeps it under Today.
  await taskForm.locator('input[name="dueTime"]').fill("23:30");
  await submitAndWait(page, taskForm.locator('button[type="submit"]'));
  assert.equal(new URL(page.url()).pathname, "/tasks");
  const task = page.getByTestId("bucket-today").getByTestId("task");
  assert.equal(await task.count(), 1);
  assert.match(await task.textContent(), /إرسال عرض السعر/);
  assert.match(await task.textContent(), /فهد القحطاني/);
  await assertFitsPhone(page, "tasks");
  await screenshot(page, "tasks-ar-360");

  assert.deepEqual(await switchLanguage(page), { lang: "en", dir: "ltr" });
  await page.getByTestId("bucket-today").getByTestId("task").waitFor();
  await assertFitsPhone(page, "tasks (en)");
  await screenshot(page, "tasks-en-360");

  await submitAndWait(page, task.getByRole("button", { name: "Mark done" }));
  assert.equal(new URL(page.url()).pathname, "/tasks");
  await page.getByTestId("tasks-empty").waitFor();
  await screenshot(page, "tasks-done-en-360");
  const [row] = await queryDb(`SELECT done_at FROM activities WHERE contact_id = '${contactId}'`);
  assert.ok(row.done_at > 0, "the task is stored as done");
  await session.assertClean({ expectedErrorDocuments: ["/activities"] });
  await session.close();
});
