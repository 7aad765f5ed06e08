import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant, uniquePhone } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { issueTaxInvoice, sellerOf } from "../billing/tax-invoices.service";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import worker from "../index";
import { CLOSURE_GRACE_MS } from "./tenant-closure";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const DAY = 24 * 60 * 60 * 1000;

async function created<T>(res: Promise<Response>): Promise<T> {
  const answer = await res;
  expect(answer.status, await answer.clone().text()).toBe(201);
  return (await answer.json()) as T;
}

async function seed(tenant: Tenant, label: string) {
  const auth = tenant.manager.auth;
  const contact = await created<{ id: string }>(
    postJson(
      "/api/v1/contacts",
      { name: `${label} Person`, phones: [uniquePhone()], source: "walk_in", tags: ["vip"] },
      auth,
    ),
  );
  await created(postJson("/api/v1/companies", { name: `${label} Co` }, auth));
  await created(
    postJson("/api/v1/deals", { title: `${label} deal`, contactId: contact.id, amountHalalas: 10_000 }, auth),
  );
  await created(
    postJson("/api/v1/activities", { kind: "note", contactId: contact.id, body: `${label} note` }, auth),
  );
  await issueTaxInvoice(
    dbFor(env.DB),
    {
      tenantId: tenant.tenantId,
      paymentRef: `pay_${tenant.tenantId}`,
      buyer: { name: `${label} Realty` },
      lines: [{ description: { ar: "اشتراك", en: "Subscription" }, quantity: 1, unitPriceHalalas: 99_000 }],
      issuedAt: new Date(),
    },
    sellerOf(loadConfig(env)),
  );
  return contact;
}

async function exported(tenant: Tenant) {
  const res = await call("/api/v1/tenant/export", { headers: tenant.owner.auth });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("application/zip");
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  const text = (name: string) => new TextDecoder().decode(files[name]);
  return {
    names: Object.keys(files),
    text,
    json: (name: string) => JSON.parse(text(name)) as Record<string, unknown>[],
  };
}

async function runDailyJobs(now: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const countOf = async (table: string, tenantId: string) =>
  (
    await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ?`)
      .bind(tenantId)
      .first<{ n: number }>()
  )?.n;

describe("tenant export", () => {
  let home: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    [home, other] = await Promise.all([createTenant("Home Realty"), createTenant("Other Realty")]);
    await seed(home, "Homeside");
    await seed(other, "Otherside");
  });

  it("holds a CSV and a JSON file per object with the tenant's rows, and nothing of another tenant", async () => {
    const zip = await exported(home);
    for (const object of [
      "contacts",
      "companies",
      "deals",
      "activities",
      "messages",
      "consents",
      "custom_fields",
      "members",
      "audit_events",
      "tax_invoices",
    ]) {
      expect(zip.names).toContain(`${object}.csv`);
      expect(zip.names).toContain(`${object}.json`);
    }
    const contacts = zip.json("contacts.json");
    expect(contacts).toEqual([expect.objectContaining({ name: "Homeside Person", tags: "vip" })]);
    expect(zip.text("contacts.csv")).toContain("Homeside Person");
    expect(zip.json("deals.json")).toEqual([
      expect.objectContaining({ title: "Homeside deal", amountHalalas: 10_000 }),
    ]);
    expect(
      zip
        .json("members.json")
        .map((m) => m.role)
        .sort(),
    ).toEqual(["agent", "manager", "owner"]);
    expect(zip.json("tax_invoices.json")).toHaveLength(1);
    const everything = zip.names.map(zip.text).join("\n");
    expect(everything).not.toContain("Otherside");
    expect(everything).not.toContain(other.tenantId);
    expect(everything).not.toMatch(/password_?hash/i);
    const audited = await env.DB.prepare(
      "SELECT actor_id FROM audit_events WHERE tenant_id = ? AND action = 'tenant.exported'",
    )
      .bind(home.tenantId)
      .all<{ actor_id: string }>();
    expect(audited.results.map((r) => r.actor_id)).toEqual([home.owner.userId]);
  });

  it("reads large objects a page at a time without losing or repeating a row", async () => {
    const now = Date.now();
    // Many contacts created in the same millisecond: the keyset's rowid keeps pages apart.
    const statements = Array.from({ length: 1_203 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, created_at, updated_at) VALUES (?, ?, ?, 'x', 'x', 'import', ?, ?)",
      ).bind(`con_bulk${String(i).padStart(16, "0")}`, other.tenantId, `Bulk ${i}`, now, now),
    );
    await env.DB.batch(statements);
    const ids = (await exported(other)).json("contacts.json").map((c) => c.id);
    expect(ids).toHaveLength(1_204);
    expect(new Set(ids).size).toBe(1_204);
  });

  it("is for owners only", async () => {
    await expectProblem(
      await call("/api/v1/tenant/export", { headers: home.manager.auth }),
      403,
      "FORBIDDEN",
    );
    await expectProblem(await call("/api/v1/tenant/export", { headers: home.agent.auth }), 403, "FORBIDDEN");
    await expectProblem(await call("/api/v1/tenant/export"), 401, "UNAUTHENTICATED");
  });
});

describe("the owner's download on the billing page", () => {
  const browserOf = (member: Actor) =>
    new TestBrowser({ "__Host-dlx_at": member.accessToken, "__Host-dlx_rt": member.refreshToken });

  it("links the ZIP for owners and serves it to them only", async () => {
    const tenant = await createTenant("Page Realty");
    await seed(tenant, "Pageside");
    const owner = browserOf(tenant.owner);
    const page = await owner.get("/billing");
    expect(await page.text()).toContain('href="/account/export.zip"');
    const download = await owner.get("/account/export.zip");
    expect(download.status).toBe(200);
    const files = unzipSync(new Uint8Array(await download.arrayBuffer()));
    expect(new TextDecoder().decode(files["contacts.csv"])).toContain("Pageside Person");
    expect((await browserOf(tenant.manager).get("/account/export.zip")).status).toBe(403);
  });
});

describe("tenant closure", () => {
  it("needs the account's name typed, blocks writes during the grace period, and can be canceled", async () => {
    const tenant = await createTenant("Closing Realty");
    await expectProblem(
      await postJson("/api/v1/tenant/close", { confirmName: "Closing Realty" }, tenant.manager.auth),
      403,
      "FORBIDDEN",
    );
    await expectProblem(
      await postJson("/api/v1/tenant/close", { confirmName: "Other name" }, tenant.owner.auth),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await postJson("/api/v1/tenant/close", { confirmName: "Closing Realty", x: 1 }, tenant.owner.auth),
      422,
      "VALIDATION_FAILED",
    );
    const closing = await postJson(
      "/api/v1/tenant/close",
      { confirmName: "Closing Realty" },
      tenant.owner.auth,
    );
    expect(closing.status).toBe(200);
    const state = (await closing.json()) as { status: string; deleteAfter: string };
    expect(state.status).toBe("closing");
    expect(Date.parse(state.deleteAfter) - Date.now()).toBeGreaterThan(CLOSURE_GRACE_MS - 60_000);
    await expectProblem(
      await postJson("/api/v1/tenant/close", { confirmName: "Closing Realty" }, tenant.owner.auth),
      409,
      "CONFLICT",
    );

    await expectProblem(
      await postJson("/api/v1/contacts", { name: "New Lead", source: "walk_in" }, tenant.manager.auth),
      402,
      "ACCOUNT_SUSPENDED",
    );
    expect((await call("/api/v1/contacts", { headers: tenant.manager.auth })).status).toBe(200);
    expect((await call("/api/v1/tenant/export", { headers: tenant.owner.auth })).status).toBe(200);

    const canceled = await postJson("/api/v1/tenant/close/cancel", {}, tenant.owner.auth);
    expect(((await canceled.json()) as { status: string }).status).toBe("active");
    await expectProblem(
      await postJson("/api/v1/tenant/close/cancel", {}, tenant.owner.auth),
      409,
      "CONFLICT",
    );
    expect(
      (await postJson("/api/v1/contacts", { name: "New Lead", source: "walk_in" }, tenant.manager.auth))
        .status,
    ).toBe(201);
    const actions = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE tenant_id = ? AND action LIKE 'tenant.%' ORDER BY created_at, rowid",
    )
      .bind(tenant.tenantId)
      .all<{ action: string }>();
    expect(actions.results.map((a) => a.action)).toEqual([
      "tenant.close_requested",
      "tenant.exported",
      "tenant.close_canceled",
    ]);
  });

  it("after the grace period the daily job deletes the data but keeps invoices and the closure's audit trail", async () => {
    const [tenant, bystander] = await Promise.all([
      createTenant("Leaving Realty"),
      createTenant("Staying Realty"),
    ]);
    await seed(tenant, "Leaving");
    await seed(bystander, "Staying");
    expect(
      (await postJson("/api/v1/tenant/close", { confirmName: "Leaving Realty" }, tenant.owner.auth)).status,
    ).toBe(200);

    await runDailyJobs(Date.now() + CLOSURE_GRACE_MS - DAY);
    expect(await countOf("contacts", tenant.tenantId)).toBe(1);

    await runDailyJobs(Date.now() + CLOSURE_GRACE_MS + DAY);
    for (const table of [
      "contacts",
      "companies",
      "deals",
      "activities",
      "memberships",
      "refresh_families",
      "search_documents",
    ]) {
      expect(await countOf(table, tenant.tenantId), table).toBe(0);
    }
    expect(await countOf("tax_invoices", tenant.tenantId)).toBe(1);
    const actions = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE tenant_id = ? ORDER BY created_at, rowid",
    )
      .bind(tenant.tenantId)
      .all<{ action: string }>();
    expect(actions.results.map((a) => a.action)).toEqual(["tenant.close_requested", "tenant.closed"]);
    const row = await env.DB.prepare("SELECT status, closed_at FROM tenants WHERE id = ?")
      .bind(tenant.tenantId)
      .first<{ status: string; closed_at: number | null }>();
    expect(row?.status).toBe("suspended");
    expect(row?.closed_at).not.toBeNull();
    await expectProblem(
      await call("/api/v1/contacts", { headers: tenant.owner.auth }),
      401,
      "UNAUTHENTICATED",
    );

    for (const table of ["contacts", "deals", "activities", "memberships"]) {
      expect(await countOf(table, bystander.tenantId), table).toBeGreaterThan(0);
    }
    const search = await call("/api/v1/search?q=Staying", { headers: bystander.manager.auth });
    expect(JSON.stringify(await search.json())).toContain("Staying Person");
  });
});
