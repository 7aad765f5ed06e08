import { describe, expect, it } from "vitest";
import { call } from "./helpers";

interface Spec {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

describe("OpenAPI contract", () => {
  it("is OpenAPI 3.1 and matches the committed snapshot (change it deliberately: npm run openapi:snapshot)", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const spec = (await res.json()) as Spec;
    expect(spec.openapi).toBe("3.1.0");
    await expect(`${JSON.stringify(spec, null, 2)}\n`).toMatchFileSnapshot("./__snapshots__/openapi.json");
  });

  it("declares every /api route's error responses as problem+json", async () => {
    const spec = (await (await call("/openapi.json")).json()) as Spec;
    const apiPaths = Object.keys(spec.paths).filter((path) => path.startsWith("/api/"));
    expect(apiPaths.length).toBeGreaterThan(0);
    for (const path of apiPaths) {
      for (const operation of Object.values(spec.paths[path] ?? {})) {
        const errorStatuses = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
        expect(errorStatuses.length, path).toBeGreaterThan(0);
        for (const status of errorStatuses) {
          expect(Object.keys(operation.responses[status]?.content ?? {}), `${path} ${status}`).toEqual([
            "application/problem+json",
          ]);
        }
      }
    }
  });
});
