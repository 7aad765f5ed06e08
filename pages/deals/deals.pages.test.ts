import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { call, callCountingD1, countRows, escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { formatSar, parseSar } from "./money";

const signedIn = (actor: Actor) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken });

async function onBoard(actor: Actor, path = "/deals") {
  const browser = signedIn(actor);
  const res = await browser.get(path);
  expect(res.status).toBe(200);
  return { browser, html: await res.text() };
}

const dealsOf = async (tenantId: string) =>
  (
    await env.DB.prepare("SELECT id, title, stage_id, amount_halalas, version FROM deals WHERE tenant_id = ?")
      .bind(tenantId)
      .all<{ id: string; title: string; stage_id: string; amount_halalas: number; version: number }>()
  ).results;

const stagesOf = async (tenantId: string) =>
  (
    await env.DB.prepare("SELECT id FROM pipeline_stages WHERE tenant_id = ? ORDER BY position")
      .bind(tenantId)
      .all<{ id: string }>()
  ).results.map((row) => row.id);

describe("money on pages", () => {
  it("formats halalas as SAR with Arabic or Latin digits and reads typed amounts back", () => {
    expect(formatSar(150_000_050, "ar")).toBe("١٬٥٠٠٬٠٠٠٫٥٠ ر.س");
    expect(formatSar(150_025, "en")).toBe("SAR 1,500.25");
    expect(formatSar(150_000_000, "en")).toBe("SAR 1,500,000");
    expect(parseSar("١٬٥٠٠٫٥")).toBe(150_050);
    expect(parseSar("1,500.25")).toBe(150_025);
    expect(parseSar("")).toBe(0);
    expect(parseSar("12a")).toBeNull();
    expect(parseSar("1.234")).toBeNull();
  });
});

describe("the deal board", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const res = await new TestBrowser().get("/deals");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Fdeals");
  });

  it("tells a new tenant what to do, and the button makes the Sales pipeline (managers only)", async () => {
    const tenant = await createTenant();
    const agentBoard = await onBoard(tenant.agent);
    expect(agentBoard.html).toContain(escaped(ar.deals.askManager));
    expect((await agentBoard.browser.post("/deals/start", {})).status).toBe(403);
    expect(await countRows(`pipelines WHERE tenant_id = '${tenant.tenantId}'`)).toBe(0);
    const { browser, html } = await onBoard(tenant.manager);
    expect(html).toContain(escaped(ar.deals.emptyTitle));
    const res = await browser.post("/deals/start", {});
    expect(res.status).toBe(303);
    expect(await countRows(`pipeline_stages WHERE tenant_id = '${tenant.tenantId}'`)).toBe(6);
  });

  it("creates a deal from the form, refuses a bad amount without writing, and moves it with the fallback form", async () => {
    const tenant = await createTenant();
    const { browser } = await onBoard(tenant.manager);
    await browser.post("/deals/start", {});
    const [first, second] = await stagesOf(tenant.tenantId);
    const bad = await browser.post("/deals", { title: "فيلا", amount: "مليون", stageId: first as string });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain(escaped(ar.deals.errors.amount));
    expect(await dealsOf(tenant.tenantId)).toHaveLength(0);

    const created = await browser.post("/deals", {
      title: "فيلا",
      amount: "١٬٥٠٠٫٥",
      stageId: first as string,
    });
    expect(created.status).toBe(303);
    const [deal] = await dealsOf(tenant.tenantId);
    expect(deal).toMatchObject({ title: "فيلا", amount_halalas: 150_050, stage_id: first });
    const board = await (await browser.follow(created)).text();
    expect(board).toContain("١٬٥٠٠٫٥٠ ر.س");

    const moved = await browser.post(`/deals/${deal?.id}/move`, { stageId: second as string });
    expect(moved.status).toBe(303);
    expect((await dealsOf(tenant.tenantId))[0]?.stage_id).toBe(second);
  });

  it("refuses a move without the CSRF token and leaves the deal where it was", async () => {
    const tenant = await createTenant();
    const { browser } = await onBoard(tenant.manager);
    await browser.post("/deals/start", {});
    await browser.post("/deals", { title: "شقة", amount: "1", stageId: "" });
    const [deal] = await dealsOf(tenant.tenantId);
    const [, second] = await stagesOf(tenant.tenantId);
    const res = await browser.post(
      `/deals/${deal?.id}/move`,
      { stageId: second as string },
      { csrf: "forged" },
    );
    expect(res.status).toBe(403);
    expect((await dealsOf(tenant.tenantId))[0]?.stage_id).toBe(deal?.stage_id);
  });

  it("answers 404 for another tenant's deal page and move", async () => {
    const [home, other] = await Promise.all([createTenant(), createTenant()]);
    const created = await call("/api/v1/deals", {
      method: "POST",
      headers: { ...other.manager.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Foreign" }),
    });
    const foreign = (await created.json()) as { id: string; stageId: string };
    const { browser } = await onBoard(home.manager);
    expect((await browser.get(`/deals/${foreign.id}`)).status).toBe(404);
    expect((await browser.post(`/deals/${foreign.id}/move`, { stageId: foreign.stageId })).status).toBe(404);
  });
});

describe("the deal page", () => {
  it("saves with the version it was read at and explains a save over someone else's change", async () => {
    const tenant = await createTenant();
    const { browser } = await onBoard(tenant.manager);
    await browser.post("/deals/start", {});
    await browser.post("/deals", { title: "مكتب", amount: "100", stageId: "" });
    const [deal] = await dealsOf(tenant.tenantId);
    const page = await browser.get(`/deals/${deal?.id}`);
    expect(await page.text()).toContain('id="deal-timeline"');
    const saved = await browser.post(`/deals/${deal?.id}`, {
      title: "مكتب كبير",
      amount: "200",
      version: "1",
    });
    expect(saved.status).toBe(303);
    expect((await dealsOf(tenant.tenantId))[0]).toMatchObject({
      title: "مكتب كبير",
      amount_halalas: 20_000,
      version: 2,
    });
    const stale = await browser.post(`/deals/${deal?.id}`, { title: "قديم", amount: "300", version: "1" });
    expect(stale.status).toBe(412);
    expect(await stale.text()).toContain(escaped(ar.deals.errors.changed));
    expect((await dealsOf(tenant.tenantId))[0]).toMatchObject({ title: "مكتب كبير", version: 2 });
  });
});

describe("pipeline settings", () => {
  it("is for managers and owners only", async () => {
    const tenant = await createTenant();
    expect((await signedIn(tenant.agent).get("/settings/pipelines")).status).toBe(403);
    expect((await signedIn(tenant.manager).get("/settings/pipelines")).status).toBe(200);
  });

  it("creates a pipeline, adds a stage, moves it up and archives one, refusing an archive with deals", async () => {
    const tenant = await createTenant();
    const browser = signedIn(tenant.manager);
    expect((await browser.get("/settings/pipelines")).status).toBe(200);
    expect((await browser.post("/settings/pipelines", { name: "إيجار" })).status).toBe(303);
    const pipeline = await env.DB.prepare("SELECT id FROM pipelines WHERE tenant_id = ?")
      .bind(tenant.tenantId)
      .first<{ id: string }>();
    expect(
      (await browser.post(`/settings/pipelines/${pipeline?.id}/stages`, { name: "معاينة", kind: "open" }))
        .status,
    ).toBe(303);
    const stages = await stagesOf(tenant.tenantId);
    const added = stages.at(-1) as string;
    expect((await browser.post(`/settings/stages/${added}/move`, { direction: "up" })).status).toBe(303);
    expect((await stagesOf(tenant.tenantId)).at(-2)).toBe(added);

    await browser.get("/deals");
    await browser.post("/deals", { title: "عقد", amount: "1", stageId: stages[0] as string });
    const refused = await browser.post(`/settings/stages/${stages[0]}/archive`, { moveDealsToStageId: "" });
    expect(refused.status).toBe(409);
    expect(await stagesOf(tenant.tenantId)).toContain(stages[0]);
    const archived = await browser.post(`/settings/stages/${stages[0]}/archive`, {
      moveDealsToStageId: stages[1] as string,
    });
    expect(archived.status).toBe(303);
    expect(await stagesOf(tenant.tenantId)).toContain(stages[0]); // archived, not deleted
    expect((await dealsOf(tenant.tenantId))[0]?.stage_id).toBe(stages[1]);
  });
});

describe("page cost", () => {
  it("reads the board, a deal page and the pipeline settings in one D1 round trip each", async () => {
    const tenant = await createTenant();
    const created = await call("/api/v1/deals", {
      method: "POST",
      headers: { ...tenant.manager.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Counted" }),
    });
    const deal = (await created.json()) as { id: string };
    const cookie = `__Host-dlx_at=${tenant.manager.accessToken}`;
    for (const path of ["/deals", `/deals/${deal.id}`, "/settings/pipelines"]) {
      const { res, d1RoundTrips } = await callCountingD1(path, { headers: { Cookie: cookie } });
      expect(res.status, path).toBe(200);
      expect(d1RoundTrips, path).toBe(1);
    }
  });
});
