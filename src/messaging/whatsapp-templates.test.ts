import { env, exports } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { addWhatsAppTemplate, createTenant, uniquePhone } from "../../test/fixtures";
import { call, callCountingD1, expectProblem, ORIGIN, postJson } from "../../test/helpers";
import { network } from "../../test/setup/network";
import { SIMULATED_TEMPLATES } from "../dev/whatsapp-simulator";
import { resetBreaker } from "../platform/circuit-breaker";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const GRAPH = "https://graph.facebook.com/v23.0";
const ACCESS_TOKEN = "EAAtesttoken-not-real-0123456789";
let counter = 0;

async function connect(tenant: Tenant, businessAccountId: string | null = `30${Date.now()}${counter++}`) {
  const res = await call("/api/v1/whatsapp/account", {
    method: "PUT",
    headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({
      phoneNumberId: `10${Date.now()}${counter++}`,
      displayPhone: "+966 11 000 0000",
      accessToken: ACCESS_TOKEN,
      appSecret: "0123456789abcdef0123456789abcdef",
      verifyToken: "verify-token-for-tests-0001",
      ...(businessAccountId ? { businessAccountId } : {}),
    }),
  });
  expect(res.status).toBe(200);
  return businessAccountId as string;
}

const sync = (actor: { auth: Record<string, string> }) =>
  call("/api/v1/whatsapp/templates/sync", { method: "POST", headers: actor.auth });

const list = (actor: { auth: Record<string, string> }, query = "") =>
  call(`/api/v1/whatsapp/templates${query}`, { headers: actor.auth });

const stored = (tenantId: string) =>
  env.DB.prepare(
    "SELECT id, name, language, category, status, body_text, footer_text, variable_count, buttons FROM whatsapp_templates WHERE tenant_id = ? ORDER BY name, language",
  )
    .bind(tenantId)
    .all<Record<string, string | number | null>>()
    .then((r) => r.results);

const metaTemplate = (
  name: string,
  status: string,
  body: string,
  extra: object[] = [],
  category = "UTILITY",
) => ({
  name,
  language: "ar",
  category,
  status,
  id: `9${counter++}`,
  components: [{ type: "BODY", text: body }, ...extra],
});

/** Meta's answer in two pages, the second reached with `after`; records each request's URL and token. */
function serveTemplates(waba: string, pages: object[][]) {
  const seen: { after: string | null; limit: string | null; fields: string | null; auth: string | null }[] =
    [];
  network.use(
    http.get(`${GRAPH}/${waba}/message_templates`, ({ request }) => {
      const url = new URL(request.url);
      const after = url.searchParams.get("after");
      seen.push({
        after,
        limit: url.searchParams.get("limit"),
        fields: url.searchParams.get("fields"),
        auth: request.headers.get("Authorization"),
      });
      const index = after ? Number(after) : 0;
      const more = index + 1 < pages.length;
      return HttpResponse.json({
        data: pages[index],
        paging: {
          cursors: { before: "x", after: String(index + 1) },
          ...(more ? { next: `${GRAPH}/${waba}/message_templates?after=${index + 1}` } : {}),
        },
      });
    }),
  );
  return seen;
}

describe("POST /api/v1/whatsapp/templates/sync", () => {
  it("reads every page from Meta and stores each template with its category, status, variables and opt-out line", async () => {
    const tenant = await createTenant();
    const waba = await connect(tenant);
    const seen = serveTemplates(waba, [
      [
        metaTemplate("viewing_reminder", "APPROVED", "موعدك {{1}} يوم {{2}} ({{1}})"),
        metaTemplate(
          "new_listings",
          "APPROVED",
          "عروض جديدة في {{1}}",
          [
            { type: "FOOTER", text: "للإيقاف أرسل «إيقاف»" },
            { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "أرغب بمعاينة" }] },
          ],
          "MARKETING",
        ),
      ],
      [
        metaTemplate("appeal", "IN_APPEAL", "x"),
        metaTemplate("old_offer", "DELETED", "gone"),
        metaTemplate("odd_category", "DISABLED", "y", [], "SOMETHING_NEW"),
      ],
    ]);

    const res = await sync(tenant.manager);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      total: 4,
      approved: 2,
      pending: 1,
      rejected: 1,
      paused: 0,
      removed: 0,
    });
    expect(seen).toEqual([
      {
        after: null,
        limit: "100",
        fields: "name,language,category,status,components",
        auth: `Bearer ${ACCESS_TOKEN}`,
      },
      {
        after: "1",
        limit: "100",
        fields: "name,language,category,status,components",
        auth: `Bearer ${ACCESS_TOKEN}`,
      },
    ]);
    const rows = await stored(tenant.tenantId);
    expect(rows.map((r) => [r.name, r.category, r.status, r.variable_count])).toEqual([
      ["appeal", "UTILITY", "PENDING", 0],
      ["new_listings", "MARKETING", "APPROVED", 1],
      ["odd_category", "MARKETING", "REJECTED", 0],
      ["viewing_reminder", "UTILITY", "APPROVED", 2],
    ]);
    expect(rows[1]).toMatchObject({
      footer_text: "للإيقاف أرسل «إيقاف»",
      buttons: JSON.stringify([{ type: "QUICK_REPLY", text: "أرغب بمعاينة" }]),
    });
    const audit = await env.DB.prepare(
      "SELECT actor_id, details FROM audit_events WHERE tenant_id = ? AND action = 'whatsapp.templates_synced'",
    )
      .bind(tenant.tenantId)
      .all<{ actor_id: string; details: string }>();
    expect(audit.results).toEqual([
      { actor_id: tenant.manager.userId, details: JSON.stringify({ templates: 4 }) },
    ]);
  });

  it("a second sync keeps each template's id, updates it, and removes what Meta no longer has", async () => {
    const tenant = await createTenant();
    const waba = await connect(tenant);
    serveTemplates(waba, [
      [metaTemplate("a_reminder", "PENDING", "x"), metaTemplate("b_offer", "APPROVED", "y")],
    ]);
    expect((await sync(tenant.owner)).status).toBe(200);
    const [first] = await stored(tenant.tenantId);

    serveTemplates(waba, [[metaTemplate("a_reminder", "APPROVED", "x {{1}}")]]);
    const again = await sync(tenant.owner);
    expect(await again.json()).toMatchObject({ total: 1, approved: 1, removed: 1 });
    expect(await stored(tenant.tenantId)).toEqual([
      expect.objectContaining({ id: first?.id, name: "a_reminder", status: "APPROVED", variable_count: 1 }),
    ]);
  });

  it("without a connected number, or one without its business account id, answers WHATSAPP_NOT_CONNECTED", async () => {
    const tenant = await createTenant();
    await expectProblem(await sync(tenant.owner), 409, "WHATSAPP_NOT_CONNECTED");
    await connect(tenant, null);
    const problem = await expectProblem(await sync(tenant.owner), 409, "WHATSAPP_NOT_CONNECTED");
    expect(problem.detail).toMatch(/businessAccountId/);
    expect(await stored(tenant.tenantId)).toEqual([]);
  });

  it("agents may not sync; Meta's refusal is a conflict and its outage a 503, with nothing stored", async () => {
    const tenant = await createTenant();
    const waba = await connect(tenant);
    await expectProblem(await sync(tenant.agent), 403, "FORBIDDEN");

    network.use(
      http.get(`${GRAPH}/${waba}/message_templates`, () =>
        HttpResponse.json({ error: { code: 190, message: "Invalid OAuth access token" } }, { status: 401 }),
      ),
    );
    const refused = await expectProblem(await sync(tenant.owner), 409, "CONFLICT");
    expect(refused.detail).toMatch(/credentials_invalid/);

    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
    network.use(
      http.get(`${GRAPH}/${waba}/message_templates`, () => new HttpResponse("down", { status: 502 })),
    );
    const down = await sync(tenant.owner);
    await expectProblem(down, 503, "UNAVAILABLE");
    expect(down.headers.get("Retry-After")).toBe("30");
    expect(await stored(tenant.tenantId)).toEqual([]);
    await resetBreaker(env.CIRCUIT_BREAKER, "whatsapp");
  });

  it("through the dev simulator's Graph API: its templates, paged, land in the registry", async () => {
    const tenant = await createTenant();
    const browser = new TestBrowser({
      "__Host-dlx_at": tenant.owner.accessToken,
      "__Host-dlx_rt": tenant.owner.refreshToken,
    });
    await browser.get("/dev/whatsapp");
    expect((await browser.post("/dev/whatsapp/connect", {})).status).toBe(303);
    network.use(
      http.get(`${GRAPH}/*`, ({ request }) =>
        exports.default.fetch(
          new Request(request.url.replace(GRAPH, `${ORIGIN}/dev/whatsapp/graph/v23.0`), {
            headers: request.headers,
          }),
        ),
      ),
    );
    const res = await sync(tenant.owner);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      total: SIMULATED_TEMPLATES.length,
      approved: 6,
      pending: 1,
      rejected: 1,
    });
    const approved = (await (await list(tenant.agent)).json()) as {
      data: { name: string; language: string; category: string; variableCount: number; hasOptOut: boolean }[];
    };
    // By name; one name's languages come in id order.
    const summary = approved.data.map((t) => [t.name, t.language, t.category, t.variableCount, t.hasOptOut]);
    expect(summary.sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`))).toEqual([
      ["new_listings_offer", "ar", "MARKETING", 2, true],
      ["spring_offer", "en", "MARKETING", 2, true],
      ["verification_code", "ar", "AUTHENTICATION", 1, false],
      ["viewing_reminder", "ar", "UTILITY", 2, false],
      ["viewing_reminder", "en", "UTILITY", 2, false],
      ["weekend_open_house", "en", "MARKETING", 1, false],
    ]);
  });
});

describe("GET /api/v1/whatsapp/templates", () => {
  it("lists approved templates by default, others by ?status=, in pages, and never another tenant's", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const waba = await connect(tenant);
    serveTemplates(waba, [
      [
        metaTemplate("c_one", "APPROVED", "{{1}}"),
        metaTemplate("a_two", "APPROVED", "two"),
        metaTemplate("b_paused", "PAUSED", "paused"),
      ],
    ]);
    expect((await sync(tenant.owner)).status).toBe(200);

    const first = (await (await list(tenant.agent, "?limit=1")).json()) as {
      data: { name: string; status: string; body: string }[];
      nextCursor: string | null;
    };
    expect(first.data.map((t) => t.name)).toEqual(["a_two"]);
    const second = (await (await list(tenant.agent, `?limit=1&cursor=${first.nextCursor}`)).json()) as {
      data: { name: string }[];
      nextCursor: string | null;
    };
    expect(second).toMatchObject({ data: [{ name: "c_one" }], nextCursor: null });
    const paused = (await (await list(tenant.agent, "?status=PAUSED")).json()) as {
      data: { name: string }[];
    };
    expect(paused.data.map((t) => t.name)).toEqual(["b_paused"]);
    const all = (await (await list(tenant.owner, "?status=ALL")).json()) as { data: unknown[] };
    expect(all.data).toHaveLength(3);

    await expectProblem(await list(tenant.agent, "?status=approved"), 422, "VALIDATION_FAILED");
    const foreign = (await (await list(other.owner, "?status=ALL")).json()) as { data: unknown[] };
    expect(foreign.data).toEqual([]);
  });
});

describe("POST /api/v1/messages with a template", () => {
  async function tenantWithContact() {
    const tenant = await createTenant();
    const created = await postJson(
      "/api/v1/contacts",
      { name: "Huda", source: "walk_in", phones: [uniquePhone()] },
      tenant.owner.auth,
    );
    expect(created.status).toBe(201);
    const contactId = ((await created.json()) as { id: string }).id;
    await Promise.all([
      addWhatsAppTemplate(tenant.tenantId, {
        name: "viewing_reminder",
        body: "{{1}} {{2}}",
        variableCount: 2,
      }),
      addWhatsAppTemplate(tenant.tenantId, { name: "ramadan_offer", status: "PENDING", footer: "إيقاف" }),
      addWhatsAppTemplate(tenant.tenantId, {
        name: "open_house",
        language: "en",
        category: "MARKETING",
        body: "Open house at {{1}}",
        variableCount: 1,
        footer: "Dealix Realty",
      }),
      addWhatsAppTemplate(tenant.tenantId, {
        name: "new_listings",
        category: "MARKETING",
        footer: "للإيقاف أرسل «إيقاف»",
      }),
      addWhatsAppTemplate(tenant.tenantId, {
        name: "spring_offer",
        language: "en",
        category: "MARKETING",
        buttons: [
          { type: "URL", text: "See listings" },
          { type: "QUICK_REPLY", text: "Stop promotions" },
        ],
      }),
    ]);
    return { tenant, contactId };
  }

  const send = (tenant: Tenant, body: Record<string, unknown>) =>
    postJson("/api/v1/messages", body, tenant.owner.auth);

  const outbound = (tenantId: string) =>
    env.DB.prepare("SELECT template, purpose, state, state_reason FROM messages WHERE tenant_id = ?")
      .bind(tenantId)
      .all<{ template: string; purpose: string; state: string; state_reason: string | null }>()
      .then((r) => r.results);

  it("refuses a template that is not in the registry, or not approved, with nothing stored", async () => {
    const { tenant, contactId } = await tenantWithContact();
    const unknown = await expectProblem(
      await send(tenant, { contactId, template: { name: "no_such_template", language: "ar" } }),
      422,
      "TEMPLATE_NOT_APPROVED",
    );
    expect(unknown.detail).toMatch(/sync/);
    // The registry keys templates by name and language: the Arabic reminder is not the English one.
    await expectProblem(
      await send(tenant, {
        contactId,
        template: { name: "viewing_reminder", language: "en", variables: ["a", "b"] },
      }),
      422,
      "TEMPLATE_NOT_APPROVED",
    );
    const pending = await expectProblem(
      await send(tenant, { contactId, template: { name: "ramadan_offer" }, purpose: "marketing" }),
      422,
      "TEMPLATE_NOT_APPROVED",
    );
    expect(pending.detail).toMatch(/pending/);
    expect(await outbound(tenant.tenantId)).toEqual([]);
  });

  it("refuses a variable count that does not match the template, naming template.variables", async () => {
    const { tenant, contactId } = await tenantWithContact();
    for (const variables of [["الثلاثاء"], ["a", "b", "c"]]) {
      const problem = await expectProblem(
        await send(tenant, { contactId, template: { name: "viewing_reminder", variables } }),
        422,
        "VALIDATION_FAILED",
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({ path: "template.variables", code: "variable_count" }),
      ]);
    }
    expect(await outbound(tenant.tenantId)).toEqual([]);
  });

  it("a marketing send needs the template's opt-out line, and a MARKETING template is never sent as service", async () => {
    const { tenant, contactId } = await tenantWithContact();
    const lacking = await send(tenant, {
      contactId,
      template: { name: "open_house", language: "en", variables: ["Al Malqa"] },
    });
    await expectProblem(lacking, 422, "TEMPLATE_LACKS_OPT_OUT");
    // A utility template sent as marketing needs one too.
    await expectProblem(
      await send(tenant, {
        contactId,
        template: { name: "viewing_reminder", variables: ["a", "b"] },
        purpose: "marketing",
      }),
      422,
      "TEMPLATE_LACKS_OPT_OUT",
    );
    const asService = await expectProblem(
      await send(tenant, { contactId, template: { name: "new_listings" }, purpose: "service" }),
      422,
      "VALIDATION_FAILED",
    );
    expect(asService.errors).toEqual([
      expect.objectContaining({ path: "purpose", code: "template_is_marketing" }),
    ]);
    expect(await outbound(tenant.tenantId)).toEqual([]);
  });

  it("sends an approved template: a MARKETING one as marketing (footer or button opt-out), a utility one as service", async () => {
    const { tenant, contactId } = await tenantWithContact();
    for (const body of [
      { contactId, template: { name: "new_listings" } },
      { contactId, template: { name: "spring_offer", language: "en" }, purpose: "marketing" },
      { contactId, template: { name: "viewing_reminder", variables: ["الثلاثاء", "٤ م"] } },
    ]) {
      expect((await send(tenant, body)).status).toBe(202);
    }
    const rows = await outbound(tenant.tenantId);
    const byName = (name: string) => rows.find((row) => JSON.parse(row.template).name === name);
    // No marketing consent recorded: marketing is stored blocked, never sent.
    expect(byName("new_listings")).toMatchObject({ purpose: "marketing", state: "blocked" });
    expect(byName("spring_offer")).toMatchObject({ purpose: "marketing", state: "blocked" });
    expect(byName("viewing_reminder")).toMatchObject({ purpose: "service" });
    expect(byName("viewing_reminder")?.state).not.toBe("blocked");
  });

  it("reads the registry in the send's existing read batch: no extra D1 round trip", async () => {
    const { tenant, contactId } = await tenantWithContact();
    const post = (body: unknown) =>
      callCountingD1("/api/v1/messages", {
        method: "POST",
        headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const withTemplate = await post({
      contactId,
      template: { name: "viewing_reminder", variables: ["a", "b"] },
    });
    expect(withTemplate.res.status).toBe(202);
    const refused = await post({ contactId, template: { name: "viewing_reminder", variables: ["a"] } });
    expect(refused.res.status).toBe(422);
    // As before the registry: the read (with the session check), the write. A refusal stops after
    // the read.
    expect(withTemplate.d1RoundTrips).toBe(2);
    expect(refused.d1RoundTrips).toBe(1);
  });
});
