import { describe, expect, it } from "vitest";
import { freshIp } from "../../test/fixtures";
import { call, callWithEnv, countRows, PRODUCTION_BINDINGS, postJson } from "../../test/helpers";
import { DEMO_PASSWORD } from "./demo-data";

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
    ];
    expect(await counts()).toEqual([2, 6, 5]);
    expect((await call("/dev/seed", { method: "POST" })).status).toBe(200);
    expect(await counts()).toEqual([2, 6, 5]);
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
});
