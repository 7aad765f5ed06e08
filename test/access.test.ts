import { env } from "cloudflare:workers";
import type { MiddlewareHandler } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { principalResolver } from "../src/auth/credentials";
import { issueTaxInvoice, sellerOf } from "../src/billing/tax-invoices.service";
import { dbFor } from "../src/db/client";
import { loadConfig } from "../src/env";
import type { AccessRule } from "../src/platform/access";
import { access, requireAccess } from "../src/platform/access";
import type { AppEnv } from "../src/platform/context";
import { toApiError } from "../src/platform/errors";
import { idempotency } from "../src/platform/idempotency";
import { idPrefixes, newId } from "../src/platform/ids";
import { problemResponse } from "../src/platform/problem";
import { hasRole, ROLES, type Role, SCOPES } from "../src/platform/roles";
import { createRouter } from "../src/platform/router";
import { type Actor, createMember, createOperator, createTenant } from "./fixtures";
import { call, countRows, expectProblem, ORIGIN } from "./helpers";

/**
 * The access matrix, generated from the contract: every operation that declares `x-access` (the
 * `access()` part of its route) is called without a credential, with each role below its minimum,
 * with API keys lacking its scope, with a revoked session, and with another tenant's record ids.
 * A route added later is covered the moment it is registered; a path id whose prefix has no
 * fixture below fails the test until one is added.
 */

type Operation = {
  method: string;
  path: string;
  operationId: string;
  access: AccessRule | undefined;
  /** Declared by operatorAccess(): platform operators only, on the operator session cookie. */
  operator: boolean;
  idParams: { name: string; prefix: string }[];
  hasBody: boolean;
  security: unknown;
};

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"];

function operations(): Operation[] {
  const document = createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Record<string, unknown>>)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => {
        const parameters = (op.parameters ?? []) as {
          in: string;
          name: string;
          schema?: { pattern?: string };
        }[];
        return {
          method: method.toUpperCase(),
          path,
          operationId: String(op.operationId),
          access: op["x-access"] as AccessRule | undefined,
          operator: op["x-operator"] === true,
          idParams: parameters
            .filter((p) => p.in === "path" && !(p.name in PATH_VALUES))
            .map((p) => ({ name: p.name, prefix: p.schema?.pattern?.match(/^\^([a-z]+)_/)?.[1] ?? "" })),
          hasBody: op.requestBody !== undefined,
          security: op.security,
        };
      }),
  );
}

// Path parameters that are not record ids (nothing of another tenant to try): a fixed value.
const PATH_VALUES: Record<string, string> = { templateKey: "clinic", queue: "outbound", name: "posthog" };

const ALL = operations();
const GUARDED = ALL.filter((op) => op.access);

// A valid body per operation that takes one, so a 404 for another tenant's id is not hidden
// behind a 422. Writes go to ids of another tenant, so nothing is changed.
const VALID_BODIES: Record<string, unknown> = {
  eraseContact: { confirm: "ERASE" },
  sendMessage: { contactId: "con_00000000000000000000", template: { name: "matrix" } },
  connectWhatsAppAccount: {
    phoneNumberId: "1000000000",
    displayPhone: "+966 11 000 0000",
    accessToken: "EAA-matrix-token-0000000000",
    appSecret: "0123456789abcdef0123456789abcdef",
    verifyToken: "matrix-verify-token-00",
  },
  recordContactConsent: {
    purpose: "marketing",
    status: "granted",
    source: "web_form",
    evidenceText: "I agree to WhatsApp offers",
  },
  setApprovalPolicy: { approveFirstMessage: false, approveAiDrafted: true },
  changeMemberRole: { role: "agent" },
  updateContact: { status: "contacted" },
  mergeContacts: { otherId: "con_00000000000000000000" },
  updateCompany: { name: "Renamed" },
  updateCustomField: { labelEn: "Matrix" },
  updateActivity: { title: "matrix" },
  updatePipeline: { name: "Renamed" },
  addStage: { name: "Viewing", kind: "open" },
  reorderStages: { stageIds: ["stg_00000000000000000000"] },
  updateStage: { name: "Renamed" },
  archiveStage: {},
  updateDeal: { title: "Renamed" },
  moveDeal: { stageId: "stg_00000000000000000000" },
  setImportMapping: { mapping: { "0": "name" }, duplicateAction: "skip" },
  verifyPrivacyRequest: { method: "in_person", reason: "National ID checked" },
  extendPrivacyRequest: { days: 10, reason: "Archive search needed" },
  refusePrivacyRequest: { reason: "Manifestly unfounded" },
  completePrivacyRequest: {},
};

type Tenant = Awaited<ReturnType<typeof createTenant>>;
let home: Tenant;
let other: Tenant;
/** Another tenant's records, by id prefix. */
const foreignIds: Record<string, string> = {};
/** API keys of the home tenant: one per scope, and one with every scope. */
const keys: Record<string, string> = {};

async function createKey(owner: Actor, scopes: readonly string[]) {
  const res = await call("/api/v1/api-keys", {
    method: "POST",
    headers: { ...owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "matrix", scopes }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

async function createdId(owner: Actor, path: string, body: unknown) {
  const res = await call(path, {
    method: "POST",
    headers: { ...owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  [home, other] = await Promise.all([createTenant("Home"), createTenant("Other")]);
  const invitation = await call("/api/v1/invitations", {
    method: "POST",
    headers: { ...other.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ email: `matrix-${Date.now()}@example.sa`, role: "agent" }),
  });
  expect(invitation.status).toBe(201);
  foreignIds.usr = other.agent.userId;
  foreignIds.inv = ((await invitation.json()) as { invitation: { id: string } }).invitation.id;
  foreignIds.key = (await createKey(other.owner, ["members:read"])).id;
  foreignIds.con = await createdId(other.owner, "/api/v1/contacts", {
    name: "Foreign lead",
    source: "walk_in",
  });
  foreignIds.com = await createdId(other.owner, "/api/v1/companies", { name: "Foreign company" });
  const customField = await call("/api/v1/custom-fields", {
    method: "POST",
    headers: { ...other.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ objectType: "contact", key: "matrix", labelAr: "م", labelEn: "M", type: "text" }),
  });
  expect(customField.status).toBe(201);
  foreignIds.cfd = ((await customField.json()) as { id: string }).id;
  foreignIds.act = await foreignActivity(other);
  [foreignIds.cnv, foreignIds.wam] = await foreignMessage(other, foreignIds.con);
  const deal = await call("/api/v1/deals", {
    method: "POST",
    headers: { ...other.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ title: "Foreign deal" }),
  });
  expect(deal.status).toBe(201);
  const foreignDeal = (await deal.json()) as { id: string; pipelineId: string; stageId: string };
  foreignIds.deal = foreignDeal.id;
  foreignIds.pip = foreignDeal.pipelineId;
  foreignIds.stg = foreignDeal.stageId;
  const upload = await call("/api/v1/imports", {
    method: "POST",
    headers: { ...other.owner.auth, "Content-Type": "text/csv" },
    body: "name\nForeign lead\n",
  });
  expect(upload.status).toBe(201);
  foreignIds.imp = ((await upload.json()) as { import: { id: string } }).import.id;
  foreignIds.tax = (await foreignTaxInvoice(other)).id;
  foreignIds.chk = await foreignCheckout(other);
  foreignIds.dsr = await createdId(other.owner, "/api/v1/privacy-requests", {
    type: "access",
    requesterName: "Foreign person",
    email: `matrix-dsr-${Date.now()}@example.sa`,
  });
  for (const scope of SCOPES) keys[scope] = (await createKey(home.owner, [scope])).key;
  keys.all = (await createKey(home.owner, SCOPES)).key;
});

/** A paid tax invoice of `tenant`, issued as the payment consumer issues it. */
const foreignTaxInvoice = (tenant: Tenant) =>
  issueTaxInvoice(
    dbFor(env.DB),
    {
      tenantId: tenant.tenantId,
      paymentRef: `pay_matrix_${tenant.tenantId}`,
      buyer: { name: "Foreign buyer" },
      lines: [{ description: { ar: "اشتراك", en: "Subscription" }, quantity: 1, unitPriceHalalas: 99_000 }],
      issuedAt: new Date(),
    },
    sellerOf(loadConfig(env)),
  );

/** A conversation and a message held for approval of `tenant`, written straight to D1. */
async function foreignMessage(tenant: Tenant, contactId: string) {
  const conversationId = newId(idPrefixes.conversation);
  const messageId = newId(idPrefixes.message);
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, created_at) VALUES (?, ?, ?, 0, 0)",
    ).bind(conversationId, tenant.tenantId, contactId),
    env.DB.prepare(
      "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, body, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'outbound', 'text', 'matrix', 'pending_approval', 0, 0)",
    ).bind(messageId, tenant.tenantId, conversationId, contactId),
  ]);
  return [conversationId, messageId] as const;
}

/** A pending checkout of `tenant`, written straight to D1 (no Moyasar invoice needed to be found). */
async function foreignCheckout(tenant: Tenant) {
  const checkoutId = newId(idPrefixes.checkout);
  await env.DB.prepare(
    "INSERT INTO billing_checkouts (id, tenant_id, plan, period, kind, net_halalas, vat_halalas, total_halalas, status, created_by, created_at, updated_at) VALUES (?, ?, 'growth', 'monthly', 'new', 249000, 37350, 286350, 'pending', ?, 0, 0)",
  )
    .bind(checkoutId, tenant.tenantId, tenant.owner.userId)
    .run();
  return checkoutId;
}

/** An activity of `tenant`, on a contact written straight to D1. */
async function foreignActivity(tenant: Tenant) {
  const contactId = newId(idPrefixes.contact);
  await env.DB.prepare(
    "INSERT INTO contacts (id, tenant_id, name, name_norm, name_key, source, created_at, updated_at) VALUES (?, ?, 'x', 'x', 'x', 'import', 0, 0)",
  )
    .bind(contactId, tenant.tenantId)
    .run();
  const res = await call("/api/v1/activities", {
    method: "POST",
    headers: { ...tenant.owner.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ kind: "note", contactId, body: "matrix" }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const memberOf = (tenant: Tenant, role: Role) =>
  role === "owner" ? tenant.owner : role === "manager" ? tenant.manager : tenant.agent;

function request(op: Operation, headers: Record<string, string>, ids: Record<string, string> = {}) {
  let path = op.path;
  for (const [name, value] of Object.entries(PATH_VALUES)) path = path.replace(`{${name}}`, value);
  for (const param of op.idParams) {
    path = path.replace(`{${param.name}}`, ids[param.prefix] ?? `${param.prefix}_00000000000000000000`);
  }
  const body = op.hasBody ? JSON.stringify(VALID_BODIES[op.operationId] ?? {}) : undefined;
  return call(path, {
    method: op.method,
    headers: { ...headers, ...(body ? { "Content-Type": "application/json" } : {}) },
    body,
  });
}

const label = (op: Operation) => `${op.method} ${op.path}`;

describe("the access matrix (generated from every operation's declared access)", () => {
  it("covers the API: guarded operations exist and every Bearer operation declares its access", () => {
    expect(GUARDED.length).toBeGreaterThanOrEqual(9);
    for (const op of ALL) {
      // Bearer required: every security alternative names it (an optional sign-in also lists `{}`).
      const alternatives = (op.security ?? []) as Record<string, unknown>[];
      const bearerRequired =
        alternatives.length > 0 && alternatives.every((alternative) => "Bearer" in alternative);
      expect(bearerRequired, `${label(op)}: security and x-access disagree`).toBe(op.access !== undefined);
    }
  });

  it.each(GUARDED.map((op) => [label(op), op] as const))("%s: 401 without a credential", async (_, op) => {
    await expectProblem(await request(op, {}), 401, "UNAUTHENTICATED");
    await expectProblem(await request(op, { Authorization: "Bearer not-a-token" }), 401, "UNAUTHENTICATED");
  });

  it.each(GUARDED.map((op) => [label(op), op] as const))(
    "%s: 403 for each role below the minimum, passes with the minimum",
    async (_, op) => {
      const rule = op.access as AccessRule;
      const below = ROLES.filter((role) => !hasRole(role, rule.role));
      const before = await countRows("audit_events");
      for (const role of below) {
        await expectProblem(await request(op, memberOf(home, role).auth), 403, "FORBIDDEN");
      }
      expect(await countRows("audit_events"), "a refused call wrote something").toBe(before);
      const allowed = await request(op, memberOf(home, rule.role).auth);
      expect([401, 403], `${label(op)} refused its minimum role`).not.toContain(allowed.status);
    },
  );

  it.each(GUARDED.map((op) => [label(op), op] as const))(
    "%s: 403 for an API key without the scope (any key when the route has none)",
    async (_, op) => {
      const rule = op.access as AccessRule;
      const lacking = SCOPES.filter((scope) => scope !== rule.scope);
      expect(lacking.length).toBeGreaterThan(0);
      const before = await countRows("audit_events");
      for (const scope of lacking) {
        await expectProblem(await request(op, { Authorization: `Bearer ${keys[scope]}` }), 403, "FORBIDDEN");
      }
      if (!rule.scope) {
        await expectProblem(await request(op, { Authorization: `Bearer ${keys.all}` }), 403, "FORBIDDEN");
        expect(await countRows("audit_events"), "a refused call wrote something").toBe(before);
      } else {
        const allowed = await request(op, { Authorization: `Bearer ${keys[rule.scope]}` });
        expect([401, 403]).not.toContain(allowed.status);
      }
    },
  );

  const WITH_IDS = GUARDED.filter((op) => op.idParams.length > 0);

  it("has operations with record ids, each with a fixture and, when needed, a valid body", () => {
    expect(WITH_IDS.length).toBeGreaterThan(0);
    for (const op of WITH_IDS) {
      for (const param of op.idParams) {
        expect(
          foreignIds[param.prefix],
          `${label(op)}: add a fixture for ${param.prefix}_ ids`,
        ).toBeDefined();
      }
      if (op.hasBody) expect(VALID_BODIES[op.operationId], `${label(op)}: add a valid body`).toBeDefined();
    }
  });

  it.each(WITH_IDS.map((op) => [label(op), op] as const))(
    "%s: 404 for another tenant's record ids, which stay untouched",
    async (_, op) => {
      const rule = op.access as AccessRule;
      const before = await countRows("audit_events");
      await expectProblem(await request(op, home.owner.auth, foreignIds), 404, "NOT_FOUND");
      if (rule.scope) {
        await expectProblem(
          await request(op, { Authorization: `Bearer ${keys[rule.scope]}` }, foreignIds),
          404,
          "NOT_FOUND",
        );
      }
      expect(await countRows("audit_events")).toBe(before);
    },
  );

  it.each(GUARDED.map((op) => [label(op), op] as const))(
    "%s: 401 for a revoked session, and nothing is written",
    async (_, op) => {
      const rule = op.access as AccessRule;
      const member = await createMember(home.tenantId, rule.role);
      await env.DB.prepare("UPDATE refresh_families SET revoked_at = ? WHERE id = ?")
        .bind(Date.now(), member.familyId)
        .run();
      const before = await countRows("audit_events");
      await expectProblem(await request(op, member.auth), 401, "UNAUTHENTICATED");
      expect(await countRows("audit_events")).toBe(before);
    },
  );
});

describe("the session check rides with the first read", () => {
  it("answers with the current role, not the token's: a promoted agent reads as a manager", async () => {
    const { tenantId } = await createTenant();
    const agent = await createMember(tenantId, "agent");
    await env.DB.prepare("UPDATE memberships SET role = 'manager' WHERE user_id = ?")
      .bind(agent.userId)
      .run();
    expect((await call("/api/v1/members", { headers: agent.auth })).status).toBe(200);
    const me = await call("/api/v1/auth/me", { headers: agent.auth });
    expect(((await me.json()) as { role: string }).role).toBe("manager");
  });

  it("refuses a demoted owner at once, though the token still says owner", async () => {
    const { tenantId, agent } = await createTenant();
    const owner = await createMember(tenantId, "owner");
    await env.DB.prepare("UPDATE memberships SET role = 'agent' WHERE user_id = ?").bind(owner.userId).run();
    await expectProblem(
      await call(`/api/v1/members/${agent.userId}`, {
        method: "PATCH",
        headers: { ...owner.auth, "Content-Type": "application/json" },
        body: JSON.stringify({ role: "manager" }),
      }),
      403,
      "FORBIDDEN",
    );
    const me = await call("/api/v1/auth/me", { headers: owner.auth });
    expect(((await me.json()) as { role: string }).role).toBe("agent");
  });

  it("checks the session after a handler that read nothing, and answers 401 if it ended", async () => {
    const app = createRouter();
    app.use(async (c, next) => {
      c.set("config", loadConfig(c.env));
      c.set("principalResolver", principalResolver);
      await next();
    });
    app.get("/api/v1/no-reads", requireAccess({ role: "agent" }), (c) => c.json({ secret: "data" }, 200));
    app.onError((error, c) => problemResponse(c, toApiError(error)));
    const { tenantId } = await createTenant();
    const agent = await createMember(tenantId, "agent");
    const get = () => app.request(`${ORIGIN}/api/v1/no-reads`, { headers: agent.auth }, env);
    expect((await get()).status).toBe(200);
    await env.DB.prepare("UPDATE refresh_families SET revoked_at = ? WHERE id = ?")
      .bind(Date.now(), agent.familyId)
      .run();
    const refused = await get();
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain("secret");
  });

  it("checks the session before middleware that writes ahead of the handler (idempotency)", async () => {
    const app = createRouter();
    app.use(async (c, next) => {
      c.set("config", loadConfig(c.env));
      c.set("principalResolver", principalResolver);
      await next();
    });
    const [first, ...rest] = access({ role: "agent" }, idempotency()).middleware;
    app.use("/api/v1/things", first as MiddlewareHandler<AppEnv>, ...(rest as MiddlewareHandler<AppEnv>[]));
    app.post("/api/v1/things", (c) => c.json({ created: true }, 201));
    app.onError((error, c) => problemResponse(c, toApiError(error)));
    const { tenantId } = await createTenant();
    const agent = await createMember(tenantId, "agent");
    await env.DB.prepare("UPDATE refresh_families SET revoked_at = ? WHERE id = ?")
      .bind(Date.now(), agent.familyId)
      .run();
    const keys = await countRows("idempotency_keys");
    const res = await app.request(
      `${ORIGIN}/api/v1/things`,
      {
        method: "POST",
        headers: { ...agent.auth, "Content-Type": "application/json", "Idempotency-Key": "revoked-1" },
        body: "{}",
      },
      env,
    );
    expect(res.status).toBe(401);
    expect(await countRows("idempotency_keys")).toBe(keys);
  });

  it("refuses a removed member on a read, though the token is still valid", async () => {
    const { tenantId } = await createTenant();
    const manager = await createMember(tenantId, "manager");
    await env.DB.prepare("DELETE FROM memberships WHERE user_id = ?").bind(manager.userId).run();
    await expectProblem(await call("/api/v1/members", { headers: manager.auth }), 401, "UNAUTHENTICATED");
  });
});

const OPERATOR_OPS = ALL.filter((op) => op.operator);
const UNSAFE = ["POST", "PUT", "PATCH", "DELETE"];

describe("the operator access matrix (generated from every operation's x-operator)", () => {
  it("covers every /admin operation, each on the operator cookie and nothing else", () => {
    expect(OPERATOR_OPS.length).toBeGreaterThanOrEqual(3);
    for (const op of ALL) {
      expect(op.operator, `${label(op)}: /admin operations use operatorAccess()`).toBe(
        /^\/admin(\/|$)/.test(op.path),
      );
      const usesOperatorCookie = JSON.stringify(op.security ?? []).includes("OperatorSession");
      expect(usesOperatorCookie, `${label(op)}: security and x-operator disagree`).toBe(op.operator);
      if (op.operator) expect(op.access, `${label(op)}: operator routes take no tenant role`).toBeUndefined();
    }
  });

  const operatorAuditRows = () => countRows("operator_audit_events");
  const fromConsole = (op: Operation): Record<string, string> =>
    UNSAFE.includes(op.method) ? { Origin: ORIGIN } : {};

  it.each(OPERATOR_OPS.map((op) => [label(op), op] as const))(
    "%s: 401 without an operator session, and nothing is written",
    async (_, op) => {
      const before = await operatorAuditRows();
      await expectProblem(await request(op, fromConsole(op)), 401, "UNAUTHENTICATED");
      await expectProblem(
        await request(op, { Cookie: "__Host-dlx_op=not-a-session-token-at-all", ...fromConsole(op) }),
        401,
        "UNAUTHENTICATED",
      );
      expect(await operatorAuditRows(), "a refused call wrote something").toBe(before);
    },
  );

  it.each(OPERATOR_OPS.map((op) => [label(op), op] as const))(
    "%s: 401 for every tenant credential (each role's token and cookies, an API key with every scope)",
    async (_, op) => {
      const before = await operatorAuditRows();
      for (const role of ROLES) {
        const member = memberOf(home, role);
        await expectProblem(
          await request(op, { ...member.auth, ...fromConsole(op) }),
          401,
          "UNAUTHENTICATED",
        );
        await expectProblem(
          await request(op, {
            Cookie: `__Host-dlx_at=${member.accessToken}; __Host-dlx_rt=${member.refreshToken}`,
            ...fromConsole(op),
          }),
          401,
          "UNAUTHENTICATED",
        );
      }
      await expectProblem(
        await request(op, { Authorization: `Bearer ${keys.all}`, ...fromConsole(op) }),
        401,
        "UNAUTHENTICATED",
      );
      expect(await operatorAuditRows(), "a refused call wrote something").toBe(before);
    },
  );

  it.each(OPERATOR_OPS.map((op) => [label(op), op] as const))(
    "%s: 401 for a session whose user is not a platform admin; passes for an operator",
    async (_, op) => {
      const notAdmin = await createOperator({ admin: false });
      await expectProblem(
        await request(op, { ...notAdmin.cookie, ...fromConsole(op) }),
        401,
        "UNAUTHENTICATED",
      );
      const operator = await createOperator();
      const allowed = await request(op, { ...operator.cookie, ...fromConsole(op) });
      expect([401, 403], `${label(op)} refused an operator`).not.toContain(allowed.status);
    },
  );

  const UNSAFE_OPS = OPERATOR_OPS.filter((op) => UNSAFE.includes(op.method));

  it.each(UNSAFE_OPS.map((op) => [label(op), op] as const))(
    "%s: 403 CSRF_REJECTED for an operator's call from another origin or none, and nothing is written",
    async (_, op) => {
      const operator = await createOperator();
      const before = await operatorAuditRows();
      for (const origin of [{ Origin: "https://evil.example" }, {}] as Record<string, string>[]) {
        await expectProblem(await request(op, { ...operator.cookie, ...origin }), 403, "CSRF_REJECTED");
      }
      expect(await operatorAuditRows()).toBe(before);
    },
  );
});
