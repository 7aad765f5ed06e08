import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/platform/crypto";
import { idPrefixes, newId } from "../../src/platform/ids";
import { TestBrowser } from "../../test/browser";
import { createMember, createTenant } from "../../test/fixtures";
import { call, callWithEnv, PRODUCTION_BINDINGS, setCookieFor } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const cookieValue = (header: string | undefined) => /^[^=]+=([^;]*)/.exec(header ?? "")?.[1];

const refreshTokenRow = async (token: string) =>
  env.DB.prepare("SELECT family_id, used_at FROM refresh_tokens WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<{ family_id: string; used_at: number | null }>();

describe("account page", () => {
  it("sends a signed-out visitor to sign in and back", async () => {
    const res = await call("/account", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Faccount");
  });

  it("shows who is signed in, where, with which role, in Arabic by default", async () => {
    const { tenantId } = await createTenant("مكتب الخليج");
    const manager = await createMember(tenantId, "manager", { phone: "+966557778899" });
    const browser = new TestBrowser({ "__Host-dlx_at": manager.accessToken });
    const res = await browser.get("/account");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const html = browser.lastHtml;
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('data-testid="account-tenant">مكتب الخليج<');
    expect(html).toContain(`data-testid="account-role">${ar.account.roles.manager}<`);
    expect(html).toContain(manager.email);
    expect(html).toContain("+966557778899");
    expect(html).toContain(ar.account.noOtherWorkspaces);
    // Managers get the team link in the navigation.
    expect(html).toContain('href="/team"');
  });

  it("is English with the cookie and lists the user's other workspaces", async () => {
    const home = await createTenant("Home Realty");
    const other = await createTenant("Second Office");
    await env.DB.prepare(
      "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
    )
      .bind(other.tenantId, home.agent.userId, Date.now())
      .run();
    const browser = new TestBrowser({ "__Host-dlx_at": home.agent.accessToken, lang: "en" });
    await browser.get("/account");
    const html = browser.lastHtml;
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain('data-testid="account-tenant">Home Realty<');
    expect(html).toContain(`data-testid="account-role">${en.account.roles.agent}<`);
    expect(html).toContain(`Second Office — ${en.account.roles.owner}`);
    expect(html).not.toContain(en.account.noOtherWorkspaces);
    // Agents are not offered the team page.
    expect(html).not.toContain('href="/team"');
  });

  it("escapes names it did not write", async () => {
    const { agent } = await createTenant('<img src=x onerror="alert(1)">');
    const browser = new TestBrowser({ "__Host-dlx_at": agent.accessToken });
    await browser.get("/account");
    expect(browser.lastHtml).not.toContain("<img src=x");
    expect(browser.lastHtml).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("ignores a forged access cookie", async () => {
    const { agent } = await createTenant();
    const [header, , signature] = agent.accessToken.split(".");
    const forgedPayload = btoa(JSON.stringify({ sub: agent.userId, role: "owner" })).replace(/=+$/, "");
    const browser = new TestBrowser({ "__Host-dlx_at": `${header}.${forgedPayload}.${signature}` });
    const res = await browser.get("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Faccount");
  });
});

describe("silent refresh", () => {
  it("renews the session from the refresh cookie alone and uses up the old token", async () => {
    const { agent } = await createTenant("Refresh Realty");
    const browser = new TestBrowser({ "__Host-dlx_rt": agent.refreshToken });
    const res = await browser.get("/account");
    expect(res.status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="account-tenant">Refresh Realty<');

    const access = setCookieFor(res, "__Host-dlx_at");
    const refresh = setCookieFor(res, "__Host-dlx_rt");
    expect(access).toMatch(/HttpOnly/);
    expect(refresh).toMatch(/HttpOnly/);
    const newRefresh = cookieValue(refresh) ?? "";
    expect(cookieValue(access)?.split(".")).toHaveLength(3);
    expect(newRefresh).not.toBe(agent.refreshToken);
    expect(browser.cookie("__Host-dlx_rt")).toBe(newRefresh);

    const old = await refreshTokenRow(agent.refreshToken);
    expect(old?.used_at).toEqual(expect.any(Number));
    const next = await refreshTokenRow(newRefresh);
    expect(next).toEqual({ family_id: agent.familyId, used_at: null });

    // The renewed access cookie carries the next request without another refresh.
    const again = await browser.get("/account");
    expect(again.status).toBe(200);
    expect(setCookieFor(again, "__Host-dlx_rt")).toBeUndefined();
    expect((await refreshTokenRow(newRefresh))?.used_at).toBeNull();
  });

  it("renews behind an access cookie that no longer verifies", async () => {
    const { agent } = await createTenant();
    const browser = new TestBrowser({ "__Host-dlx_at": "not-a-jwt", "__Host-dlx_rt": agent.refreshToken });
    const res = await browser.get("/account");
    expect(res.status).toBe(200);
    expect(browser.cookie("__Host-dlx_at")).not.toBe("not-a-jwt");
    expect((await refreshTokenRow(agent.refreshToken))?.used_at).toEqual(expect.any(Number));
  });

  it("sends a revoked session to sign in and clears its cookies", async () => {
    const { agent } = await createTenant();
    await env.DB.prepare("UPDATE refresh_families SET revoked_at = ?, revoked_reason = 'test' WHERE id = ?")
      .bind(Date.now(), agent.familyId)
      .run();
    const sessions: Record<string, string>[] = [
      { "__Host-dlx_rt": agent.refreshToken },
      { "__Host-dlx_at": agent.accessToken, "__Host-dlx_rt": agent.refreshToken },
    ];
    for (const cookies of sessions) {
      const browser = new TestBrowser(cookies);
      const res = await browser.get("/account");
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/login?next=%2Faccount");
      for (const name of ["__Host-dlx_at", "__Host-dlx_rt"]) {
        expect(setCookieFor(res, name)).toMatch(new RegExp(`^${name}=;.*Max-Age=0`));
        expect(browser.cookie(name)).toBeUndefined();
      }
    }
    expect((await refreshTokenRow(agent.refreshToken))?.used_at).toBeNull();
  });

  // Sixty-one page renders in a row take more than the default 5 s on a loaded machine.
  it("keeps the cookies when renewal is only rate limited, not refused", async () => {
    const { agent } = await createTenant();
    // A client of its own, so this test spends no other test's refresh budget (60 per minute per IP).
    const get = (refreshToken: string) =>
      call("/account", {
        headers: { Cookie: `__Host-dlx_rt=${refreshToken}`, "CF-Connecting-IP": "192.0.2.61" },
        redirect: "manual",
      });
    let refreshToken = agent.refreshToken;
    for (let i = 0; i < 60; i++) {
      const res = await get(refreshToken);
      expect(res.status).toBe(200);
      await res.body?.cancel();
      refreshToken = cookieValue(setCookieFor(res, "__Host-dlx_rt")) ?? "";
    }
    const limited = await get(refreshToken);
    expect(limited.status).toBe(303);
    expect(setCookieFor(limited, "__Host-dlx_rt")).toBeUndefined();
    expect(setCookieFor(limited, "__Host-dlx_at")).toBeUndefined();
    expect((await refreshTokenRow(refreshToken))?.used_at).toBeNull();
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first<{ revoked_at: number | null }>();
    expect(family?.revoked_at).toBeNull();
    // Sixty-one page loads, each with a renewal: allow for a busy machine.
  }, 30_000);

  it("keeps the cookies when a second tab renews with the same refresh cookie at the same moment", async () => {
    const { agent } = await createTenant();
    const firstTab = await new TestBrowser({ "__Host-dlx_rt": agent.refreshToken }).get("/account");
    expect(firstTab.status).toBe(200);
    const secondTab = await new TestBrowser({ "__Host-dlx_rt": agent.refreshToken }).get("/account");
    expect(secondTab.status).toBe(303);
    expect(setCookieFor(secondTab, "__Host-dlx_rt")).toBeUndefined();
    expect(setCookieFor(secondTab, "__Host-dlx_at")).toBeUndefined();
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first<{ revoked_at: number | null }>();
    expect(family?.revoked_at).toBeNull();
    // The first tab's new cookies still work.
    const renewed = cookieValue(setCookieFor(firstTab, "__Host-dlx_rt")) ?? "";
    expect((await new TestBrowser({ "__Host-dlx_rt": renewed }).get("/account")).status).toBe(200);
  });

  it("does not renew a session whose membership ended", async () => {
    const { tenantId, agent } = await createTenant();
    await env.DB.prepare("DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?")
      .bind(tenantId, agent.userId)
      .run();
    const browser = new TestBrowser({ "__Host-dlx_rt": agent.refreshToken });
    const res = await browser.get("/account");
    expect(res.status).toBe(303);
    expect(browser.cookie("__Host-dlx_rt")).toBeUndefined();
    const family = await env.DB.prepare("SELECT revoked_reason FROM refresh_families WHERE id = ?")
      .bind(agent.familyId)
      .first<{ revoked_reason: string | null }>();
    expect(family?.revoked_reason).toBe("membership_ended");
  });
});

describe("dev outbox page", () => {
  it("lists messages outside production, escaped", async () => {
    await env.DB.prepare(
      "INSERT INTO outbox_messages (id, channel, recipient, subject, body, created_at) VALUES (?, 'email', ?, ?, ?, ?)",
    )
      .bind(newId(idPrefixes.outboxMessage), "outbox@example.sa", "Hello", "<b>bold</b> body", Date.now())
      .run();
    const res = await call("/dev/outbox");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('data-recipient="outbox@example.sa"');
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt; body");
    expect(html).not.toContain("<b>bold</b>");
  });

  it.each(["production", "staging"])("does not exist in %s", async (environment) => {
    const res = await callWithEnv({ ...PRODUCTION_BINDINGS, ENVIRONMENT: environment }, "/dev/outbox");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-testid="not-found"');
    expect(html).not.toContain('data-testid="outbox-page"');
  });
});
