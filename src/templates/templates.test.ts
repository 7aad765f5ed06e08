import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, expectProblem } from "../../test/helpers";
import { MAX_ACTIVE_FIELDS_PER_OBJECT } from "../custom-fields/custom-fields.model";
import { idPrefixes, newId } from "../platform/ids";

type Auth = { Authorization: string };
interface Application {
  template: string;
  pipelines: { name: string; outcome: string; id: string | null }[];
  customFields: { objectType: string; key: string; outcome: string; id: string | null }[];
}

const apply = (auth: Auth, key: string, headers: Record<string, string> = {}) =>
  call(`/api/v1/templates/${key}/apply`, { method: "POST", headers: { ...auth, ...headers } });

const rows = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all<Record<string, unknown>>()
  ).results;

const pipelinesOf = (tenantId: string) =>
  rows("SELECT * FROM pipelines WHERE tenant_id = ? ORDER BY position", tenantId);
const fieldsOf = (tenantId: string) =>
  rows("SELECT * FROM custom_field_definitions WHERE tenant_id = ? ORDER BY object_type, position", tenantId);
const auditsOf = (tenantId: string, action: string) =>
  rows("SELECT * FROM audit_events WHERE tenant_id = ? AND action = ?", tenantId, action);

describe("GET /api/v1/templates", () => {
  it("lists the templates in both languages with what each adds, for an agent", async () => {
    const { agent } = await createTenant();
    const res = await call("/api/v1/templates", { headers: agent.auth });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as {
      data: {
        key: string;
        applied: boolean;
        name: { ar: string };
        pipelines: { name: { ar: string } }[];
        customFields: { key: string; format: string | null }[];
      }[];
    };
    expect(data.map((t) => t.key)).toEqual(["real-estate", "clinic"]);
    const realEstate = data[0];
    expect(realEstate?.applied).toBe(false);
    expect(realEstate?.pipelines.map((p) => p.name.ar)).toEqual(["بيع", "إيجار", "على الخارطة"]);
    expect(realEstate?.customFields.find((f) => f.key === "rega_ad_licence")?.format).toBe("rega_ad_licence");
    expect(data[1]?.pipelines.map((p) => p.name.ar)).toEqual(["حجز"]);
  });
});

describe("POST /api/v1/templates/{templateKey}/apply", () => {
  it("adds the real-estate pipelines with ordered stages and its fields, audited, and the first pipeline becomes the default", async () => {
    const { tenantId, manager, agent } = await createTenant();
    const res = await apply(manager.auth, "real-estate");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Application;
    expect(body.pipelines.map((p) => [p.name, p.outcome])).toEqual([
      ["بيع", "added"],
      ["إيجار", "added"],
      ["على الخارطة", "added"],
    ]);
    expect(body.customFields.every((f) => f.outcome === "added")).toBe(true);

    const pipelines = await pipelinesOf(tenantId);
    expect(pipelines.map((p) => [p.name, p.template, p.is_default])).toEqual([
      ["بيع", "real-estate", 1],
      ["إيجار", "real-estate", 0],
      ["على الخارطة", "real-estate", 0],
    ]);
    const saleStages = await rows(
      "SELECT name, kind, probability, position FROM pipeline_stages WHERE pipeline_id = ? ORDER BY position",
      pipelines[0]?.id,
    );
    expect(saleStages.map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(saleStages.at(-2)).toMatchObject({ name: "تم الإفراغ", kind: "won", probability: 100 });
    expect(saleStages.at(-1)).toMatchObject({ kind: "lost", probability: 0 });
    const probabilities = saleStages.filter((s) => s.kind === "open").map((s) => Number(s.probability));
    expect(probabilities).toEqual([...probabilities].sort((a, b) => a - b));

    const fields = await fieldsOf(tenantId);
    expect(fields.map((f) => `${f.object_type}.${f.key}`)).toEqual([
      "contact.property_type",
      "contact.district",
      "contact.budget_range",
      "contact.bedrooms",
      "deal.rega_ad_licence",
    ]);
    expect(fields.every((f) => f.template === "real-estate")).toBe(true);
    expect(fields.find((f) => f.key === "rega_ad_licence")).toMatchObject({
      type: "text",
      format: "rega_ad_licence",
    });
    expect(await auditsOf(tenantId, "template.applied")).toHaveLength(1);

    // The custom-fields API shows the format, and agents now see the template applied.
    const listed = await call("/api/v1/custom-fields?objectType=deal", { headers: agent.auth });
    expect(((await listed.json()) as { data: { format: string | null }[] }).data[0]?.format).toBe(
      "rega_ad_licence",
    );
    const templates = await call("/api/v1/templates", { headers: agent.auth });
    const data = ((await templates.json()) as { data: { key: string; applied: boolean }[] }).data;
    expect(data.map((t) => [t.key, t.applied])).toEqual([
      ["real-estate", true],
      ["clinic", false],
    ]);
  });

  it("adds nothing the second time, and writes no audit row", async () => {
    const { tenantId, manager } = await createTenant();
    expect((await apply(manager.auth, "clinic")).status).toBe(200);
    const before = [await pipelinesOf(tenantId), await fieldsOf(tenantId)];
    const again = await apply(manager.auth, "clinic");
    expect(again.status).toBe(200);
    const body = (await again.json()) as Application;
    expect(body.pipelines).toEqual([{ name: "حجز", outcome: "already_applied", id: null }]);
    expect(body.customFields.map((f) => f.outcome)).toEqual([
      "already_applied",
      "already_applied",
      "already_applied",
    ]);
    expect([await pipelinesOf(tenantId), await fieldsOf(tenantId)]).toEqual(before);
    expect(await auditsOf(tenantId, "template.applied")).toHaveLength(1);
  });

  it("adds the set once when two applies race: the other answers already applied or 409, never a second set", async () => {
    const { tenantId, manager } = await createTenant();
    const answers = await Promise.all([
      apply(manager.auth, "real-estate"),
      apply(manager.auth, "real-estate"),
    ]);
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    expect(await pipelinesOf(tenantId)).toHaveLength(3);
    expect(
      await rows("SELECT is_default FROM pipelines WHERE tenant_id = ? AND is_default = 1", tenantId),
    ).toHaveLength(1);
    const keys = (await fieldsOf(tenantId)).map((f) => `${f.object_type}.${f.key}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(await auditsOf(tenantId, "template.applied")).toHaveLength(1);
  });

  it("keeps the tenant's own field with the same key and says so; the rest is added", async () => {
    const { tenantId, manager } = await createTenant();
    const own = await call("/api/v1/custom-fields", {
      method: "POST",
      headers: { ...manager.auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        objectType: "contact",
        key: "district",
        labelAr: "حيي",
        labelEn: "Mine",
        type: "text",
      }),
    });
    expect(own.status).toBe(201);
    const body = (await (await apply(manager.auth, "real-estate")).json()) as Application;
    expect(body.customFields.find((f) => f.key === "district")).toEqual({
      objectType: "contact",
      key: "district",
      outcome: "key_taken",
      id: null,
    });
    const fields = await fieldsOf(tenantId);
    expect(fields).toHaveLength(5);
    expect(fields.find((f) => f.key === "district")).toMatchObject({ label_en: "Mine", template: null });
  });

  it("respects the active-field limit per object: adds what fits, reports the rest", async () => {
    const { tenantId, manager } = await createTenant();
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: MAX_ACTIVE_FIELDS_PER_OBJECT - 1 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO custom_field_definitions (id, tenant_id, object_type, key, label_ar, label_en, type, position, created_at, updated_at) VALUES (?, ?, 'contact', ?, 'ح', 'F', 'text', ?, ?, ?)",
        ).bind(newId(idPrefixes.customField), tenantId, `own_${i}`, i, now, now),
      ),
    );
    const body = (await (await apply(manager.auth, "real-estate")).json()) as Application;
    expect(body.customFields.map((f) => [f.key, f.outcome])).toEqual([
      ["property_type", "added"],
      ["district", "limit_reached"],
      ["budget_range", "limit_reached"],
      ["bedrooms", "limit_reached"],
      ["rega_ad_licence", "added"],
    ]);
    const active = await rows(
      "SELECT count(*) AS n FROM custom_field_definitions WHERE tenant_id = ? AND object_type = 'contact' AND archived_at IS NULL",
      tenantId,
    );
    expect(active[0]?.n).toBe(MAX_ACTIVE_FIELDS_PER_OBJECT);
  });

  it("adds template pipelines after the tenant's own, which stays the default", async () => {
    const { tenantId, manager } = await createTenant();
    const own = await call("/api/v1/pipelines", {
      method: "POST",
      headers: { ...manager.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "مبيعاتنا" }),
    });
    expect(own.status).toBe(201);
    expect((await apply(manager.auth, "clinic")).status).toBe(200);
    expect((await pipelinesOf(tenantId)).map((p) => [p.name, p.is_default, p.position])).toEqual([
      ["مبيعاتنا", 1, 0],
      ["حجز", 0, 1],
    ]);
  });

  it("writes names in the caller's language", async () => {
    const { tenantId, manager } = await createTenant();
    const res = await apply(manager.auth, "clinic", { Cookie: "lang=en" });
    expect(((await res.json()) as Application).pipelines[0]?.name).toBe("Booking");
    const [pipeline] = await pipelinesOf(tenantId);
    const stages = await rows(
      "SELECT name FROM pipeline_stages WHERE pipeline_id = ? ORDER BY position",
      pipeline?.id,
    );
    expect(stages[0]?.name).toBe("New enquiry");
  });

  it("answers 404 for an unknown template and 422 for a malformed key, writing nothing", async () => {
    const { tenantId, manager } = await createTenant();
    await expectProblem(await apply(manager.auth, "bakery"), 404, "NOT_FOUND");
    await expectProblem(await apply(manager.auth, "Real_Estate!"), 422, "VALIDATION_FAILED");
    expect(await pipelinesOf(tenantId)).toHaveLength(0);
    expect(await fieldsOf(tenantId)).toHaveLength(0);
  });

  it("refuses an agent (403) and writes nothing", async () => {
    const { tenantId, agent } = await createTenant();
    await expectProblem(await apply(agent.auth, "real-estate"), 403, "FORBIDDEN");
    expect(await pipelinesOf(tenantId)).toHaveLength(0);
    expect(await fieldsOf(tenantId)).toHaveLength(0);
  });

  it("touches only the caller's tenant", async () => {
    const a = await createTenant();
    const b = await createTenant();
    expect((await apply(a.manager.auth, "real-estate")).status).toBe(200);
    expect(await pipelinesOf(b.tenantId)).toHaveLength(0);
    expect(await fieldsOf(b.tenantId)).toHaveLength(0);
    // B applies it for itself: a's rows do not count as B's.
    const body = (await (await apply(b.manager.auth, "real-estate")).json()) as Application;
    expect(body.pipelines.every((p) => p.outcome === "added")).toBe(true);
  });

  it("replays the answer for a repeated Idempotency-Key", async () => {
    const { tenantId, manager } = await createTenant();
    const first = await apply(manager.auth, "clinic", { "Idempotency-Key": "tpl-1" });
    const second = await apply(manager.auth, "clinic", { "Idempotency-Key": "tpl-1" });
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
    expect(await pipelinesOf(tenantId)).toHaveLength(1);
  });
});

describe("the rega_ad_licence format where custom values are written", () => {
  it("refuses a malformed licence on a contact and stores a well-formed one as ASCII digits", async () => {
    const { tenantId, manager } = await createTenant();
    const now = Date.now();
    // Deals take custom values once that work lands; a contact field with the same format shows
    // that every record write goes through the check.
    await env.DB.prepare(
      "INSERT INTO custom_field_definitions (id, tenant_id, object_type, key, label_ar, label_en, type, format, position, template, created_at, updated_at) VALUES (?, ?, 'contact', 'rega_ad_licence', 'ر', 'L', 'text', 'rega_ad_licence', 0, 'real-estate', ?, ?)",
    )
      .bind(newId(idPrefixes.customField), tenantId, now, now)
      .run();
    const post = (licence: string) =>
      call("/api/v1/contacts", {
        method: "POST",
        headers: { ...manager.auth, "Content-Type": "application/json" },
        body: JSON.stringify({
          name: "مالك العقار",
          source: "walk_in",
          custom: { rega_ad_licence: licence },
        }),
      });
    const refused = await expectProblem(await post("ABC123"), 422, "VALIDATION_FAILED");
    expect(refused.errors).toEqual([
      expect.objectContaining({ path: "custom.rega_ad_licence", code: "invalid_rega_ad_licence" }),
    ]);
    expect(await rows("SELECT id FROM contacts WHERE tenant_id = ?", tenantId)).toHaveLength(0);
    const created = await post("٧١٠٠ ٠١٢٣٤٥");
    expect(created.status).toBe(201);
    expect(await rows("SELECT custom FROM contacts WHERE tenant_id = ?", tenantId)).toEqual([
      { custom: JSON.stringify({ rega_ad_licence: "7100012345" }) },
    ]);
  });
});

describe("the real-estate template's REGA licence on deals", () => {
  it("refuses a malformed licence with 422 and nothing written, and stores a valid one as ASCII digits", async () => {
    const { tenantId, manager } = await createTenant();
    expect((await apply(manager.auth, "real-estate")).status).toBe(200);
    const json = { ...manager.auth, "Content-Type": "application/json" };
    const createDeal = (licence: string) =>
      call("/api/v1/deals", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ title: "فيلا في حي الملقا", custom: { rega_ad_licence: licence } }),
      });
    const refused = await expectProblem(await createDeal("ABC-12"), 422, "VALIDATION_FAILED");
    expect(refused.errors?.map((e) => e.path)).toEqual(["custom.rega_ad_licence"]);
    expect(await rows("SELECT id FROM deals WHERE tenant_id = ?", tenantId)).toEqual([]);
    const created = await createDeal("٧١٠٠٠١٢٣٤٥");
    expect(created.status).toBe(201);
    const deal = (await created.json()) as { id: string; custom: Record<string, unknown> };
    expect(deal.custom).toEqual({ rega_ad_licence: "7100012345" });
    const [stored] = await rows("SELECT custom FROM deals WHERE id = ?", deal.id);
    expect(JSON.parse(String(stored?.custom))).toEqual({ rega_ad_licence: "7100012345" });
  });
});
