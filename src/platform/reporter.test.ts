import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { describe, expect, it, vi } from "vitest";
import { network } from "../../test/setup/network";
import { createApp } from "../app";
import type { Bindings } from "../env";

const DSN = "https://publickey@o1.ingest.sentry.io/42";
const ENVELOPE_URL = "https://o1.ingest.sentry.io/api/42/envelope/";

async function run(path: string, bindings: Partial<Bindings>, init?: RequestInit) {
  const app = createApp();
  app.get("/api/v1/boom", () => {
    throw new Error("database exploded");
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
