import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createMember, createTenant, PASSWORD } from "../../test/fixtures";
import { countRows, escaped, uniqueEmail } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

/** A browser signed in as `actor` (its session cookies), optionally in English. */
const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

/** A signed-in browser that has loaded /team (so its forms carry the CSRF token). */
async function onTeamPage(actor: Actor, extra: Record<string, string> = {}) {
  const browser = signedIn(actor, extra);
  const res = await browser.get("/team");
  expect(res.status).toBe(200);
  return browser;
}

const roleOf = async (tenantId: string, userId: string) =>
  (
    await env.DB.prepare("SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?")
      .bind(tenantId, userId)
      .first<{ role: string }>()
  )?.role ?? null;

const invitationsOf = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, email, phone, role, invited_by, revoked_at, accepted_at, accepted_by FROM invitations WHERE tenant_id = ? ORDER BY created_at",
    )
      .bind(tenantId)
      .all<{
        id: string;
        email: string | null;
        phone: string | null;
        role: string;
        invited_by: string;
        revoked_at: number | null;
        accepted_at: number | null;
        accepted_by: string | null;
      }>()
  ).results;

const shareLinkIn = (html: string) =>
  /data-testid="invite-link">\s*(https:\/\/dealix\.test\/invitations\/([A-Za-z0-9_-]+))\s*</.exec(html);

describe("team page access", () => {
  it("sends a signed-out visitor to sign in and back", async () => {
    const res = await new TestBrowser().get("/team");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login?next=%2Fteam");
  });

  it("shows an agent a 403 page, not JSON", async () => {
    const { agent } = await createTenant();
    const browser = signedIn(agent);
    const res = await browser.get("/team");
    expect(res.status).toBe(403);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(browser.lastHtml).toContain('<html lang="ar" dir="rtl">');
    expect(browser.lastHtml).toContain('data-testid="error-page"');
    expect(browser.lastHtml).not.toContain('data-testid="members-table"');
    // The navigation does not offer agents the team page either.
    expect(browser.lastHtml).not.toContain('href="/team"');
  });

  it("refuses an agent's invitation post with 403 and stores nothing", async () => {
    const { tenantId, agent } = await createTenant();
    const browser = signedIn(agent);
    await browser.get("/account");
    const res = await browser.post("/team/invitations", {
      email: uniqueEmail("x"),
      phone: "",
      role: "agent",
    });
    expect(res.status).toBe(403);
    expect(await invitationsOf(tenantId)).toHaveLength(0);
  });

  it("is Arabic RTL by default and English LTR with the cookie", async () => {
    const { manager } = await createTenant("Eastern Estates");
    const arHtml = (await onTeamPage(manager)).lastHtml;
    expect(arHtml).toContain('<html lang="ar" dir="rtl">');
    expect(arHtml).toContain(ar.team.invite);
    const enHtml = (await onTeamPage(manager, { lang: "en" })).lastHtml;
    expect(enHtml).toContain('<html lang="en" dir="ltr">');
    expect(enHtml).toContain(en.team.invite);
    expect(enHtml).toContain(en.account.roles.agent);
  });
});

describe("team page as manager and owner", () => {
  it("shows a manager the members and the invite form, without role or remove controls", async () => {
    const { tenantId, owner, manager, agent } = await createTenant();
    const other = await createTenant("Other Realty");
    const html = (await onTeamPage(manager)).lastHtml;
    expect(html).toContain('data-testid="members-table"');
    for (const member of [owner, manager, agent]) {
      expect(html).toContain(`data-user-id="${member.userId}"`);
      expect(html).toContain(member.email);
    }
    expect(html).not.toContain(other.owner.userId);
    expect(html.match(/data-testid="member-row"/g)).toHaveLength(3);
    expect(html).toContain('data-testid="invite-form"');
    expect(html).not.toContain("/team/members/");
    // A manager may invite agents and managers, not owners.
    const inviteRoles = /<select id="invite-role"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? "";
    expect(inviteRoles).toContain('value="agent"');
    expect(inviteRoles).toContain('value="manager"');
    expect(inviteRoles).not.toContain('value="owner"');
    expect(await roleOf(tenantId, manager.userId)).toBe("manager");
  });

  it("shows an owner the role and remove controls for every member", async () => {
    const { owner, manager, agent } = await createTenant();
    const html = (await onTeamPage(owner)).lastHtml;
    for (const member of [owner, manager, agent]) {
      expect(html).toContain(`action="/team/members/${member.userId}/role"`);
      expect(html).toContain(`action="/team/members/${member.userId}/remove"`);
    }
    expect(/<select id="invite-role"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1]).toContain('value="owner"');
  });

  it("refuses a manager's role change with 403 and changes nothing", async () => {
    const { tenantId, manager, agent } = await createTenant();
    const browser = await onTeamPage(manager);
    const res = await browser.post(`/team/members/${agent.userId}/role`, { role: "manager" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(escaped(ar.team.errors.forbidden));
    expect(await roleOf(tenantId, agent.userId)).toBe("agent");
    const removed = await browser.post(`/team/members/${agent.userId}/remove`, {});
    expect(removed.status).toBe(403);
    expect(await roleOf(tenantId, agent.userId)).toBe("agent");
  });

  it("lets the owner promote an agent to manager, with an audit row", async () => {
    const { tenantId, owner, agent } = await createTenant();
    const browser = await onTeamPage(owner);
    const res = await browser.post(`/team/members/${agent.userId}/role`, { role: "manager" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/team");
    expect(await roleOf(tenantId, agent.userId)).toBe("manager");
    const audit = await env.DB.prepare(
      "SELECT actor_id, details FROM audit_events WHERE tenant_id = ? AND action = 'member.role_changed' AND target_id = ?",
    )
      .bind(tenantId, agent.userId)
      .first<{ actor_id: string; details: string }>();
    expect(audit?.actor_id).toBe(owner.userId);
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({ from: "agent", to: "manager" });
    // The promoted member may now open the team page with their existing session.
    expect((await signedIn(agent).get("/team")).status).toBe(200);
  });

  it("lets the owner remove a member and ends that member's session", async () => {
    const { tenantId, owner, agent } = await createTenant();
    const browser = await onTeamPage(owner);
    const res = await browser.post(`/team/members/${agent.userId}/remove`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/team");
    expect(await roleOf(tenantId, agent.userId)).toBeNull();
    const family = await env.DB.prepare(
      "SELECT revoked_at, revoked_reason FROM refresh_families WHERE id = ?",
    )
      .bind(agent.familyId)
      .first<{ revoked_at: number | null; revoked_reason: string | null }>();
    expect(family?.revoked_at).toEqual(expect.any(Number));
    expect(family?.revoked_reason).toBe("member_removed");
    const audit = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'member.removed' AND target_id = ?",
    )
      .bind(tenantId, agent.userId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
    await browser.follow(res);
    expect(browser.lastHtml).not.toContain(agent.userId);

    const removedBrowser = signedIn(agent);
    const after = await removedBrowser.get("/account");
    expect(after.status).toBe(303);
    expect(after.headers.get("Location")).toBe("/login?next=%2Faccount");
    expect(removedBrowser.cookie("__Host-dlx_rt")).toBeUndefined();
  });

  it("keeps the last owner: demoting or removing them shows the message and changes nothing", async () => {
    const { tenantId, owner } = await createTenant();
    const browser = await onTeamPage(owner);
    const demote = await browser.post(`/team/members/${owner.userId}/role`, { role: "manager" });
    expect(demote.status).toBe(409);
    const html = await demote.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain(escaped(ar.team.errors.lastOwner));
    expect(await roleOf(tenantId, owner.userId)).toBe("owner");

    const remove = await browser.post(`/team/members/${owner.userId}/remove`, {});
    expect(remove.status).toBe(409);
    expect(await remove.text()).toContain(escaped(ar.team.errors.lastOwner));
    expect(await roleOf(tenantId, owner.userId)).toBe("owner");
    const audit = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action IN ('member.role_changed', 'member.removed')",
    )
      .bind(tenantId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(0);
  });

  it("lets an owner step down once another owner exists", async () => {
    const { tenantId, owner } = await createTenant();
    await createMember(tenantId, "owner");
    const browser = await onTeamPage(owner);
    const res = await browser.post(`/team/members/${owner.userId}/role`, { role: "manager" });
    expect(res.status).toBe(303);
    expect(await roleOf(tenantId, owner.userId)).toBe("manager");
  });

  it("rejects an unknown role with 422 and changes nothing", async () => {
    const { tenantId, owner, agent } = await createTenant();
    const browser = await onTeamPage(owner);
    const res = await browser.post(`/team/members/${agent.userId}/role`, { role: "admin" });
    expect(res.status).toBe(422);
    expect(await roleOf(tenantId, agent.userId)).toBe("agent");
  });

  it("answers another tenant's member with a 404 page and leaves that tenant alone", async () => {
    const mine = await createTenant();
    const theirs = await createTenant("Someone Else Realty");
    const browser = await onTeamPage(mine.owner);
    for (const action of ["role", "remove"]) {
      const res = await browser.post(`/team/members/${theirs.agent.userId}/${action}`, { role: "owner" });
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain('data-testid="not-found"');
    }
    expect(await roleOf(theirs.tenantId, theirs.agent.userId)).toBe("agent");
    const family = await env.DB.prepare("SELECT revoked_at FROM refresh_families WHERE id = ?")
      .bind(theirs.agent.familyId)
      .first<{ revoked_at: number | null }>();
    expect(family?.revoked_at).toBeNull();
    expect(await roleOf(mine.tenantId, theirs.agent.userId)).toBeNull();
  });

  it("answers a malformed member id with a 404 page", async () => {
    const { owner } = await createTenant();
    const browser = await onTeamPage(owner);
    const res = await browser.post("/team/members/not-a-user/role", { role: "agent" });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('data-testid="not-found"');
  });
});

describe("team invitations", () => {
  it("lets a manager invite by email: stores the invitation, emails it and shows the link", async () => {
    const { tenantId, manager } = await createTenant("Invite Realty");
    const browser = await onTeamPage(manager);
    const email = uniqueEmail("invitee");
    const res = await browser.post("/team/invitations", { email, phone: "", role: "agent" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('role="status"');
    expect(html).toContain(escaped(ar.team.inviteSent));
    const link = shareLinkIn(html);
    expect(link).not.toBeNull();
    expect(html).toContain('data-testid="invitation-row"');

    const [row, ...rest] = await invitationsOf(tenantId);
    expect(rest).toHaveLength(0);
    expect(row).toMatchObject({
      email,
      phone: null,
      role: "agent",
      invited_by: manager.userId,
      revoked_at: null,
    });
    const mail = await env.DB.prepare("SELECT channel, body FROM outbox_messages WHERE recipient = ?")
      .bind(email)
      .first<{ channel: string; body: string }>();
    expect(mail?.channel).toBe("email");
    expect(mail?.body).toContain(link?.[1]);
  });

  it("lets a manager invite by phone over WhatsApp", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = await onTeamPage(manager);
    const res = await browser.post("/team/invitations", { email: "", phone: "0554445566", role: "manager" });
    expect(res.status).toBe(200);
    expect(await invitationsOf(tenantId)).toMatchObject([
      { email: null, phone: "+966554445566", role: "manager" },
    ]);
    const message = await env.DB.prepare("SELECT channel FROM outbox_messages WHERE recipient = ?")
      .bind("+966554445566")
      .first<{ channel: string }>();
    expect(message?.channel).toBe("whatsapp");
  });

  it.each([
    ["both an email and a phone", { email: "both@example.sa", phone: "0554445567", role: "agent" }, "email"],
    ["neither an email nor a phone", { email: "", phone: "", role: "agent" }, "email"],
    ["a malformed email", { email: "nope", phone: "", role: "agent" }, "email"],
    ["a malformed phone", { email: "", phone: "123", role: "agent" }, "phone"],
    ["an unknown role", { email: "role@example.sa", phone: "", role: "admin" }, null],
  ])("rejects %s with 422 and stores nothing", async (_label, fields, markedField) => {
    const { tenantId, manager } = await createTenant();
    const browser = await onTeamPage(manager, { lang: "en" });
    const outbox = await countRows("outbox_messages");
    const res = await browser.post("/team/invitations", fields);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    if (markedField) expect(html).toMatch(new RegExp(`id="${markedField}"[^>]*aria-invalid="true"`));
    if (markedField === "email") expect(html).toContain(escaped(en.team.errors.emailOrPhone));
    if (markedField === "phone") expect(html).toContain(escaped(en.auth.errors.phone));
    // What was typed comes back, escaped.
    if (fields.email) expect(html).toContain(`value="${fields.email}"`);
    expect(html).not.toContain('data-testid="invite-link"');
    expect(await invitationsOf(tenantId)).toHaveLength(0);
    expect(await countRows("outbox_messages")).toBe(outbox);
  });

  it("refuses a manager inviting an owner with 403", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = await onTeamPage(manager);
    const res = await browser.post("/team/invitations", {
      email: uniqueEmail("boss"),
      phone: "",
      role: "owner",
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(escaped(ar.team.errors.forbidden));
    expect(await invitationsOf(tenantId)).toHaveLength(0);
  });

  it("refuses to invite someone who is already a member (409)", async () => {
    const { tenantId, manager, agent } = await createTenant();
    const browser = await onTeamPage(manager);
    const res = await browser.post("/team/invitations", { email: agent.email, phone: "", role: "agent" });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain(escaped(ar.team.errors.alreadyMember));
    expect(await invitationsOf(tenantId)).toHaveLength(0);
  });

  it("cancels a pending invitation", async () => {
    const { tenantId, manager } = await createTenant();
    const browser = await onTeamPage(manager);
    await browser.post("/team/invitations", { email: uniqueEmail("cancel"), phone: "", role: "agent" });
    const link = shareLinkIn(browser.lastHtml);
    const [row] = await invitationsOf(tenantId);
    expect(row?.id).toMatch(/^inv_/);
    expect(browser.lastHtml).toContain(`action="/team/invitations/${row?.id}/cancel"`);

    const res = await browser.post(`/team/invitations/${row?.id}/cancel`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/team");
    const [cancelled] = await invitationsOf(tenantId);
    expect(cancelled?.revoked_at).toEqual(expect.any(Number));
    await browser.follow(res);
    expect(browser.lastHtml).not.toContain('data-testid="invitation-row"');
    expect(browser.lastHtml).toContain(ar.team.noPending);

    const accept = await new TestBrowser().get(`/invitations/${link?.[2]}`);
    expect(accept.status).toBe(404);
  });

  it("answers cancelling another tenant's invitation with a 404 page", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const theirBrowser = await onTeamPage(theirs.manager);
    await theirBrowser.post("/team/invitations", { email: uniqueEmail("theirs"), phone: "", role: "agent" });
    const [row] = await invitationsOf(theirs.tenantId);
    const browser = await onTeamPage(mine.owner);
    const res = await browser.post(`/team/invitations/${row?.id}/cancel`, {});
    expect(res.status).toBe(404);
    const [after] = await invitationsOf(theirs.tenantId);
    expect(after?.revoked_at).toBeNull();
  });
});

describe("invitation accept page", () => {
  async function invitation(
    role: "agent" | "manager" = "agent",
    to: { email?: string; phone?: string } = {},
  ) {
    const tenant = await createTenant("دار الأمانة للعقار");
    const browser = await onTeamPage(tenant.owner);
    const email = to.phone ? "" : (to.email ?? uniqueEmail("joiner"));
    await browser.post("/team/invitations", { email, phone: to.phone ?? "", role });
    const link = shareLinkIn(browser.lastHtml);
    expect(link).not.toBeNull();
    return { ...tenant, email, url: link?.[1] ?? "", path: new URL(link?.[1] ?? "").pathname };
  }

  it("shows the tenant, the role and a create-account form", async () => {
    const { email, path } = await invitation("manager");
    const browser = new TestBrowser();
    const res = await browser.get(path);
    expect(res.status).toBe(200);
    const html = browser.lastHtml;
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('data-testid="invitation-page"');
    expect(html).toContain("<strong>دار الأمانة للعقار</strong>");
    expect(html).toContain(`<strong>${ar.account.roles.manager}</strong>`);
    expect(html).toContain(ar.invitation.createAccount);
    expect(html).toContain('name="name"');
    expect(html).toContain('name="password"');
    expect(html).toContain(email);
    expect(html).toContain(`action="${path}"`);
  });

  it("creates the account with the invited role, signs in and uses up the link", async () => {
    const { tenantId, email, path } = await invitation("manager");
    const browser = new TestBrowser();
    await browser.get(path);
    const res = await browser.post(path, { name: "سارة القحطاني", password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect(browser.cookie("__Host-dlx_at")).toBeTruthy();
    expect(browser.cookie("__Host-dlx_rt")).toBeTruthy();

    const user = await env.DB.prepare("SELECT id, name FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: string; name: string }>();
    expect(user?.name).toBe("سارة القحطاني");
    expect(await roleOf(tenantId, user?.id ?? "")).toBe("manager");
    const [row] = await invitationsOf(tenantId);
    expect(row?.accepted_by).toBe(user?.id);
    expect(row?.accepted_at).toEqual(expect.any(Number));

    const account = await browser.follow(res);
    expect(account.status).toBe(200);
    expect(browser.lastHtml).toContain('data-testid="account-tenant">دار الأمانة للعقار<');
    expect(browser.lastHtml).toContain(`data-testid="account-role">${ar.account.roles.manager}<`);

    const again = await new TestBrowser().get(path);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain(escaped(ar.invitation.invalid));

    // The new member can sign in with the password they chose.
    const login = new TestBrowser();
    await login.get("/login");
    const signIn = await login.post("/login", { email, password: PASSWORD });
    expect(signIn.status).toBe(303);
  });

  it("rejects a weak password with 422 and creates nothing", async () => {
    const { tenantId, path } = await invitation();
    const browser = new TestBrowser();
    await browser.get(path);
    const users = await countRows("users");
    const res = await browser.post(path, { name: "Sara", password: "short" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="password-error"');
    expect(html).toContain(escaped(ar.auth.errors.password));
    expect(await countRows("users")).toBe(users);
    const [row] = await invitationsOf(tenantId);
    expect(row?.accepted_at).toBeNull();
    expect(browser.cookie("__Host-dlx_at")).toBeUndefined();
    // The link still works afterwards.
    expect((await new TestBrowser().get(path)).status).toBe(200);
  });

  it("refuses a cross-site accept and leaves the invitation unused", async () => {
    const { tenantId, path } = await invitation();
    const browser = new TestBrowser();
    await browser.get(path);
    const res = await browser.post(
      path,
      { name: "Sara", password: PASSWORD },
      { origin: "https://evil.example" },
    );
    expect(res.status).toBe(403);
    const [row] = await invitationsOf(tenantId);
    expect(row?.accepted_at).toBeNull();
  });

  it("asks a phone invitee for an email and keeps the invited phone", async () => {
    const { tenantId, path } = await invitation("agent", { phone: "0556667788" });
    const browser = new TestBrowser({ lang: "en" });
    await browser.get(path);
    expect(browser.lastHtml).toContain('<html lang="en" dir="ltr">');
    expect(browser.lastHtml).toContain('name="email"');
    const email = uniqueEmail("phone-invitee");
    const res = await browser.post(path, { name: "Faisal", email, password: PASSWORD });
    expect(res.status).toBe(303);
    const user = await env.DB.prepare("SELECT id, phone FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: string; phone: string | null }>();
    expect(user?.phone).toBe("+966556667788");
    expect(await roleOf(tenantId, user?.id ?? "")).toBe("agent");
  });

  it("lets a signed-in user with the invited email join with their account", async () => {
    const elsewhere = await createTenant("First Agency");
    const { tenantId, path } = await invitation("manager", { email: elsewhere.agent.email });
    const users = await countRows("users");
    const browser = signedIn(elsewhere.agent);
    await browser.get(path);
    expect(browser.lastHtml).toContain(ar.invitation.joinAs);
    expect(browser.lastHtml).not.toContain('name="password"');
    const res = await browser.post(path, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect(await countRows("users")).toBe(users);
    expect(await roleOf(tenantId, elsewhere.agent.userId)).toBe("manager");
    expect(await roleOf(elsewhere.tenantId, elsewhere.agent.userId)).toBe("agent");
    await browser.follow(res);
    expect(browser.lastHtml).toContain('data-testid="account-tenant">دار الأمانة للعقار<');
    expect(browser.lastHtml).toContain("First Agency");
  });

  it("refuses a signed-in user the invitation was not sent to (403) and leaves it unused", async () => {
    const { tenantId, path } = await invitation();
    const stranger = (await createTenant()).agent;
    const browser = signedIn(stranger);
    await browser.get(path);
    const res = await browser.post(path, {});
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain(escaped(ar.invitation.wrongAccount));
    expect(await roleOf(tenantId, stranger.userId)).toBeNull();
    const [row] = await invitationsOf(tenantId);
    expect(row?.accepted_at).toBeNull();
  });

  it.each([
    ["a short garbage token", "garbage"],
    ["a well-formed unknown token", "A".repeat(43)],
  ])("shows a 404 page for %s", async (_label, token) => {
    const browser = new TestBrowser();
    const res = await browser.get(`/invitations/${token}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(browser.lastHtml).toContain('<html lang="ar" dir="rtl">');
    expect(browser.lastHtml).not.toContain('data-testid="invitation-page"');
  });
});

describe("dates on the team page", () => {
  // 20:30 UTC on 1 January 2030 is still the 1st in Riyadh (UTC+3) and already the 2nd in Dubai.
  const EXPIRY = Date.UTC(2030, 0, 1, 20, 30);
  const datesShown = async (browser: TestBrowser) => {
    expect((await browser.get("/team")).status).toBe(200);
    return [...browser.lastHtml.matchAll(/<time datetime="2030-01-01T20:30:00\.000Z">([^<]*)<\/time>/g)].map(
      (match) => match[1],
    );
  };

  it("shows an invitation's expiry on the tenant's calendar day, Gregorian and Umm al-Qura Hijri", async () => {
    const { tenantId, manager } = await createTenant();
    const english = await onTeamPage(manager, { lang: "en" });
    const sent = await english.post("/team/invitations", {
      email: uniqueEmail("dated"),
      phone: "",
      role: "agent",
    });
    expect(sent.status).toBe(200);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE tenant_id = ?")
      .bind(EXPIRY, tenantId)
      .run();
    const arabic = signedIn(manager);

    expect(await datesShown(english)).toEqual(["January 1, 2030 (Shaʻban 26, 1451 AH)"]);
    expect(await datesShown(arabic)).toEqual(["1 يناير 2030 (26 شعبان 1451 هـ)"]);

    await env.DB.prepare("UPDATE tenants SET timezone = 'Asia/Dubai' WHERE id = ?").bind(tenantId).run();
    expect(await datesShown(english)).toEqual(["January 2, 2030 (Shaʻban 27, 1451 AH)"]);
    expect(await datesShown(arabic)).toEqual(["2 يناير 2030 (27 شعبان 1451 هـ)"]);
  });
});
