import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../../test/browser";
import { type Actor, createTenant, latestCodeSentTo, uniquePhone } from "../../test/fixtures";
import { countRows, escaped, postJson } from "../../test/helpers";
import { ar } from "../i18n/ar";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

let ipCounter = 0;
const visitor = () => new TestBrowser({}, `198.51.100.${(ipCounter++ % 200) + 20}`);
const signedIn = (actor: Actor) =>
  new TestBrowser({ "__Host-dlx_at": actor.accessToken, "__Host-dlx_rt": actor.refreshToken });

async function newContact(tenant: Tenant, name: string) {
  const phone = uniquePhone();
  const res = await postJson(
    "/api/v1/contacts",
    { name, source: "walk_in", phones: [phone] },
    tenant.owner.auth,
  );
  expect(res.status).toBe(201);
  return { id: ((await res.json()) as { id: string }).id, phone };
}

/** Submits the public form and returns the redirect target's path with the request id masked. */
async function submit(browser: TestBrowser, tenantId: string, fields: Record<string, string>) {
  await browser.get(`/privacy/${tenantId}/request`);
  return browser.post(`/privacy/${tenantId}/request`, fields);
}

describe("public privacy request page", () => {
  it("answers the same whether or not the person is in the CRM; a code goes only to a known number", async () => {
    const tenant = await createTenant();
    const known = await newContact(tenant, "نورة القحطاني");
    const stranger = uniquePhone();
    const page = await visitor().get(`/privacy/${tenant.tenantId}/request`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('lang="ar"');
    expect(html).toContain(escaped(ar.privacyRequests.submit));

    const answers = [];
    for (const phone of [known.phone, stranger]) {
      const browser = visitor();
      const res = await submit(browser, tenant.tenantId, { type: "access", name: "نورة", phone });
      expect(res.status).toBe(303);
      const location = res.headers.get("Location") ?? "";
      expect(location).toMatch(new RegExp(`^/privacy/${tenant.tenantId}/request/dsr_[0-9a-z]{20}/verify$`));
      const verify = await browser.follow(res);
      answers.push([
        res.status,
        verify.status,
        (await verify.text()).replace(/dsr_[0-9a-z]{20}|name="_csrf" value="[^"]+"/g, ""),
      ]);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(await latestCodeSentTo(known.phone)).toMatch(/^\d{6}$/);
    expect(await latestCodeSentTo(stranger)).toBe("");
    const rows = await env.DB.prepare(
      "SELECT requester_phone, contact_id, channel FROM privacy_requests WHERE tenant_id = ? ORDER BY received_at",
    )
      .bind(tenant.tenantId)
      .all();
    expect(rows.results).toEqual([
      { requester_phone: known.phone, contact_id: known.id, channel: "public_page" },
      { requester_phone: stranger, contact_id: null, channel: "public_page" },
    ]);
  });

  it("shows clear errors and writes nothing for bad input, a cross-site post or an unknown tenant", async () => {
    const tenant = await createTenant();
    const before = await countRows("privacy_requests");
    const browser = visitor();
    const invalidForms: Record<string, string>[] = [
      { type: "access", name: "", phone: uniquePhone() },
      { type: "access", name: "Reem" },
      { type: "access", name: "Reem", phone: "12" },
      { type: "gossip", name: "Reem", phone: uniquePhone() },
    ];
    for (const fields of invalidForms) {
      const res = await submit(browser, tenant.tenantId, fields);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(escaped(ar.privacyRequests.invalid));
    }
    const crossSite = await browser.post(
      `/privacy/${tenant.tenantId}/request`,
      { type: "access", name: "Reem", phone: uniquePhone() },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    expect((await visitor().get("/privacy/ten_00000000000000000000/request")).status).toBe(404);
    expect(await countRows("privacy_requests")).toBe(before);
  });

  it("verifies with the code and offers the copy only then; wrong codes answer like unknown requests", async () => {
    const tenant = await createTenant();
    const known = await newContact(tenant, "نورة القحطاني");
    const browser = visitor();
    const res = await submit(browser, tenant.tenantId, { type: "access", name: "نورة", phone: known.phone });
    const verifyPath = res.headers.get("Location") ?? "";
    await browser.follow(res);
    expect((await browser.get(`/privacy/${tenant.tenantId}/copy.json`)).status).toBe(404);
    const wrong = await browser.post(verifyPath, {
      code: "000000" === (await latestCodeSentTo(known.phone)) ? "111111" : "000000",
    });
    expect(wrong.status).toBe(422);
    const unknown = await browser.post(
      `/privacy/${tenant.tenantId}/request/dsr_00000000000000000000/verify`,
      {
        code: "123456",
      },
    );
    expect(unknown.status).toBe(422);

    const ok = await browser.post(verifyPath, { code: await latestCodeSentTo(known.phone) });
    expect(ok.status).toBe(303);
    const verified = await browser.follow(ok);
    expect(await verified.text()).toContain(`/privacy/${tenant.tenantId}/copy.json`);
    const download = await browser.get(`/privacy/${tenant.tenantId}/copy.json`);
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Disposition")).toContain("attachment");
    const copy = (await download.json()) as { person: { name: string; phones: string[] } };
    expect(copy.person).toMatchObject({ name: "نورة القحطاني", phones: [known.phone] });
    const printable = await browser.get(`/privacy/${tenant.tenantId}/copy`);
    expect(await printable.text()).toContain("نورة القحطاني");
    const row = await env.DB.prepare(
      "SELECT state, copy_token_hash FROM privacy_requests WHERE contact_id = ?",
    )
      .bind(known.id)
      .first<{ state: string; copy_token_hash: string }>();
    expect(row?.state).toBe("done");
    expect(row?.copy_token_hash).not.toBe(browser.cookie("dlx_privacy_copy"));
  });
});

describe("staff privacy request pages", () => {
  it("lists requests overdue first, for managers only, and acts on a request", async () => {
    const tenant = await createTenant();
    const empty = await signedIn(tenant.manager).get("/privacy/requests");
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('data-testid="privacy-requests-empty"');
    const open = (name: string) =>
      postJson(
        "/api/v1/privacy-requests",
        { type: "erasure", requesterName: name, phone: uniquePhone() },
        tenant.manager.auth,
      );
    const late = (await (await open("Late Person")).json()) as { id: string };
    await open("Soon Person");
    await env.DB.prepare("UPDATE privacy_requests SET due_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, late.id)
      .run();

    const manager = signedIn(tenant.manager);
    const list = await (await manager.get("/privacy/requests")).text();
    expect(list.indexOf("Late Person")).toBeLessThan(list.indexOf("Soon Person"));
    expect(list).toContain('data-testid="overdue"');
    expect((await signedIn(tenant.agent).get("/privacy/requests")).status).toBe(403);

    await manager.get(`/privacy/requests/${late.id}`);
    const refusedBadly = await manager.post(`/privacy/requests/${late.id}/refuse`, { reason: "no" });
    expect(refusedBadly.status).toBe(422);
    const refused = await manager.post(`/privacy/requests/${late.id}/refuse`, {
      reason: "Manifestly unfounded",
    });
    expect(refused.status).toBe(303);
    const after = await (await manager.follow(refused)).text();
    expect(after).toContain(escaped(ar.privacyRequests.states.refused));
  });

  it("opens a request for someone from the list page, writing nothing for bad input", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant, "ريم الحربي");
    const manager = signedIn(tenant.manager);
    await manager.get("/privacy/requests");
    const before = await countRows("privacy_requests");
    const bad = await manager.post("/privacy/requests", { type: "access", name: "Reem", phone: "12" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain(escaped(ar.privacyRequests.invalid));
    expect(await countRows("privacy_requests")).toBe(before);

    const res = await manager.post("/privacy/requests", {
      type: "correction",
      name: "ريم",
      phone: contact.phone,
      details: "الاسم",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toMatch(/^\/privacy\/requests\/dsr_[0-9a-z]{20}$/);
    const detail = await (await manager.follow(res)).text();
    expect(detail).toContain('data-testid="verify-in-person"');
    expect(await latestCodeSentTo(contact.phone)).toMatch(/^\d{6}$/);
  });

  it("verifies in person from the detail page and downloads the copy only then", async () => {
    const tenant = await createTenant();
    const contact = await newContact(tenant, "ريم الحربي");
    const opened = await postJson(
      "/api/v1/privacy-requests",
      { type: "access", requesterName: "ريم", contactId: contact.id },
      tenant.manager.auth,
    );
    const { id } = (await opened.json()) as { id: string };
    const manager = signedIn(tenant.manager);
    expect((await manager.get(`/privacy/requests/${id}/copy.json`)).status).toBe(409);
    await manager.get(`/privacy/requests/${id}`);
    const verified = await manager.post(`/privacy/requests/${id}/verify`, {
      method: "in_person",
      reason: "National ID seen at the office",
    });
    expect(verified.status).toBe(303);
    const download = await manager.get(`/privacy/requests/${id}/copy.json`);
    expect(download.status).toBe(200);
    expect(((await download.json()) as { person: { name: string } }).person.name).toBe("ريم الحربي");
  });
});
