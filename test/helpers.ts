import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createApp } from "../src/app";
import type { Bindings } from "../src/env";
import worker from "../src/index";
import { PROBLEM_CONTENT_TYPE, type Problem, type ProblemCode } from "../src/platform/problem";
import { expectConformsToContract } from "./contract";
import { countD1RoundTrips } from "./d1-round-trips";

export const ORIGIN = "https://dealix.test";

/**
 * Sends a request through the real Worker entry point, as a client would. Every answer is checked
 * against the operation's declared responses (test/contract.ts): a mismatch fails the test.
 */
export async function call(path: string, init?: RequestInit): Promise<Response> {
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
  await expectConformsToContract(init?.method ?? "GET", path, res);
  return res;
}

/**
 * Like call(), but returns only once the work the request left running after its response
 * (`ctx.waitUntil`: sending codes, recording use) has finished, so a test can read what it wrote.
 */
export async function callSettled(
  path: string,
  init?: RequestInit,
  overrides: Partial<Bindings> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const bindings = (Object.keys(overrides).length > 0 ? { ...env, ...overrides } : env) as Bindings;
  const res = await worker.fetch(new Request(`${ORIGIN}${path}`, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** postJson() through callSettled(). */
export function postJsonSettled(path: string, body: unknown, headers: Record<string, string> = {}) {
  return callSettled(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export function postJson(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Runs a request through a freshly built app with overridden bindings (config and failure tests). */
export async function callWithEnv(overrides: Partial<Bindings>, path: string, init?: RequestInit) {
  const app = createApp();
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${ORIGIN}${path}`, init),
    { ...env, ...overrides } as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  await expectConformsToContract(init?.method ?? "GET", path, res);
  return res;
}

/**
 * Like callWithEnv, with the D1 binding wrapped to count round trips (test/d1-round-trips.ts):
 * for tests that pin how many queries a request costs.
 */
export async function callCountingD1(path: string, init?: RequestInit) {
  const counted = countD1RoundTrips(env.DB);
  const res = await callWithEnv({ DB: counted.db }, path, init);
  return { res, d1RoundTrips: counted.roundTrips() };
}

/** Asserts an RFC 9457 problem response and returns its body. */
export async function expectProblem(res: Response, status: number, code: ProblemCode): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Problem;
  expect(body).toMatchObject({ status, code });
  expect(body.type).toMatch(/^https:\/\/dealix\.sa\/problems\//);
  expect(body.requestId).toBe(res.headers.get("X-Request-Id"));
  expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/); // never a stack trace
  return body;
}

export async function countRows(table: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Bindings that make the app run as production (for "not in production" checks). */
export const PRODUCTION_BINDINGS = {
  ENVIRONMENT: "production",
  APP_ORIGIN: "https://app.dealix.sa",
  SENTRY_DSN: "https://k@o1.ingest.sentry.io/1",
  JWT_SECRET: "x".repeat(40),
  PASSWORD_PEPPER: "y".repeat(40),
  DATA_ENCRYPTION_KEY: "w".repeat(43),
  // Production needs both identity channels configured; no test that runs as production sends.
  PLATFORM_WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
  PLATFORM_WHATSAPP_ACCESS_TOKEN: "test-platform-whatsapp-token",
  RESEND_API_KEY: "re_test_key",
  EMAIL_FROM: "Dealix <no-reply@mail.dealix.sa>",
  // wrangler.toml's development seller VAT number is refused in production.
  ZATCA_SELLER_VAT_NUMBER: "310122393500003",
  MOYASAR_SECRET_KEY: "sk_live_testonlykey0000",
  MOYASAR_WEBHOOK_SECRET: "production-moyasar-webhook-secret-0123",
  // A local .dev.vars (written by `npm start`) holds the dev-only health token, which production
  // refuses: tests that run as production replace it, so they pass after `npm start` too.
  HEALTH_TOKEN: "z".repeat(40),
  // The suite lifts the API quotas (vitest.config.ts), which production refuses: no override here.
  API_RATE_LIMITS: "",
};

/** Text as hono/jsx writes it into the page. */
export const escaped = (text: string) =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

let emailCounter = 0;
export const uniqueEmail = (label = "user") =>
  `${label}-${Date.now().toString(36)}${(emailCounter++).toString(36)}@example.sa`;

export const setCookieFor = (res: Response, name: string) =>
  res.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
