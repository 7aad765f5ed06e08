import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { HttpResponse, http } from "msw";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { network } from "../../test/setup/network";
import { createApp } from "../app";
import { dbFor } from "../db/client";
import type { Bindings } from "../env";

// A new person per test, so each test's first insert succeeds and only the second one fails.
const newPerson = () => ({
  name: "نورة القحطاني",
  email: `noura.${crypto.randomUUID().slice(0, 8)}@example.sa`,
  phone: `+9665${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`,
  hash: `pbkdf2-sha256$100000$${crypto.randomUUID()}`,
});
let person = newPerson();

const DSN = "https://publickey@o1.ingest.sentry.io/42";
const ENVELOPE_URL = "https://o1.ingest.sentry.io/api/42/envelope/";

async function run(path: string, bindings: Partial<Bindings>, init?: RequestInit) {
  const app = createApp();
  app.get("/api/v1/boom", () => {
    throw new Error("database exploded");
  });
  // A real query that fails on personal data: the second insert breaks the UNIQUE verified email
  // and phone (only verified values are unique).
  app.get("/api/v1/duplicate-user", async (c) => {
    const insert = (id: string) =>
      dbFor(c.env.DB).run(sql`
        INSERT INTO users (id, name, email, phone, password_hash, locale, email_verified_at, phone_verified_at,
          created_at, updated_at)
        VALUES (${id}, ${person.name}, ${person.email}, ${person.phone}, ${person.hash}, 'ar', 1, 1, 0, 0)`);
    await insert(`usr_first${crypto.randomUUID().slice(0, 8)}`);
    await insert(`usr_second${crypto.randomUUID().slice(0, 8)}`);
    return c.text("unreachable");
  });
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://dealix.test${path}`, init),
    { ...env, ...bindings } as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

function captureEnvelopes() {
  const envelopes: string[] = [];
  network.use(
    http.post(ENVELOPE_URL, async ({ request }) => {
      envelopes.push(await request.text());
      return HttpResponse.json({ id: "1" });
    }),
  );
  return envelopes;
}

describe("Sentry reporting", () => {
  it("sends a 5xx to Sentry with the release, the request id and scrubbed request data", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const envelopes = captureEnvelopes();
    const res = await run(
      "/api/v1/boom?phone=0551234567",
      { SENTRY_DSN: DSN, APP_VERSION: "abc1234" },
      {
        headers: {
          Cookie: "session=secret-cookie",
          Authorization: "Bearer secret-token",
          "User-Agent": "test-agent",
        },
      },
    );
    expect(res.status).toBe(500);
    expect(envelopes).toHaveLength(1);
    const envelope = envelopes[0] ?? "";
    expect(envelope).toContain("database exploded");
    expect(envelope).toContain('"release":"abc1234"');
    expect(envelope).toContain(res.headers.get("X-Request-Id"));
    expect(envelope).toContain("test-agent");
    for (const secret of ["secret-cookie", "secret-token", "0551234567"])
      expect(envelope).not.toContain(secret);
    vi.restoreAllMocks();
  });

  it("does not report 4xx", async () => {
    const envelopes = captureEnvelopes();
    const res = await run("/api/v1/nothing-here", { SENTRY_DSN: DSN });
    expect(res.status).toBe(404);
    expect(envelopes).toHaveLength(0);
  });

  it("sends nothing and still answers when SENTRY_DSN is unset", async () => {
    const envelopes = captureEnvelopes();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await run("/api/v1/boom", { SENTRY_DSN: "" });
    expect(res.status).toBe(500);
    expect(errors.mock.calls.some((args) => String(args[0]).includes("database exploded"))).toBe(true);
    expect(envelopes).toHaveLength(0);
    vi.restoreAllMocks();
  });
});

describe("personal data in failed queries", () => {
  beforeEach(() => {
    person = newPerson();
  });

  it("keeps the bound values of a failed query out of the log line and the Sentry event", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const envelopes = captureEnvelopes();
    const res = await run("/api/v1/duplicate-user", { SENTRY_DSN: DSN });
    expect(res.status).toBe(500);

    const logged = errors.mock.calls.map((args) => String(args[0])).join("\n");
    errors.mockRestore();
    expect(envelopes).toHaveLength(1);
    const envelope = envelopes[0] ?? "";
    // Still useful: the failed statement, the constraint, where it was thrown.
    for (const report of [logged, envelope]) {
      expect(report).toContain("Failed query:");
      expect(report).toContain("INSERT INTO users");
      expect(report).toContain("params: [redacted]");
      for (const value of Object.values(person)) expect(report).not.toContain(value);
    }
    expect(envelope).toMatch(/UNIQUE constraint failed: users\.(email|phone)/);
    expect(envelope).toContain("reporter.test.ts");
  });

  it("keeps them out of the log line when Sentry is not configured", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await run("/api/v1/duplicate-user", { SENTRY_DSN: "" });
    expect(res.status).toBe(500);
    const logged = errors.mock.calls.map((args) => String(args[0])).join("\n");
    errors.mockRestore();
    expect(logged).toContain('"msg":"unhandled_error"');
    expect(logged).toContain("params: [redacted]");
    for (const value of Object.values(person)) expect(logged).not.toContain(value);
  });
});
