import { describe, expect, it } from "vitest";
import { addCompany, addContact, addDeal } from "../../src/search/search.test-records";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant } from "../../test/fixtures";
import { escaped } from "../../test/helpers";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const signedIn = (actor: Actor, extra: Record<string, string> = {}) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken, ...extra });

const searchPath = (q: string) => `/search?q=${encodeURIComponent(q)}`;

describe("search page", () => {
  it("sends a signed-out visitor to sign in and back", async () => {
    const res = await new TestBrowser().get(searchPath("محمد"));
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/login?next=${encodeURIComponent(searchPath("محمد"))}`);
  });

  it("shows the box and what to type before a search", async () => {
    const { agent } = await createTenant();
    const res = await signedIn(agent).get("/search");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('dir="rtl"');
    expect(html).toContain('data-testid="search-box"');
    expect(html).toContain(escaped(ar.search.intro));
  });

  it("groups results by kind with links to each record, in Arabic with Arabic digits", async () => {
    const tenant = await createTenant();
    const contact = await addContact(tenant.tenantId, "نورة العتيبي", { phones: ["+966551230000"] });
    const company = await addCompany(tenant.tenantId, "نورة للعقارات", "300000000000003");
    const deal = await addDeal(tenant.tenantId, "شقة نورة", 150_000_00);
    const res = await signedIn(tenant.owner).get(searchPath("نوره"));
    expect(res.status).toBe(200);
    const html = await res.text();
    const at = (text: string) => html.indexOf(text);
    expect(at('data-testid="search-contact"')).toBeGreaterThan(-1);
    expect(at('data-testid="search-contact"')).toBeLessThan(at('data-testid="search-company"'));
    expect(at('data-testid="search-company"')).toBeLessThan(at('data-testid="search-deal"'));
    expect(html).toContain(`href="/contacts/${contact}"`);
    expect(html).toContain(`href="/companies/${company}"`);
    expect(html).toContain(`href="/deals/${deal}"`);
    expect(html).toContain("+966551230000");
    expect(html).toContain("١٥٠٬٠٠٠ ر.س");
    expect(html).toContain(escaped(ar.search.groups.deal));
  });

  it("speaks English with Latin digits when asked", async () => {
    const tenant = await createTenant();
    await addDeal(tenant.tenantId, "Villa Al Narjis", 2_500_000_00);
    const res = await signedIn(tenant.owner, { lang: "en" }).get(searchPath("narjis"));
    const html = await res.text();
    expect(html).toContain('dir="ltr"');
    expect(html).toContain(en.search.groups.deal);
    expect(html).toContain("2,500,000 SAR");
  });

  it("shows an agent only what they may see, and never another tenant's records", async () => {
    const [tenant, other] = await Promise.all([createTenant(), createTenant()]);
    const mine = await addContact(tenant.tenantId, "ريم الشهري", { ownerId: tenant.agent.userId });
    const theirs = await addContact(tenant.tenantId, "ريم القرني", { ownerId: tenant.manager.userId });
    const foreign = await addContact(other.tenantId, "ريم الشهري");
    const html = await (await signedIn(tenant.agent).get(searchPath("ريم"))).text();
    expect(html).toContain(mine);
    expect(html).not.toContain(theirs);
    expect(html).not.toContain(foreign);
  });

  it.each([")", '"', "عبد-الله", "NOT", "x".repeat(500), "<script>alert(1)</script>"])(
    "answers %j with a page, escaped, never an error",
    async (q) => {
      const { agent } = await createTenant();
      const res = await signedIn(agent).get(searchPath(q));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('data-testid="search-empty"');
      expect(html).not.toContain("<script>alert(1)</script>");
    },
  );
});
