import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createApp } from "../src/app";
import type { Bindings } from "../src/env";
import { PROBLEM_CONTENT_TYPE, type Problem, type ProblemCode } from "../src/platform/problem";

export const ORIGIN = "https://dealix.test";

/** Sends a request through the real Worker entry point, as a client would. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
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
  return res;
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
