import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { createTenant } from "../../test/fixtures";
import { expectProblem, postJson } from "../../test/helpers";

type Member = Awaited<ReturnType<typeof createTenant>>["owner"];

const browserOf = (member: Member) =>
  new TestBrowser({ "__Host-dlx_at": member.accessToken, "__Host-dlx_rt": member.refreshToken });

const deleteAfterOf = async (tenantId: string) =>
  (
    await env.DB.prepare("SELECT delete_after FROM tenants WHERE id = ?")
      .bind(tenantId)
      .first<{ delete_after: number | null }>()
  )?.delete_after ?? null;

describe("closing the account from the billing page", () => {
  it("needs the account's name, says why writes are refused while closing, and can be undone", async () => {
    const tenant = await createTenant("Dar Realty");
    const owner = browserOf(tenant.owner);
    await owner.get("/billing");
    expect(owner.lastHtml).toContain('data-testid="closure-form"');

    const wrong = await owner.post("/account/close", { confirmName: "Other Realty" });
    expect(wrong.headers.get("Location")).toBe("/billing?closure=mismatch#account-data");
    expect(await deleteAfterOf(tenant.tenantId)).toBeNull();

    const closed = await owner.post("/account/close", { confirmName: "Dar Realty" });
    expect(closed.headers.get("Location")).toBe("/billing?closure=closing#account-data");
    expect(await deleteAfterOf(tenant.tenantId)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    await owner.get("/billing?closure=closing");
    expect(owner.lastHtml).toContain('data-testid="closure-pending"');
    expect(owner.lastHtml).toContain('data-testid="closing-banner"');
    expect(owner.lastHtml).not.toContain('data-testid="suspended-banner"');

    // Everyone sees why nothing can be changed; the API says it is closing, not unpaid.
    const agent = browserOf(tenant.agent);
    await agent.get("/contacts");
    expect(agent.lastHtml).toContain('data-testid="closing-banner"');
    const refused = await expectProblem(
      await postJson("/api/v1/contacts", { name: "Reem", source: "walk_in" }, tenant.agent.auth),
      402,
      "ACCOUNT_SUSPENDED",
    );
    expect(refused.detail).toContain("closing");

    // Only the owner may close or cancel.
    const byManager = await browserOf(tenant.manager).post("/account/close/cancel", {});
    expect(byManager.status).not.toBe(303);
    expect(await deleteAfterOf(tenant.tenantId)).not.toBeNull();

    const canceled = await owner.post("/account/close/cancel", {});
    expect(canceled.headers.get("Location")).toBe("/billing?closure=canceled#account-data");
    expect(await deleteAfterOf(tenant.tenantId)).toBeNull();
    await agent.get("/contacts");
    expect(agent.lastHtml).not.toContain('data-testid="closing-banner"');
  });
});
