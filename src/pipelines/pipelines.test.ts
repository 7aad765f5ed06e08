import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, countRows, expectProblem } from "../../test/helpers";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Stage = { id: string; name: string; kind: string; position: number; probability: number };
type Pipeline = { id: string; name: string; isDefault: boolean; stages: Stage[] };

const send = (auth: Record<string, string>, method: string, path: string, body?: unknown) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function createPipeline(tenant: Tenant, body: unknown = { name: "Sale" }) {
  const res = await send(tenant.manager.auth, "POST", "/pipelines", body);
  expect(res.status).toBe(201);
  return (await res.json()) as Pipeline;
}

async function createDeal(tenant: Tenant, body: Record<string, unknown>) {
  const res = await send(tenant.manager.auth, "POST", "/deals", { title: "Villa", ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; stageId: string; version: number };
}

const stagesOf = async (pipelineId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, position, archived_at FROM pipeline_stages WHERE pipeline_id = ? ORDER BY position",
    )
      .bind(pipelineId)
      .all<{ id: string; position: number; archived_at: number | null }>()
  ).results;

describe("pipelines and stages", () => {
  it("creates the first pipeline as the default with the usual stages, and lists it", async () => {
    const tenant = await createTenant();
    const created = await createPipeline(tenant, { name: "Sale" });
    expect(created.isDefault).toBe(true);
    expect(created.stages.map((s) => s.kind)).toEqual(["open", "open", "open", "open", "won", "lost"]);
    const second = await createPipeline(tenant, {
      name: "Rent",
      stages: [{ name: "Viewing", kind: "open" }],
    });
    expect(second.isDefault).toBe(false);
    const list = await send(tenant.agent.auth, "GET", "/pipelines");
    expect(list.status).toBe(200);
    const { data } = (await list.json()) as { data: Pipeline[] };
    expect(data.map((p) => [p.name, p.isDefault, p.stages.length])).toEqual([
      ["Sale", true, 6],
      ["Rent", false, 1],
    ]);
    expect(
      await countRows(`audit_events WHERE tenant_id = '${tenant.tenantId}' AND action = 'pipeline.created'`),
    ).toBe(2);
  });

  it("moves the default: exactly one default at a time", async () => {
    const tenant = await createTenant();
    const sale = await createPipeline(tenant);
    const rent = await createPipeline(tenant, { name: "Rent" });
    const res = await send(tenant.manager.auth, "PATCH", `/pipelines/${rent.id}`, {
      isDefault: true,
      name: "إيجار",
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Pipeline).name).toBe("إيجار");
    const rows = await env.DB.prepare(
      "SELECT id, is_default FROM pipelines WHERE tenant_id = ? ORDER BY position",
    )
      .bind(tenant.tenantId)
      .all<{ id: string; is_default: number }>();
    expect(rows.results).toEqual([
      { id: sale.id, is_default: 0 },
      { id: rent.id, is_default: 1 },
    ]);
    await expectProblem(
      await send(tenant.manager.auth, "POST", `/pipelines/${rent.id}/archive`),
      409,
      "CONFLICT",
    );
    expect((await send(tenant.manager.auth, "POST", `/pipelines/${sale.id}/archive`)).status).toBe(204);
  });

  it("refuses bad input and writes nothing", async () => {
    const tenant = await createTenant();
    const pipeline = await createPipeline(tenant);
    const before = await countRows("pipeline_stages");
    const audits = await countRows("audit_events");
    const bad: [string, string, unknown][] = [
      ["POST", "/pipelines", { name: "" }],
      ["POST", "/pipelines", { name: "X", stages: [{ name: "Won", kind: "won" }] }],
      ["POST", "/pipelines", { name: "X", tenantId: "ten_00000000000000000000" }],
      ["POST", `/pipelines/${pipeline.id}/stages`, { name: "X", kind: "maybe" }],
      ["POST", `/pipelines/${pipeline.id}/stages`, { name: "X", kind: "open", probability: 101 }],
      ["PATCH", `/stages/${pipeline.stages[0]?.id}`, { probability: -1 }],
      ["POST", `/pipelines/${pipeline.id}/stages/reorder`, { stageIds: [pipeline.stages[0]?.id] }],
    ];
    for (const [method, path, body] of bad) {
      await expectProblem(await send(tenant.manager.auth, method, path, body), 422, "VALIDATION_FAILED");
    }
    expect(await countRows("pipeline_stages")).toBe(before);
    expect(await countRows("audit_events")).toBe(audits);
  });

  it("lets only managers and owners change pipelines", async () => {
    const tenant = await createTenant();
    const pipeline = await createPipeline(tenant);
    const before = await countRows("pipelines");
    await expectProblem(
      await send(tenant.agent.auth, "POST", "/pipelines", { name: "Mine" }),
      403,
      "FORBIDDEN",
    );
    await expectProblem(
      await send(tenant.agent.auth, "PATCH", `/stages/${pipeline.stages[0]?.id}`, { name: "x" }),
      403,
      "FORBIDDEN",
    );
    expect(await countRows("pipelines")).toBe(before);
  });

  it("adds, renames, re-kinds and reorders stages; reorder keeps every deal in its stage", async () => {
    const tenant = await createTenant();
    const pipeline = await createPipeline(tenant);
    const added = await send(tenant.manager.auth, "POST", `/pipelines/${pipeline.id}/stages`, {
      name: "معاينة",
      kind: "open",
      probability: 30,
    });
    expect(added.status).toBe(201);
    const stage = (await added.json()) as Stage;
    expect(stage.position).toBe(6);
    const renamed = await send(tenant.manager.auth, "PATCH", `/stages/${stage.id}`, {
      name: "زيارة",
      probability: 40,
    });
    expect(await renamed.json()).toMatchObject({ name: "زيارة", probability: 40, kind: "open" });
    const deals = await Promise.all(pipeline.stages.map((s) => createDeal(tenant, { stageId: s.id })));
    const order = [stage.id, ...pipeline.stages.map((s) => s.id).reverse()];
    const res = await send(tenant.manager.auth, "POST", `/pipelines/${pipeline.id}/stages/reorder`, {
      stageIds: order,
    });
    expect(res.status).toBe(200);
    expect((await stagesOf(pipeline.id)).map((s) => s.id)).toEqual(order);
    for (const deal of deals) {
      const row = await env.DB.prepare("SELECT stage_id FROM deals WHERE id = ?")
        .bind(deal.id)
        .first<{ stage_id: string }>();
      expect(row?.stage_id).toBe(deal.stageId);
    }
  });

  it("refuses to archive a stage with deals unless they are moved, and records each move", async () => {
    const tenant = await createTenant();
    const pipeline = await createPipeline(tenant);
    const [first, second] = pipeline.stages as [Stage, Stage];
    const deals = [
      await createDeal(tenant, { stageId: first.id }),
      await createDeal(tenant, { stageId: first.id }),
    ];
    const history = await countRows("deal_stage_history");
    await expectProblem(
      await send(tenant.manager.auth, "POST", `/stages/${first.id}/archive`, {}),
      409,
      "CONFLICT",
    );
    expect((await stagesOf(pipeline.id))[0]?.archived_at).toBeNull();
    expect(await countRows("deal_stage_history")).toBe(history);

    const res = await send(tenant.manager.auth, "POST", `/stages/${first.id}/archive`, {
      moveDealsToStageId: second.id,
    });
    expect(res.status).toBe(204);
    expect((await stagesOf(pipeline.id)).find((s) => s.id === first.id)?.archived_at).not.toBeNull();
    for (const deal of deals) {
      const row = await env.DB.prepare(
        "SELECT d.stage_id, h.from_stage_id, h.to_stage_id FROM deals d JOIN deal_stage_history h ON h.deal_id = d.id AND h.from_stage_id IS NOT NULL WHERE d.id = ?",
      )
        .bind(deal.id)
        .first();
      expect(row).toEqual({ stage_id: second.id, from_stage_id: first.id, to_stage_id: second.id });
    }
    const list = (await (await send(tenant.manager.auth, "GET", "/pipelines")).json()) as {
      data: Pipeline[];
    };
    expect(list.data[0]?.stages.map((s) => s.id)).not.toContain(first.id);
  });

  it("never archives or re-kinds the last open stage", async () => {
    const tenant = await createTenant();
    const pipeline = await createPipeline(tenant, {
      name: "Tiny",
      stages: [
        { name: "Only", kind: "open" },
        { name: "Won", kind: "won" },
      ],
    });
    const only = pipeline.stages[0] as Stage;
    await expectProblem(
      await send(tenant.manager.auth, "POST", `/stages/${only.id}/archive`, {}),
      409,
      "CONFLICT",
    );
    await expectProblem(
      await send(tenant.manager.auth, "PATCH", `/stages/${only.id}`, { kind: "won" }),
      409,
      "CONFLICT",
    );
  });

  it("answers 404 for another tenant's pipeline and stage", async () => {
    const [home, other] = await Promise.all([createTenant(), createTenant()]);
    const foreign = await createPipeline(other);
    await expectProblem(
      await send(home.manager.auth, "PATCH", `/pipelines/${foreign.id}`, { name: "x" }),
      404,
      "NOT_FOUND",
    );
    await expectProblem(
      await send(home.manager.auth, "POST", `/stages/${foreign.stages[0]?.id}/archive`, {}),
      404,
      "NOT_FOUND",
    );
    const row = await env.DB.prepare("SELECT name FROM pipelines WHERE id = ?").bind(foreign.id).first();
    expect(row).toEqual({ name: "Sale" });
  });
});
