import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createOperator, createTenant } from "../../test/fixtures";
import { call, callSettled, expectProblem, ORIGIN } from "../../test/helpers";
import { OPERATOR_COOKIE, OPERATOR_IDLE_MS } from "./operator-session";

const me = (headers: Record<string, string>) => call("/admin/me", { headers });

describe("GET /admin/me", () => {
  it("names the operator and when the session ends, and moves the idle clock", async () => {
    const operator = await createOperator();
    await env.DB.prepare("UPDATE operator_sessions SET last_seen_at = last_seen_at - 60000 WHERE id = ?")
      .bind(operator.sessionId)
      .run();
    const before = Date.now();
    const res = await me(operator.cookie);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      operator: { id: string; name: string; email: string };
      session: { id: string; createdAt: string; expiresAt: string; idleExpiresAt: string };
    };
    expect(body.operator).toEqual({ id: operator.userId, name: "Dealix Operator", email: operator.email });
    expect(body.session.id).toBe(operator.sessionId);
    expect(Date.parse(body.session.expiresAt) - Date.parse(body.session.createdAt)).toBe(8 * 60 * 60 * 1000);
    expect(Date.parse(body.session.idleExpiresAt)).toBeGreaterThanOrEqual(before + OPERATOR_IDLE_MS);
    const row = await env.DB.prepare("SELECT last_seen_at FROM operator_sessions WHERE id = ?")
      .bind(operator.sessionId)
      .first<{ last_seen_at: number }>();
    expect(row?.last_seen_at).toBeGreaterThanOrEqual(before);
  });

  it("is refused (401) to a session idle for 30 minutes, past its 8 hours, ended, or whose user lost the admin flag", async () => {
    const idle = await createOperator();
    await env.DB.prepare("UPDATE operator_sessions SET last_seen_at = ? WHERE id = ?")
      .bind(Date.now() - OPERATOR_IDLE_MS - 1, idle.sessionId)
      .run();
    await expectProblem(await me(idle.cookie), 401, "UNAUTHENTICATED");

    const old = await createOperator();
    await env.DB.prepare("UPDATE operator_sessions SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, old.sessionId)
      .run();
    await expectProblem(await me(old.cookie), 401, "UNAUTHENTICATED");

    const ended = await createOperator();
    await env.DB.prepare("UPDATE operator_sessions SET ended_at = ? WHERE id = ?")
      .bind(Date.now(), ended.sessionId)
      .run();
    await expectProblem(await me(ended.cookie), 401, "UNAUTHENTICATED");

    const demoted = await createOperator();
    expect((await me(demoted.cookie)).status).toBe(200);
    await env.DB.prepare("UPDATE users SET is_platform_admin = 0 WHERE id = ?").bind(demoted.userId).run();
    await expectProblem(await me(demoted.cookie), 401, "UNAUTHENTICATED");
  });

  it("refuses tenant credentials: bearer token, tenant session cookies, a tenant token in the operator cookie", async () => {
    const { owner } = await createTenant();
    await expectProblem(await me(owner.auth), 401, "UNAUTHENTICATED");
    await expectProblem(
      await me({ Cookie: `__Host-dlx_at=${owner.accessToken}; __Host-dlx_rt=${owner.refreshToken}` }),
      401,
      "UNAUTHENTICATED",
    );
    // A tenant's refresh token in the operator cookie is no operator session either.
    await expectProblem(
      await me({ Cookie: `${OPERATOR_COOKIE}=${owner.refreshToken}` }),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("answers problem+json to scripts and an HTML page to a browser asking for one", async () => {
    await expectProblem(await call("/admin/me"), 401, "UNAUTHENTICATED");
    // Outside the contract checker on purpose: the contract describes the JSON answer.
    const page = await callSettled("/admin/me", { headers: { Accept: "text/html,application/xhtml+xml" } });
    expect(page.status).toBe(401);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    await expectProblem(await call("/admin/no-such-thing"), 404, "NOT_FOUND");
  });
});

describe("an operator session grants no tenant access", () => {
  it("is refused by the tenant API and treated as signed out by tenant pages", async () => {
    const operator = await createOperator();
    await expectProblem(await call("/api/v1/members", { headers: operator.cookie }), 401, "UNAUTHENTICATED");
    await expectProblem(await call("/api/v1/auth/me", { headers: operator.cookie }), 401, "UNAUTHENTICATED");
    const contacts = await call("/contacts", { headers: operator.cookie, redirect: "manual" });
    expect(contacts.status).toBe(303);
    expect(contacts.headers.get("Location")).toMatch(/^\/login/);
  });
});

describe("DELETE /admin/session", () => {
  it("signs the operator out from the console's origin, audited in one batch", async () => {
    const operator = await createOperator();
    const res = await call("/admin/session", {
      method: "DELETE",
      headers: { ...operator.cookie, Origin: ORIGIN },
    });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${OPERATOR_COOKIE}=;`))).toBe(true);
    const audit = await env.DB.prepare(
      "SELECT action, target_id FROM operator_audit_events WHERE operator_id = ? ORDER BY created_at",
    )
      .bind(operator.userId)
      .all<{ action: string; target_id: string }>();
    expect(audit.results).toEqual([{ action: "operator.session_ended", target_id: operator.sessionId }]);
    await expectProblem(await me(operator.cookie), 401, "UNAUTHENTICATED");
  });

  it("refuses (403) a call from another origin or without one, and the session stays", async () => {
    const operator = await createOperator();
    const origins: Record<string, string>[] = [{ Origin: "https://evil.example" }, {}];
    for (const origin of origins) {
      await expectProblem(
        await call("/admin/session", { method: "DELETE", headers: { ...operator.cookie, ...origin } }),
        403,
        "CSRF_REJECTED",
      );
    }
    expect((await me(operator.cookie)).status).toBe(200);
    const audit = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM operator_audit_events WHERE operator_id = ?",
    )
      .bind(operator.userId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(0);
  });
});

describe("GET /admin/audit", () => {
  it("lists operator events newest first, in pages, filtered by operator", async () => {
    const operator = await createOperator();
    for (let i = 0; i < 3; i++) {
      const other = await createOperator();
      await call("/admin/session", { method: "DELETE", headers: { ...other.cookie, Origin: ORIGIN } });
    }
    await call("/admin/session", {
      method: "DELETE",
      headers: { ...(await createOperator()).cookie, Origin: ORIGIN },
    });
    const first = await call("/admin/audit?limit=2", { headers: operator.cookie });
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      data: { action: string; createdAt: string }[];
      nextCursor: string;
    };
    expect(page1.data).toHaveLength(2);
    expect(page1.data.every((event) => event.action === "operator.session_ended")).toBe(true);
    expect(Date.parse(page1.data[0]?.createdAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(page1.data[1]?.createdAt ?? ""),
    );
    const second = await call(`/admin/audit?limit=2&cursor=${page1.nextCursor}`, {
      headers: operator.cookie,
    });
    const page2 = (await second.json()) as { data: { id: string }[] };
    expect(page2.data.length).toBeGreaterThan(0);

    const mine = await call(`/admin/audit?operatorId=${operator.userId}`, { headers: operator.cookie });
    expect(((await mine.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("never shows in a tenant's audit log", async () => {
    const operator = await createOperator();
    await call("/admin/session", { method: "DELETE", headers: { ...operator.cookie, Origin: ORIGIN } });
    const { owner } = await createTenant();
    const res = await call("/api/v1/audit-events?limit=100", { headers: owner.auth });
    const body = (await res.json()) as { data: { action: string }[] };
    expect(body.data.some((event) => event.action.startsWith("operator."))).toBe(false);
  });
});
