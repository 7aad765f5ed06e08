import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshIp, latestCodeSentTo } from "../../test/fixtures";
import {
  call,
  callWithEnv,
  countRows,
  PRODUCTION_BINDINGS,
  postJson,
  postJsonSettled,
} from "../../test/helpers";
import { idSchema } from "../platform/schemas";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TENANTS } from "./demo-data";

describe("POST /dev/seed", () => {
  // First in the file, before anything is seeded, so "nothing written" is meaningful.
  it("does not exist in production", async () => {
    const users = await countRows("users");
    const res = await callWithEnv(PRODUCTION_BINDINGS, "/dev/seed", { method: "POST" });
    expect(res.status).toBe(404);
    expect(await countRows("users")).toBe(users);
  });

  it("does not exist in an environment outside the allow-list, such as staging", async () => {
    const users = await countRows("users");
    const res = await callWithEnv({ ...PRODUCTION_BINDINGS, ENVIRONMENT: "staging" }, "/dev/seed", {
      method: "POST",
    });
    expect(res.status).toBe(404);
    expect(await countRows("users")).toBe(users);
  });

  it("creates the demo tenants and accounts once, however often it runs", async () => {
    const first = await call("/dev/seed", { method: "POST" });
    expect(first.status).toBe(200);
    const body = (await first.json()) as {
      password: string;
      accounts: { email: string; role: string | null }[];
    };
    expect(body.password).toBe(DEMO_PASSWORD);
    expect(body.accounts.map((a) => a.role)).toEqual([
      "owner",
      "manager",
      "agent",
      "agent",
      "owner",
      "platform admin",
    ]);
    const counts = async () => [
      await countRows("tenants"),
      await countRows("users"),
      await countRows("memberships"),
      await countRows("subscriptions WHERE status = 'trialing'"),
    ];
    expect(await counts()).toEqual([2, 6, 5, 2]);
    expect((await call("/dev/seed", { method: "POST" })).status).toBe(200);
    expect(await counts()).toEqual([2, 6, 5, 2]);
  });

  it("gives demo accounts that can sign in, and keeps tenants apart", async () => {
    await call("/dev/seed", { method: "POST" });
    const res = await postJson(
      "/api/v1/auth/login",
      { email: "agent1@riyadh-realty.test", password: DEMO_PASSWORD },
      freshIp(),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      role: "agent",
      tenant: { name: { en: "Riyadh Realty", ar: "عقارات الرياض" } },
    });
    const admin = await postJson(
      "/api/v1/auth/login",
      { email: "admin@dealix.test", password: DEMO_PASSWORD },
      freshIp(),
    );
    expect(admin.status).toBe(403); // operators have no tenant membership
  });

  it("seeds verified emails and phones, so WhatsApp sign-in works, also on a database seeded before", async () => {
    await call("/dev/seed", { method: "POST" });
    // A local database seeded before verification existed holds them unverified.
    await env.DB.prepare(
      "UPDATE users SET email_verified_at = NULL, phone_verified_at = NULL WHERE email = 'agent2@riyadh-realty.test'",
    ).run();
    await call("/dev/seed", { method: "POST" });
    const row = await env.DB.prepare(
      "SELECT email_verified_at, phone_verified_at FROM users WHERE email = 'agent2@riyadh-realty.test'",
    ).first<{ email_verified_at: number | null; phone_verified_at: number | null }>();
    expect(row?.email_verified_at).toEqual(expect.any(Number));
    expect(row?.phone_verified_at).toEqual(expect.any(Number));

    expect(
      (await postJsonSettled("/api/v1/auth/otp/request", { phone: "+966500000004" }, freshIp())).status,
    ).toBe(202);
    const res = await postJson(
      "/api/v1/auth/otp/verify",
      { phone: "+966500000004", code: await latestCodeSentTo("+966500000004") },
      freshIp(),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ role: "agent", user: { email: "agent2@riyadh-realty.test" } });
  });
});

describe("demo ids", () => {
  // A seed id the API's id schema refuses would make every demo record a 422 in paths and bodies.
  it("are ids the API accepts", () => {
    expect(DEMO_TENANTS).toHaveLength(2);
    expect(DEMO_ACCOUNTS).toHaveLength(6);
    for (const tenant of DEMO_TENANTS)
      expect(idSchema("ten").safeParse(tenant.id).success, tenant.id).toBe(true);
    for (const account of DEMO_ACCOUNTS) {
      expect(idSchema("usr").safeParse(account.id).success, account.id).toBe(true);
    }
  });
});
