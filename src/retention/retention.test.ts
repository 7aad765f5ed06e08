import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, expectProblem } from "../../test/helpers";
import { PRIVACY_CRON } from "../../workers/cron/index";
import worker from "../index";
import { nextRunMode } from "./retention.service";

const DAY = 86_400_000;

const put = (auth: Record<string, string>, body: unknown) =>
  call("/api/v1/retention", {
    method: "PUT",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

async function runPrivacyCron(now: number) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: PRIVACY_CRON }), env, ctx);
  await waitOnExecutionContext(ctx);
  spy.mockRestore();
  return JSON.parse(lines.find((line) => line.includes('"msg":"job"')) ?? "{}");
}

let seq = 0;
/**
 * A tenant's data straight in D1: `lost` closed-lost deals closed 800 days ago (one recent), 3
 * messages 800 days old with words, 2 old audit events and the rows of an import finished 40 days ago.
 */
async function seed(tenantId: string, now: number) {
  const n = ++seq;
  const pipeline = `pip_ret${n}${tenantId.slice(-8)}`;
  const lost = `stg_lost${n}${tenantId.slice(-8)}`;
  const open = `stg_open${n}${tenantId.slice(-8)}`;
  const old = now - 800 * DAY;
  const statements = [
    env.DB.prepare(
      "INSERT INTO pipelines (id, tenant_id, name, is_default, position, created_at, updated_at) VALUES (?, ?, 'Sales', 0, 9, ?, ?)",
    ).bind(pipeline, tenantId, now, now),
    env.DB.prepare(
      "INSERT INTO pipeline_stages (id, tenant_id, pipeline_id, name, kind, probability, position, created_at) VALUES (?, ?, ?, 'Lost', 'lost', 0, 9, ?), (?, ?, ?, 'Open', 'open', 10, 1, ?)",
    ).bind(lost, tenantId, pipeline, now, open, tenantId, pipeline, now),
  ];
  const deal = env.DB.prepare(
    "INSERT INTO deals (id, tenant_id, title, title_norm, pipeline_id, stage_id, created_at, updated_at, stage_changed_at, closed_at) VALUES (?, ?, 'Villa', 'villa', ?, ?, ?, ?, ?, ?)",
  );
  for (let i = 0; i < 3; i++) {
    statements.push(
      deal.bind(`deal_old${i}${n}${tenantId.slice(-8)}`, tenantId, pipeline, lost, old, old, old, old),
    );
  }
  statements.push(
    deal.bind(`deal_new${n}${tenantId.slice(-8)}`, tenantId, pipeline, lost, now, now, now, now - 10 * DAY),
  );
  statements.push(
    deal.bind(`deal_opn${n}${tenantId.slice(-8)}`, tenantId, pipeline, open, old, old, old, null),
  );
  statements.push(
    env.DB.prepare(
      "INSERT INTO deal_stage_history (id, tenant_id, deal_id, pipeline_id, from_stage_id, to_stage_id, actor_type, at) VALUES (?, ?, ?, ?, NULL, ?, 'system', ?)",
    ).bind(
      `dsh_old${n}${tenantId.slice(-8)}`,
      tenantId,
      `deal_old0${n}${tenantId.slice(-8)}`,
      pipeline,
      lost,
      old,
    ),
  );
  const contact = `con_ret${n}${tenantId.slice(-8)}`;
  const thread = `cnv_ret${n}${tenantId.slice(-8)}`;
  statements.push(
    env.DB.prepare(
      "INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, status, created_at, updated_at) VALUES (?, ?, 'Reem', 'reem', 'reem', 'walk_in', 'new', ?, ?)",
    ).bind(contact, tenantId, old, old),
    env.DB.prepare(
      "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, last_preview, created_at) VALUES (?, ?, ?, ?, 'old words', ?)",
    ).bind(thread, tenantId, contact, old, old),
  );
  const message = env.DB.prepare(
    "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, body, template, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'inbound', ?, ?, ?, 'received', ?, ?)",
  );
  statements.push(
    message.bind(
      `wam_a${n}${tenantId.slice(-8)}`,
      tenantId,
      thread,
      contact,
      "text",
      "my id is 1234",
      null,
      old,
      old,
    ),
    message.bind(
      `wam_b${n}${tenantId.slice(-8)}`,
      tenantId,
      thread,
      contact,
      "text",
      "call me",
      null,
      old,
      old,
    ),
    message.bind(
      `wam_c${n}${tenantId.slice(-8)}`,
      tenantId,
      thread,
      contact,
      "template",
      null,
      JSON.stringify({ name: "offer", language: "ar", variables: ["Reem"] }),
      old,
      old,
    ),
    message.bind(
      `wam_d${n}${tenantId.slice(-8)}`,
      tenantId,
      thread,
      contact,
      "text",
      "recent",
      null,
      now,
      now,
    ),
  );
  const audit = env.DB.prepare(
    "INSERT INTO audit_events (id, tenant_id, actor_type, action, created_at) VALUES (?, ?, 'system', 'test.old', ?)",
  );
  statements.push(
    audit.bind(`aud_old1${n}${tenantId.slice(-8)}`, tenantId, now - 1900 * DAY),
    audit.bind(`aud_old2${n}${tenantId.slice(-8)}`, tenantId, now - 1830 * DAY),
    audit.bind(`aud_new${n}${tenantId.slice(-8)}`, tenantId, now - 1800 * DAY),
  );
  const importId = `imp_ret${n}${tenantId.slice(-8)}`;
  statements.push(
    env.DB.prepare(
      "INSERT INTO imports (id, tenant_id, status, encoding, headers, total_rows, created_by, created_by_type, created_at, updated_at, finished_at) VALUES (?, ?, 'done', 'utf-8', '[]', 4, 'usr_x', 'user', ?, ?, ?)",
    ).bind(importId, tenantId, now - 41 * DAY, now - 40 * DAY, now - 40 * DAY),
  );
  for (let row = 1; row <= 4; row++) {
    statements.push(
      env.DB.prepare(
        "INSERT INTO import_rows (tenant_id, import_id, row_number, raw, status) VALUES (?, ?, ?, '[]', 'created')",
      ).bind(tenantId, importId, row),
    );
  }
  await env.DB.batch(statements);
}

const EXPECTED = { closed_lost_deals: 3, message_bodies: 3, audit_events: 2, import_rows: 4 };

const snapshot = async (tenantId: string) => {
  const count = (sqlText: string) =>
    env.DB.prepare(sqlText)
      .bind(tenantId)
      .first<{ n: number }>()
      .then((row) => row?.n ?? 0);
  return {
    deals: await count("SELECT COUNT(*) AS n FROM deals WHERE tenant_id = ?"),
    bodies: await count(
      "SELECT COUNT(*) AS n FROM messages WHERE tenant_id = ? AND (body IS NOT NULL OR json_array_length(template, '$.variables') > 0)",
    ),
    audit: await count("SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'test.old'"),
    importRows: await count("SELECT COUNT(*) AS n FROM import_rows WHERE tenant_id = ?"),
  };
};

describe("retention", () => {
  it("decides between a dry run and enforcement", () => {
    expect(nextRunMode({ updatedAt: null, confirmedAt: null, lastRunAt: null })).toBe("dry_run");
    expect(nextRunMode({ updatedAt: null, confirmedAt: null, lastRunAt: 5 })).toBe("apply");
    expect(nextRunMode({ updatedAt: 10, confirmedAt: null, lastRunAt: 5 })).toBe("dry_run");
    expect(nextRunMode({ updatedAt: 10, confirmedAt: null, lastRunAt: 11 })).toBe("apply");
    expect(nextRunMode({ updatedAt: 10, confirmedAt: 10, lastRunAt: 5 })).toBe("apply");
    expect(nextRunMode({ updatedAt: 10, confirmedAt: 9, lastRunAt: 5 })).toBe("dry_run");
  });

  it("previews counts and writes nothing; the first run is dry; the next removes exactly what the dry run counted; another tenant is untouched", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const now = Date.now();
    await seed(tenant.tenantId, now);
    await seed(other.tenantId, now);
    const before = await snapshot(tenant.tenantId);
    const otherBefore = await snapshot(other.tenantId);

    const preview = await call("/api/v1/retention/preview", { headers: tenant.manager.auth });
    expect(preview.status).toBe(200);
    expect(((await preview.json()) as { counts: unknown }).counts).toEqual(EXPECTED);
    expect(await snapshot(tenant.tenantId)).toEqual(before);

    // The first run for a tenant is a dry run: recorded, nothing removed.
    await runPrivacyCron(now);
    expect(await snapshot(tenant.tenantId)).toEqual(before);
    const settings = (await (await call("/api/v1/retention", { headers: tenant.owner.auth })).json()) as {
      nextRun: string;
      runs: { mode: string; counts: unknown }[];
    };
    expect(settings.nextRun).toBe("apply");
    expect(settings.runs).toEqual([expect.objectContaining({ mode: "dry_run", counts: EXPECTED })]);

    // The other tenant changes its periods: its next run is dry again, so it keeps everything.
    expect((await put(other.owner.auth, { periods: { message_bodies: 3650 } })).status).toBe(200);

    await runPrivacyCron(now + 1000);
    const after = await snapshot(tenant.tenantId);
    expect(after).toEqual({
      deals: before.deals - 3,
      bodies: before.bodies - 3,
      audit: before.audit - 2,
      importRows: before.importRows - 4,
    });
    const applied = (await (
      await call("/api/v1/retention", { headers: tenant.owner.auth })
    ).json()) as typeof settings;
    expect(applied.runs[0]).toMatchObject({ mode: "applied", counts: EXPECTED });
    expect(await snapshot(other.tenantId)).toEqual(otherBefore);
    // The messages stay, without their words; the history of the removed deal went with it.
    const template = await env.DB.prepare(
      "SELECT body, template FROM messages WHERE id LIKE 'wam_c%' AND tenant_id = ?",
    )
      .bind(tenant.tenantId)
      .first<{ body: string | null; template: string }>();
    expect(JSON.parse(template?.template ?? "{}")).toEqual({ name: "offer", language: "ar", variables: [] });
    const history = await env.DB.prepare("SELECT COUNT(*) AS n FROM deal_stage_history WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ n: number }>();
    expect(history?.n).toBe(0);
    const preview2 = await call("/api/v1/retention/preview", { headers: tenant.owner.auth });
    expect(((await preview2.json()) as { counts: unknown }).counts).toEqual({
      closed_lost_deals: 0,
      message_bodies: 0,
      audit_events: 0,
      import_rows: 0,
    });
  });

  it("lets owners set periods within bounds, audited; a confirmed change applies without a dry run", async () => {
    const tenant = await createTenant();
    const res = await put(tenant.owner.auth, { periods: { closed_lost_deals: 365 }, confirm: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { periods: { type: string; days: number }[]; nextRun: string };
    expect(body.periods.find((p) => p.type === "closed_lost_deals")?.days).toBe(365);
    expect(body.periods.find((p) => p.type === "audit_events")?.days).toBe(1825);
    expect(body.nextRun).toBe("apply");
    const unconfirmed = (await (
      await put(tenant.owner.auth, { periods: { import_rows: 60 } })
    ).json()) as typeof body;
    expect(unconfirmed.nextRun).toBe("dry_run");
    expect(unconfirmed.periods.find((p) => p.type === "closed_lost_deals")?.days).toBe(365);
    const confirmed = await call("/api/v1/retention/confirm", { method: "POST", headers: tenant.owner.auth });
    expect(((await confirmed.json()) as typeof body).nextRun).toBe("apply");
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE tenant_id = ? AND action LIKE 'retention.%' ORDER BY created_at, rowid",
    )
      .bind(tenant.tenantId)
      .all<{ action: string }>();
    expect(audit.results.map((row) => row.action)).toEqual([
      "retention.updated",
      "retention.updated",
      "retention.confirmed",
    ]);
  });

  it("refuses periods out of bounds, unknown types and wrong roles, writing nothing", async () => {
    const tenant = await createTenant();
    for (const periods of [
      { audit_events: 365 },
      { message_bodies: 10 },
      { import_rows: 4000 },
      { contacts: 30 },
    ]) {
      await expectProblem(await put(tenant.owner.auth, { periods }), 422, "VALIDATION_FAILED");
    }
    await expectProblem(await put(tenant.manager.auth, { periods: { import_rows: 60 } }), 403, "FORBIDDEN");
    await expectProblem(
      await call("/api/v1/retention/preview", { headers: tenant.agent.auth }),
      403,
      "FORBIDDEN",
    );
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM retention_policies WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});
