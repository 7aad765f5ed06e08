import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createOperator, createTenant } from "../../test/fixtures";
import { call, countRows, expectProblem, ORIGIN } from "../../test/helpers";
import { idPrefixes, newId } from "../platform/ids";
import { breachClock } from "./breach-clock";

type Operator = Awaited<ReturnType<typeof createOperator>>;
const HOUR = 3_600_000;

const send = (operator: Operator, method: string, path: string, body: unknown) =>
  call(path, {
    method,
    headers: { ...operator.cookie, Origin: ORIGIN, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

interface Breach {
  id: string;
  regulatorClock: { state: string; minutesLeft: number | null; deadline: string };
  missingFromNotice: string[];
  checklist: Record<string, boolean>;
  regulatorNotifiedAt: string | null;
  notifications: { recipient: string; tenantId: string | null; channel: string }[];
}

const incident = (awareAt: number, affectedTenantIds: string[]) => ({
  title: "Exported contact list sent to the wrong address",
  description: "A support engineer e-mailed a tenant's contact export to another tenant.",
  awareAt: new Date(awareAt).toISOString(),
  dataCategories: ["names", "phone numbers"],
  subjectCategories: ["tenant customers"],
  approxSubjects: 1200,
  affectedTenantIds,
});

const ALL_TICKED = {
  description_and_time: true,
  subjects_categories_and_count: true,
  data_types: true,
  risks: true,
  remedial_actions: true,
  contact: true,
};

let operator: Operator;
beforeEach(async () => {
  operator = await createOperator();
});

describe("the 72-hour regulator clock", () => {
  const aware = Date.parse("2026-12-01T10:00:00.000Z");
  it("runs for 72 hours from awareness, then is overdue; a notice stops it as met or late", () => {
    expect(breachClock(aware, null, aware + HOUR)).toEqual({
      deadline: Date.parse("2026-12-04T10:00:00.000Z"),
      state: "running",
      minutesLeft: 71 * 60,
    });
    expect(breachClock(aware, null, aware + 72 * HOUR - 60_000).minutesLeft).toBe(1);
    expect(breachClock(aware, null, aware + 72 * HOUR)).toMatchObject({ state: "overdue", minutesLeft: 0 });
    expect(breachClock(aware, null, aware + 75 * HOUR)).toMatchObject({
      state: "overdue",
      minutesLeft: -180,
    });
    expect(breachClock(aware, aware + 72 * HOUR, aware + 100 * HOUR)).toMatchObject({
      state: "met",
      minutesLeft: null,
    });
    expect(breachClock(aware, aware + 73 * HOUR, aware + 100 * HOUR).state).toBe("late");
  });
});

describe("the breach register", () => {
  it("opens an incident, ticks the checklist, records notices, and audits each step", async () => {
    const tenant = await createTenant("Affected Co");
    const awareAt = Date.now() - 10 * HOUR;
    const opened = await send(
      operator,
      "POST",
      "/admin/breach-incidents",
      incident(awareAt, [tenant.tenantId]),
    );
    expect(opened.status).toBe(201);
    const breach = (await opened.json()) as Breach;
    expect(breach.regulatorClock.state).toBe("running");
    expect(breach.regulatorClock.minutesLeft).toBeGreaterThan(61 * 60);
    expect(breach.regulatorClock.minutesLeft).toBeLessThanOrEqual(62 * 60);
    expect(breach.missingFromNotice).toHaveLength(6);

    // The regulator notice waits for a complete checklist.
    const early = await send(operator, "POST", `/admin/breach-incidents/${breach.id}/notifications`, {
      recipient: "regulator",
      channel: "ndgp_portal",
    });
    const problem = await expectProblem(early, 422, "VALIDATION_FAILED");
    expect(problem.errors?.map((error) => error.path)).toContain("checklist.risks");
    expect(
      await env.DB.prepare("SELECT id FROM breach_notifications WHERE incident_id = ?").bind(breach.id).all(),
    ).toMatchObject({ results: [] });

    const partly = await send(operator, "PATCH", `/admin/breach-incidents/${breach.id}`, {
      risks: "Unwanted contact; phishing.",
      remedialActions: "Recipient deleted the file; exports now need a second approval.",
      contactPoint: "privacy@dealix.sa",
      checklist: { ...ALL_TICKED, contact: false },
    });
    expect(((await partly.json()) as Breach).missingFromNotice).toEqual(["contact"]);
    await expectProblem(
      await send(operator, "POST", `/admin/breach-incidents/${breach.id}/notifications`, {
        recipient: "regulator",
        channel: "ndgp_portal",
      }),
      422,
      "VALIDATION_FAILED",
    );
    await send(operator, "PATCH", `/admin/breach-incidents/${breach.id}`, { checklist: { contact: true } });

    const notified = await send(operator, "POST", `/admin/breach-incidents/${breach.id}/notifications`, {
      recipient: "regulator",
      channel: "ndgp_portal",
      reference: "NDGP-2026-0042",
    });
    expect(notified.status).toBe(201);
    const tenantNotice = await send(operator, "POST", `/admin/breach-incidents/${breach.id}/notifications`, {
      recipient: "tenant",
      tenantId: tenant.tenantId,
      channel: "email",
    });
    expect(tenantNotice.status).toBe(201);

    const detail = (await (
      await call(`/admin/breach-incidents/${breach.id}`, { headers: operator.cookie })
    ).json()) as Breach;
    expect(detail.regulatorClock).toMatchObject({ state: "met", minutesLeft: null });
    expect(detail.regulatorNotifiedAt).not.toBeNull();
    expect(detail.notifications).toEqual([
      expect.objectContaining({ recipient: "regulator", channel: "ndgp_portal" }),
      expect.objectContaining({ recipient: "tenant", tenantId: tenant.tenantId, channel: "email" }),
    ]);
    const audit = await env.DB.prepare(
      "SELECT action FROM operator_audit_events WHERE operator_id = ? AND target_id = ? ORDER BY created_at, rowid",
    )
      .bind(operator.userId, breach.id)
      .all<{ action: string }>();
    expect(audit.results.map((row) => row.action)).toEqual([
      "operator.breach_opened",
      "operator.breach_updated",
      "operator.breach_updated",
      "operator.breach_notified",
      "operator.breach_notified",
    ]);
    const list = (await (await call("/admin/breach-incidents", { headers: operator.cookie })).json()) as {
      data: Breach[];
    };
    expect(list.data.map((row) => row.id)).toContain(breach.id);
  });

  it("shows an unnotified incident past 72 hours as overdue", async () => {
    const opened = await send(
      operator,
      "POST",
      "/admin/breach-incidents",
      incident(Date.now() - 80 * HOUR, []),
    );
    const breach = (await opened.json()) as Breach;
    expect(breach.regulatorClock.state).toBe("overdue");
    expect(breach.regulatorClock.minutesLeft).toBeLessThanOrEqual(-8 * 60);
  });

  it("refuses bad input, unknown tenants, a future awareness and a tenant notice for an unaffected tenant, writing nothing", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const before = await countRows("breach_incidents");
    await expectProblem(
      await send(operator, "POST", "/admin/breach-incidents", {
        ...incident(Date.now(), []),
        approxSubjects: -1,
      }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(operator, "POST", "/admin/breach-incidents", { ...incident(Date.now(), []), extra: true }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(operator, "POST", "/admin/breach-incidents", incident(Date.now() + 10 * 60_000, [])),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(
        operator,
        "POST",
        "/admin/breach-incidents",
        incident(Date.now(), [newId(idPrefixes.tenant)]),
      ),
      422,
      "VALIDATION_FAILED",
    );
    expect(await countRows("breach_incidents")).toBe(before);

    const breach = (await (
      await send(operator, "POST", "/admin/breach-incidents", incident(Date.now(), [tenant.tenantId]))
    ).json()) as Breach;
    await expectProblem(
      await send(operator, "POST", `/admin/breach-incidents/${breach.id}/notifications`, {
        recipient: "tenant",
        tenantId: other.tenantId,
        channel: "email",
      }),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(operator, "POST", `/admin/breach-incidents/${breach.id}/notifications`, {
        recipient: "data_subjects",
        channel: "carrier_pigeon",
      }),
      422,
      "VALIDATION_FAILED",
    );
    const notices = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM breach_notifications WHERE incident_id = ?",
    )
      .bind(breach.id)
      .first<{ n: number }>();
    expect(notices?.n).toBe(0);
    await expectProblem(
      await call(`/admin/breach-incidents/${newId(idPrefixes.breach)}`, { headers: operator.cookie }),
      404,
      "NOT_FOUND",
    );
  });

  it("is for platform operators only: a tenant owner's token gets a 401 and nothing is written", async () => {
    const tenant = await createTenant();
    const before = await countRows("breach_incidents");
    const res = await call("/admin/breach-incidents", {
      method: "POST",
      headers: { ...tenant.owner.auth, Origin: ORIGIN, "Content-Type": "application/json" },
      body: JSON.stringify(incident(Date.now(), [])),
    });
    await expectProblem(res, 401, "UNAUTHENTICATED");
    await expectProblem(
      await call("/admin/breach-incidents", { headers: tenant.owner.auth }),
      401,
      "UNAUTHENTICATED",
    );
    expect(await countRows("breach_incidents")).toBe(before);
  });
});
