import { describe, expect, it } from "vitest";
import { idPrefixes, newId, newSecret } from "../src/platform/ids";
import { INFRASTRUCTURE_PROBLEMS, problemCatalog } from "../src/platform/problem";
import {
  contractMismatches,
  contractOperations,
  expectConformsToContract,
  findOperation,
  type Operation,
} from "./contract";
import { createTenant, freshIp } from "./fixtures";
import { call } from "./helpers";

const json = (body: unknown, status: number, contentType = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": contentType } });

const problem = (code: keyof typeof problemCatalog, overrides: Record<string, unknown> = {}) =>
  json(
    {
      type: "https://dealix.sa/problems/x",
      title: problemCatalog[code].title,
      status: problemCatalog[code].status,
      detail: "d",
      code,
      requestId: "req_1",
      ...overrides,
    },
    problemCatalog[code].status,
    "application/problem+json",
  );

const liveness = { status: "ok", release: "r", environment: "test" };

describe("the response contract check", () => {
  it("finds every registered operation by its own method and path", () => {
    const operations = contractOperations();
    expect(operations.length).toBeGreaterThanOrEqual(24);
    for (const operation of operations) {
      const concretePath = operation.path.replace(/\{[^}]+\}/g, "x_1");
      expect(findOperation(operation.method, concretePath)?.name).toBe(operation.name);
    }
  });

  it("accepts a response that matches its declaration", async () => {
    expect((await contractMismatches("GET", "/health", json(liveness, 200))).problems).toEqual([]);
    const declaredProblem = problem("UNAUTHENTICATED");
    expect((await contractMismatches("GET", "/api/v1/auth/me", declaredProblem)).problems).toEqual([]);
    const empty = new Response(null, { status: 204 });
    expect((await contractMismatches("DELETE", "/api/v1/api-keys/key_1", empty)).problems).toEqual([]);
  });

  it("catches a body that does not match the declared schema", async () => {
    const { operation, problems } = await contractMismatches(
      "GET",
      "/health?x=1",
      json({ ...liveness, status: "fine" }, 200),
    );
    expect(operation).toBe("GET /health (getLiveness)");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^body\.status: .*\(invalid_value\)$/);
  });

  it("catches a field the schema does not declare, however deep", async () => {
    const { problems } = await contractMismatches(
      "GET",
      "/api/v1/members",
      json(
        {
          data: [
            {
              userId: "usr_00000000000000000001",
              name: "A",
              email: "a@example.sa",
              phone: null,
              role: "agent",
              joinedAt: "2026-01-01T00:00:00.000Z",
              passwordHash: "leaked",
            },
          ],
          nextCursor: null,
        },
        200,
      ),
    );
    expect(problems).toContain("body.data[0].passwordHash is not in the schema");
  });

  it("catches an undeclared status, naming what is declared", async () => {
    const { operation, problems } = await contractMismatches("GET", "/api/v1/auth/me", problem("CONFLICT"));
    expect(operation).toBe("GET /api/v1/auth/me (getAccount)");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^status 409 is not declared \(declared: 200, 401, 403, 429\)/);
  });

  it("catches a Content-Type the response does not declare", async () => {
    const asJson = problem("NOT_FOUND");
    const wrongType = new Response(await asJson.text(), {
      status: 404,
      headers: { "Content-Type": "application/json" },
    });
    expect((await contractMismatches("DELETE", "/api/v1/api-keys/key_1", wrongType)).problems).toEqual([
      'Content-Type is "application/json", the operation declares application/problem+json',
    ]);
  });

  it("allows the infrastructure problems anywhere, and only as those problems", async () => {
    for (const code of INFRASTRUCTURE_PROBLEMS) {
      expect((await contractMismatches("GET", "/api/v1/auth/me", problem(code))).problems, code).toEqual([]);
    }
    const mislabelled = problem("INTERNAL", { code: "CONFLICT" });
    expect((await contractMismatches("GET", "/api/v1/auth/me", mislabelled)).problems[0]).toMatch(
      /^status 500 is not declared/,
    );
    const wrongStatusInBody = problem("INTERNAL", { status: 502 });
    expect((await contractMismatches("GET", "/api/v1/auth/me", wrongStatusInBody)).problems).toEqual([
      "the problem says status 502",
    ]);
  });

  it("expects a 405 problem with Allow for a method a documented path does not have", async () => {
    const ok = problem("METHOD_NOT_ALLOWED");
    ok.headers.set("Allow", "GET");
    expect((await contractMismatches("POST", "/health", ok)).problems).toEqual([]);
    expect((await contractMismatches("POST", "/health", problem("METHOD_NOT_ALLOWED"))).problems).toEqual([
      "a 405 must say which methods the path has (Allow)",
    ]);
    expect((await contractMismatches("POST", "/health", json(liveness, 200))).problems).toEqual([
      "the answer must be 405",
    ]);
  });

  it("leaves paths the contract does not describe alone", async () => {
    const page = new Response("<html></html>", { status: 200, headers: { "Content-Type": "text/html" } });
    expect((await contractMismatches("GET", "/login", page)).problems).toEqual([]);
  });

  it("throws from the helpers with the operation, status and each mismatch", async () => {
    await expect(expectConformsToContract("GET", "/api/v1/auth/me", problem("CONFLICT"))).rejects.toThrow(
      /^Response breaks the API contract: GET \/api\/v1\/auth\/me \(getAccount\) answered 409\n {2}- status 409/,
    );
  });

  it("runs on every call through the Worker", async () => {
    const wrongMethod = await call("/health", { method: "POST" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("Allow")).toBe("GET, HEAD");

    // Take the 200 out of the liveness contract: the same call must now fail in the helper.
    const operation = findOperation("GET", "/health");
    if (!operation) throw new Error("GET /health is not in the contract");
    const { responses } = operation;
    const { 200: _alive, ...withoutAlive } = responses;
    operation.responses = withoutAlive;
    try {
      await expect(call("/health")).rejects.toThrow(/GET \/health \(getLiveness\) answered 200/);
    } finally {
      operation.responses = responses;
    }
    expect((await call("/health")).status).toBe(200);
  });

  it("is announced in the spec: the description names every infrastructure status and 405", async () => {
    const spec = (await (await call("/openapi.json")).json()) as { info: { description: string } };
    for (const code of [...INFRASTRUCTURE_PROBLEMS, "METHOD_NOT_ALLOWED" as const]) {
      expect(spec.info.description).toContain(String(problemCatalog[code].status));
    }
  });
});

/** A value of the right shape for a path parameter that names nothing stored. */
function unknownButWellShaped(operation: Operation, name: string): string {
  const schema = operation.params && "shape" in operation.params ? operation.params.shape[name] : undefined;
  // Ids, secrets, keys that are names (a template key), and a member of an enum (an operator
  // route's queue or breaker: every member names something, but these calls carry no operator
  // session, so nothing is touched).
  const enumMembers = (schema as { options?: unknown[] } | undefined)?.options ?? [];
  const candidates = [
    ...Object.values(idPrefixes).map((prefix) => newId(prefix)),
    newSecret(),
    "no-such-key",
    ...enumMembers.filter((member): member is string => typeof member === "string"),
  ];
  const value = candidates.find((candidate) => schema?.safeParse(candidate).success);
  if (!value) throw new Error(`${operation.name}: no sample value for {${name}}; add one here`);
  return value;
}

describe("every operation answers bad input within its contract", () => {
  it("for a stranger and for the owner: malformed JSON, wrong bodies, ids of the wrong shape and unknown ids", async () => {
    const { owner } = await createTenant();
    const operations = contractOperations();
    expect(operations.length).toBeGreaterThan(0);
    const statuses = new Set<number>();
    for (const operation of operations) {
      const paths = new Set([
        operation.path.replace(/\{[^}]+\}/g, "not-an-id"),
        operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => unknownButWellShaped(operation, name)),
      ]);
      const bodies = operation.hasJsonBody ? ["{", "{}", "[]"] : [undefined];
      for (const path of paths) {
        for (const credentials of [{}, owner.auth]) {
          for (const body of bodies) {
            // call() throws when the answer is not one the operation declares.
            const res = await call(path, {
              method: operation.method,
              headers: {
                ...freshIp(),
                ...credentials,
                ...(body ? { "Content-Type": "application/json" } : {}),
              },
              ...(body ? { body } : {}),
            });
            expect(res.status, `${operation.name} with ${body}`).toBeLessThan(500);
            statuses.add(res.status);
          }
        }
      }
    }
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 401, 404, 422]));
    // Several requests per operation, and the API keeps growing: more than the default 5 s.
  }, 60_000);

  it("answers a method no operation has with a 405 problem that names the allowed methods", async () => {
    const methodsByPath = new Map<string, Set<string>>();
    for (const operation of contractOperations()) {
      const path = operation.path.replace(/\{[^}]+\}/g, "x");
      methodsByPath.set(path, (methodsByPath.get(path) ?? new Set()).add(operation.method.toUpperCase()));
    }
    expect(methodsByPath.size).toBeGreaterThan(0);
    for (const [path, methods] of methodsByPath) {
      const missing = ["PUT", "DELETE", "PATCH", "POST"].find((method) => !methods.has(method));
      expect((await call(path, { method: missing })).status, `${missing} ${path}`).toBe(405);
    }
  });
});
