import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createMember, createTenant } from "../../test/fixtures";
import { call, callCountingD1, countRows, expectProblem } from "../../test/helpers";
import { idPrefixes, newId } from "../platform/ids";
import { nameKey, normaliseText } from "../platform/text-normalise";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Deal = {
  id: string;
  title: string;
  pipelineId: string;
  stageId: string;
  status: string;
  ownerId: string | null;
  amountHalalas: number;
  boardRank: number;
  version: number;
};
type Pipeline = { id: string; isDefault: boolean; stages: { id: string; kind: string }[] };

const send = (auth: Record<string, string>, method: string, path: string, body?: unknown, headers = {}) =>
  call(`/api/v1${path}`, {
    method,
    headers: { ...auth, ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function newDeal(auth: Record<string, string>, body: Record<string, unknown> = {}) {
  const res = await send(auth, "POST", "/deals", { title: "فيلا الملقا", ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as Deal;
}

async function pipelinesOf(tenant: Tenant) {
  const res = await send(tenant.manager.auth, "GET", "/pipelines");
  return ((await res.json()) as { data: Pipeline[] }).data;
}

/** A contact written straight to D1 until the contacts API lands. */
async function insertContact(tenantId: string, ownerId: string | null, name = "نورة العتيبي") {
  const id = newId(idPrefixes.contact);
  await env.DB.prepare(
    "INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'walk_in', ?, ?, ?)",
  )
    .bind(id, tenantId, name, normaliseText(name), nameKey(name), ownerId, Date.now(), Date.now())
    .run();
  return id;
}

const dealRow = (id: string) =>
  env.DB.prepare("SELECT title, stage_id, version, owner_id, amount_halalas FROM deals WHERE id = ?")
    .bind(id)
    .first<{
      title: string;
      stage_id: string;
      version: number;
      owner_id: string | null;
      amount_halalas: number;
    }>();

const historyOf = async (dealId: string) =>
  (
    await env.DB.prepare(
      "SELECT from_stage_id, to_stage_id, actor_id FROM deal_stage_history WHERE deal_id = ? ORDER BY at, rowid",
    )
      .bind(dealId)
      .all<{ from_stage_id: string | null; to_stage_id: string; actor_id: string }>()
  ).results;

describe("deals", () => {
  it("gives a new tenant's first deal the default Sales pipeline, its first open stage and a history row", async () => {
    const tenant = await createTenant();
    const res = await send(tenant.agent.auth, "POST", "/deals", {
      title: "شقة حي النرجس",
      amountHalalas: 85_000_000,
    });
    expect(res.status).toBe(201);
    const deal = (await res.json()) as Deal;
    expect(res.headers.get("ETag")).toBe('"1"');
    const [pipeline] = await pipelinesOf(tenant);
    expect(pipeline?.isDefault).toBe(true);
    expect(deal).toMatchObject({
      pipelineId: pipeline?.id,
      stageId: pipeline?.stages[0]?.id,
      status: "open",
    });
    expect(deal.ownerId).toBe(tenant.agent.userId);
    expect(await historyOf(deal.id)).toEqual([
      { from_stage_id: null, to_stage_id: deal.stageId, actor_id: tenant.agent.userId },
    ]);
    expect(await countRows(`audit_events WHERE target_id = '${deal.id}' AND action = 'deal.created'`)).toBe(
      1,
    );
  });

  it("makes one default pipeline when first deals are created concurrently", async () => {
    const tenant = await createTenant();
    await Promise.all([1, 2, 3].map(() => newDeal(tenant.manager.auth)));
    expect(await countRows(`pipelines WHERE tenant_id = '${tenant.tenantId}'`)).toBe(1);
    expect(await countRows(`pipeline_stages WHERE tenant_id = '${tenant.tenantId}'`)).toBe(6);
  });

  it("refuses bad input and foreign or invisible references with 422, writing nothing", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    await newDeal(tenant.manager.auth);
    const foreignContact = await insertContact(other.tenantId, other.owner.userId);
    const managersContact = await insertContact(tenant.tenantId, tenant.manager.userId);
    const before = { deals: await countRows("deals"), audits: await countRows("audit_events") };
    const cases: [Record<string, string>, unknown, string][] = [
      [tenant.manager.auth, { title: "" }, "title"],
      [tenant.manager.auth, { title: "x", amountHalalas: -5 }, "amountHalalas"],
      [tenant.manager.auth, { title: "x", amountHalalas: 10.5 }, "amountHalalas"],
      [tenant.manager.auth, { title: "x", expectedCloseOn: "2026-02-30" }, "expectedCloseOn"],
      [tenant.manager.auth, { title: "x", tenantId: other.tenantId }, "body"],
      [tenant.manager.auth, { title: "x", contactId: foreignContact }, "contactId"],
      [tenant.manager.auth, { title: "x", ownerId: other.agent.userId }, "ownerId"],
      [tenant.manager.auth, { title: "x", stageId: newId(idPrefixes.stage) }, "stageId"],
      [tenant.agent.auth, { title: "x", contactId: managersContact }, "contactId"],
      [tenant.agent.auth, { title: "x", ownerId: tenant.manager.userId }, "ownerId"],
    ];
    for (const [auth, body, path] of cases) {
      const problem = await expectProblem(await send(auth, "POST", "/deals", body), 422, "VALIDATION_FAILED");
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    expect(await countRows("deals")).toBe(before.deals);
    expect(await countRows("audit_events")).toBe(before.audits);
  });

  it("shows agents only their own deals unless the tenant widens visibility", async () => {
    const tenant = await createTenant();
    const otherAgent = await createMember(tenant.tenantId, "agent");
    const mine = await newDeal(tenant.agent.auth, { title: "Mine" });
    const theirs = await newDeal(tenant.manager.auth, { title: "Theirs", ownerId: otherAgent.userId });
    const list = async (auth: Record<string, string>) =>
      ((await (await send(auth, "GET", "/deals")).json()) as { data: Deal[] }).data
        .map((d) => d.title)
        .sort();
    expect(await list(tenant.agent.auth)).toEqual(["Mine"]);
    expect(await list(tenant.manager.auth)).toEqual(["Mine", "Theirs"]);
    await expectProblem(await send(tenant.agent.auth, "GET", `/deals/${theirs.id}`), 404, "NOT_FOUND");
    await expectProblem(
      await send(
        tenant.agent.auth,
        "PATCH",
        `/deals/${theirs.id}`,
        { title: "hijack" },
        { "If-Match": '"1"' },
      ),
      404,
      "NOT_FOUND",
    );
    await expectProblem(
      await send(tenant.agent.auth, "POST", `/deals/${theirs.id}/move`, { stageId: mine.stageId }),
      404,
      "NOT_FOUND",
    );
    expect((await dealRow(theirs.id))?.title).toBe("Theirs");
    await env.DB.prepare("INSERT INTO crm_settings (tenant_id, visibility, updated_at) VALUES (?, 'all', ?)")
      .bind(tenant.tenantId, Date.now())
      .run();
    expect(await list(tenant.agent.auth)).toEqual(["Mine", "Theirs"]);
  });

  it("requires If-Match on PATCH: 428 without it, 412 when stale, nothing written either way", async () => {
    const tenant = await createTenant();
    const contact = await insertContact(tenant.tenantId, tenant.manager.userId);
    const deal = await newDeal(tenant.manager.auth);
    const audits = await countRows("audit_events");
    await expectProblem(
      await send(tenant.manager.auth, "PATCH", `/deals/${deal.id}`, { title: "No version" }),
      428,
      "VERSION_REQUIRED",
    );
    const ok = await send(
      tenant.manager.auth,
      "PATCH",
      `/deals/${deal.id}`,
      { title: "Renamed", amountHalalas: 1_000_00, contactId: contact, ownerId: tenant.agent.userId },
      { "If-Match": '"1"' },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get("ETag")).toBe('"2"');
    expect(await ok.json()).toMatchObject({ title: "Renamed", version: 2, contactId: contact });
    const stale = await expectProblem(
      await send(
        tenant.manager.auth,
        "PATCH",
        `/deals/${deal.id}`,
        { title: "Stale" },
        { "If-Match": '"1"' },
      ),
      412,
      "VERSION_MISMATCH",
    );
    expect(stale.detail).toContain("version 2");
    expect(await dealRow(deal.id)).toMatchObject({
      title: "Renamed",
      version: 2,
      owner_id: tenant.agent.userId,
    });
    const audit = await env.DB.prepare(
      "SELECT details FROM audit_events WHERE target_id = ? AND action = 'deal.updated'",
    )
      .bind(deal.id)
      .first<{ details: string }>();
    expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({
      ownerFrom: tenant.manager.userId,
      ownerTo: tenant.agent.userId,
    });
    expect(await countRows("audit_events")).toBe(audits + 1);
  });

  it("moves a deal between stages and places it on the board, recording history and audit", async () => {
    const tenant = await createTenant();
    const first = await newDeal(tenant.manager.auth, { title: "A" });
    const [pipeline] = await pipelinesOf(tenant);
    const [, second, , , won] = pipeline?.stages ?? [];
    const b = await newDeal(tenant.manager.auth, { title: "B", stageId: second?.id });
    const c = await newDeal(tenant.manager.auth, { title: "C", stageId: second?.id });
    const res = await send(tenant.manager.auth, "POST", `/deals/${first.id}/move`, {
      stageId: second?.id,
      beforeDealId: c.id,
    });
    expect(res.status).toBe(200);
    const moved = (await res.json()) as Deal;
    expect(moved).toMatchObject({ stageId: second?.id, version: 2 });
    expect(moved.boardRank).toBeGreaterThan(b.boardRank);
    expect(moved.boardRank).toBeLessThan(c.boardRank);
    const column = await send(tenant.manager.auth, "GET", `/deals?stageId=${second?.id}&sort=createdAt`);
    expect(((await column.json()) as { data: Deal[] }).data.map((d) => d.title)).toEqual(["A", "B", "C"]);
    expect(await historyOf(first.id)).toEqual([
      { from_stage_id: null, to_stage_id: first.stageId, actor_id: tenant.manager.userId },
      { from_stage_id: first.stageId, to_stage_id: second?.id, actor_id: tenant.manager.userId },
    ]);
    const wonRes = await send(
      tenant.manager.auth,
      "POST",
      `/deals/${first.id}/move`,
      { stageId: won?.id },
      { "If-Match": '"2"' },
    );
    expect(await wonRes.json()).toMatchObject({ status: "won", version: 3 });
    const history = await send(tenant.manager.auth, "GET", `/deals/${first.id}/history`);
    const changes = (
      (await history.json()) as { data: { toStageId: string; fromStageName: string | null }[] }
    ).data;
    expect(changes.map((change) => change.toStageId)).toEqual([won?.id, second?.id, first.stageId]);
    expect(await countRows(`audit_events WHERE target_id = '${first.id}' AND action = 'deal.moved'`)).toBe(2);
    expect((await send(tenant.manager.auth, "GET", "/deals?status=won")).status).toBe(200);
    const wonList = await send(tenant.manager.auth, "GET", "/deals?status=won");
    expect(((await wonList.json()) as { data: Deal[] }).data.map((d) => d.id)).toEqual([first.id]);
  });

  it("refuses a stale If-Match on a move (412) and writes neither the move nor history", async () => {
    const tenant = await createTenant();
    const deal = await newDeal(tenant.manager.auth);
    const [pipeline] = await pipelinesOf(tenant);
    const target = pipeline?.stages[2]?.id;
    await send(tenant.manager.auth, "PATCH", `/deals/${deal.id}`, { title: "v2" }, { "If-Match": '"1"' });
    await expectProblem(
      await send(
        tenant.manager.auth,
        "POST",
        `/deals/${deal.id}/move`,
        { stageId: target },
        { "If-Match": '"1"' },
      ),
      412,
      "VERSION_MISMATCH",
    );
    expect((await dealRow(deal.id))?.stage_id).toBe(deal.stageId);
    expect(await historyOf(deal.id)).toHaveLength(1);
    await expectProblem(
      await send(tenant.manager.auth, "POST", `/deals/${deal.id}/move`, { stageId: newId(idPrefixes.stage) }),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("records both of two concurrent moves in history, each from the stage the other left", async () => {
    const tenant = await createTenant();
    const deal = await newDeal(tenant.manager.auth);
    const [pipeline] = await pipelinesOf(tenant);
    const [, second, third] = pipeline?.stages ?? [];
    const results = await Promise.all([
      send(tenant.manager.auth, "POST", `/deals/${deal.id}/move`, { stageId: second?.id }),
      send(tenant.owner.auth, "POST", `/deals/${deal.id}/move`, { stageId: third?.id }),
    ]);
    expect(results[0]?.status).toBe(200);
    expect(results[1]?.status).toBe(200);
    const history = (await historyOf(deal.id)).slice(1);
    expect(history).toHaveLength(2);
    // The chain is unbroken: each move starts where the previous one ended.
    expect(history[0]?.from_stage_id).toBe(deal.stageId);
    expect(history[1]?.from_stage_id).toBe(history[0]?.to_stage_id);
    expect((await dealRow(deal.id))?.stage_id).toBe(history[1]?.to_stage_id);
    expect((await dealRow(deal.id))?.version).toBe(3);
  });

  it("lists with filters, sorts and cursor pages", async () => {
    const tenant = await createTenant();
    const contact = await insertContact(tenant.tenantId, tenant.manager.userId);
    for (const amount of [300, 100, 500, 200, 400]) {
      await newDeal(tenant.manager.auth, { title: `D${amount}`, amountHalalas: amount, contactId: contact });
    }
    await newDeal(tenant.manager.auth, { title: "Other", amountHalalas: 999 });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/deals?contactId=${contact}&sort=-amountHalalas&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await send(tenant.manager.auth, "GET", query)).json()) as {
        data: Deal[];
        nextCursor: string | null;
      };
      seen.push(...page.data.map((d) => d.amountHalalas));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([500, 400, 300, 200, 100]);
    await expectProblem(
      await send(tenant.manager.auth, "GET", "/deals?sort=title"),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await send(tenant.manager.auth, "GET", "/deals?status=maybe"),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("answers 404 for another tenant's deal on every route and leaves it untouched", async () => {
    const [home, other] = await Promise.all([createTenant(), createTenant()]);
    const foreign = await newDeal(other.manager.auth);
    const [homePipeline] = [await newDeal(home.manager.auth)];
    for (const [method, path, body] of [
      ["GET", `/deals/${foreign.id}`, undefined],
      ["GET", `/deals/${foreign.id}/history`, undefined],
      ["PATCH", `/deals/${foreign.id}`, { title: "x" }],
      ["POST", `/deals/${foreign.id}/move`, { stageId: homePipeline?.stageId }],
    ] as const) {
      await expectProblem(
        await send(home.manager.auth, method, path, body, { "If-Match": '"1"' }),
        404,
        "NOT_FOUND",
      );
    }
    expect(await dealRow(foreign.id)).toMatchObject({ version: 1, stage_id: foreign.stageId });
  });

  it("costs the D1 round trips the README states per route", async () => {
    const tenant = await createTenant();
    const deal = await newDeal(tenant.manager.auth);
    const [pipeline] = await pipelinesOf(tenant);
    const json = { ...tenant.manager.auth, "Content-Type": "application/json" };
    const trips = async (path: string, init: RequestInit = {}) => {
      const { res, d1RoundTrips } = await callCountingD1(`/api/v1${path}`, init);
      expect(res.status).toBeLessThan(300);
      return d1RoundTrips;
    };
    expect(await trips("/pipelines", { headers: tenant.manager.auth })).toBe(1);
    expect(await trips("/deals?status=open", { headers: tenant.manager.auth })).toBe(1);
    expect(await trips(`/deals/${deal.id}`, { headers: tenant.manager.auth })).toBe(1);
    expect(await trips(`/deals/${deal.id}/history`, { headers: tenant.manager.auth })).toBe(1);
    // Writes: one read batch (with the session check) and one write batch with the audit row.
    // A create too, without an Idempotency-Key; with one, the session is checked on its own first
    // (the key's claim is a write before the handler reads), then the key is claimed and completed.
    expect(
      await trips("/deals", { method: "POST", headers: json, body: JSON.stringify({ title: "T" }) }),
    ).toBe(2);
    expect(
      await trips("/deals", {
        method: "POST",
        headers: { ...json, "Idempotency-Key": crypto.randomUUID() },
        body: JSON.stringify({ title: "K" }),
      }),
    ).toBe(5);
    expect(
      await trips(`/deals/${deal.id}`, {
        method: "PATCH",
        headers: { ...json, "If-Match": '"1"' },
        body: JSON.stringify({ title: "U" }),
      }),
    ).toBe(2);
    expect(
      await trips(`/deals/${deal.id}/move`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ stageId: pipeline?.stages[1]?.id }),
      }),
    ).toBe(2);
  });
});
