import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, expectProblem, ORIGIN, postJson } from "../../test/helpers";
import { createApp } from "../app";
import type { Bindings } from "../env";

describe("errors", () => {
  it("answers an unknown /api route with problem+json 404", async () => {
    const problem = await expectProblem(await call("/api/v1/no-such-thing"), 404, "NOT_FOUND");
    expect(problem.title).toBe("Not found");
  });

  it("answers an unknown page with the HTML 404 page", async () => {
    const res = await call("/no-such-page");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-testid="not-found"');
    expect(html).toContain('<html lang="ar" dir="rtl">');
  });

  it("answers a wrong method on a known path with 405 and Allow", async () => {
    const res = await call("/api/v1/early-access", { method: "GET" });
    await expectProblem(res, 405, "METHOD_NOT_ALLOWED");
    expect(res.headers.get("Allow")).toBe("POST");
    const health = await call("/health", { method: "DELETE" });
    await expectProblem(health, 405, "METHOD_NOT_ALLOWED");
    expect(health.headers.get("Allow")).toBe("GET, HEAD");
    // Paths with parameters: every method registered on the pattern, whatever the id.
    const member = await call("/api/v1/members/usr_0123456789abcdefghij", { method: "PUT" });
    await expectProblem(member, 405, "METHOD_NOT_ALLOWED");
    expect(member.headers.get("Allow")?.split(", ").sort()).toEqual(["DELETE", "PATCH"]);
  });

  it("answers HEAD on a GET route and 404 (not 405) where a route itself says not found", async () => {
    const head = await call("/health", { method: "HEAD" });
    expect(head.status).toBe(200);
    const missingAsset = await call("/assets/no-such-file.css");
    expect(missingAsset.status).toBe(404);
    expect(missingAsset.headers.get("Allow")).toBeNull();
  });

  it("turns an unexpected exception into a 500 problem without internals, and reports it", async () => {
    const app = createApp();
    app.get("/api/v1/boom", () => {
      throw new Error("secret internal detail at db.ts:12:3");
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`${ORIGIN}/api/v1/boom`), env as Bindings, ctx);
    await waitOnExecutionContext(ctx);
    const problem = await expectProblem(res, 500, "INTERNAL");
    expect(JSON.stringify(problem)).not.toContain("secret internal detail");
    const logged = errors.mock.calls.map((args) => String(args[0]));
    expect(
      logged.some(
        (line) => line.includes('"msg":"unhandled_error"') && line.includes("secret internal detail"),
      ),
    ).toBe(true);
    errors.mockRestore();
  });

  it("renders an unexpected exception on a page as the HTML error page", async () => {
    const app = createApp();
    app.get("/explode", () => {
      throw new Error("boom");
    });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`${ORIGIN}/explode`), env as Bindings, ctx);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('data-testid="error-page"');
    vi.restoreAllMocks();
  });
});

describe("request id", () => {
  it("generates an X-Request-Id when the caller sends none", async () => {
    const res = await call("/health");
    expect(res.headers.get("X-Request-Id")).toMatch(/^req_[0-9a-z]{20}$/);
  });

  it("keeps a well-formed caller id and replaces one that could inject into logs", async () => {
    const kept = await call("/health", { headers: { "X-Request-Id": "trace-1234abcd" } });
    expect(kept.headers.get("X-Request-Id")).toBe("trace-1234abcd");
    const replaced = await call("/health", { headers: { "X-Request-Id": 'x"},{"level":"evil' } });
    expect(replaced.headers.get("X-Request-Id")).toMatch(/^req_/);
  });

  it("logs one JSON line per request with the route pattern and no personal data", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => lines.push(line));
    await postJson("/api/v1/early-access?phone=0551234567", { phone: "0551234567" });
    spy.mockRestore();
    warn.mockRestore();
    const entry = JSON.parse(lines.find((l) => l.includes('"msg":"request"')) ?? "{}");
    expect(entry).toMatchObject({ method: "POST", route: "/api/v1/early-access", status: 422 });
    expect(entry.requestId).toMatch(/^req_/);
    expect(entry.ms).toBeTypeOf("number");
    expect(lines.join("\n")).not.toContain("0551234567");
  });
});

describe("security headers", () => {
  it.each(["/health", "/", "/no-such-page", "/api/v1/nothing", "/assets/app.css"])(
    "are on %s",
    async (path) => {
      const res = await call(path);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      const hsts = res.headers.get("Strict-Transport-Security") ?? "";
      expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
    },
  );
});

describe("CORS", () => {
  it("allows a configured origin and says nothing to others", async () => {
    const allowed = await call("/api/v1/early-access", {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:8787",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,idempotency-key",
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:8787");
    expect(allowed.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("idempotency-key");

    const denied = await call("/api/v1/early-access", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("static assets", () => {
  it("serves the stylesheet and a 404 page for a missing asset", async () => {
    const css = await call("/assets/app.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toMatch(/text\/css/);
    expect(await css.text()).toContain("--color-primary");
    const missing = await call("/assets/nope.css");
    expect(missing.status).toBe(404);
  });
});
