import { describe, expect, it } from "vitest";
import { isId, newId } from "./ids";
import { decodeCursor, encodeCursor, PageQuerySchema, toPage } from "./pagination";
import { ApiError } from "./problem";

describe("ids", () => {
  it("are prefixed, 20 characters of base32 and unique", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId("ear")));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isId("ear", id)).toBe(true);
    expect(isId("req", newId("ear"))).toBe(false);
    expect(isId("ear", "ear_short")).toBe(false);
  });
});

describe("cursor pagination", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ id: `row${i}`, createdAt: 1000 + i }));

  it("returns limit rows and a cursor only when there is more", () => {
    const first = toPage(rows.slice(0, 3), 2, (r) => ({ sort: r.createdAt, id: r.id }));
    expect(first.data.map((r) => r.id)).toEqual(["row0", "row1"]);
    expect(first.nextCursor).not.toBeNull();
    expect(decodeCursor(first.nextCursor ?? "", "number")).toEqual({ sort: 1001, id: "row1" });
    const last = toPage(rows.slice(3), 2, (r) => ({ sort: r.createdAt, id: r.id }));
    expect(last.nextCursor).toBeNull();
  });

  it("round-trips non-ASCII sort keys through URL-safe cursors", () => {
    const cursor = encodeCursor({ sort: "عقارات", id: "con_1" });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, "string")).toEqual({ sort: "عقارات", id: "con_1" });
  });

  it.each(["not-base64!", encodeCursor({ sort: 1, id: "x" }).slice(0, -3), btoa('{"a":1}'), btoa("[1,2]")])(
    "rejects a tampered cursor %s with a validation problem",
    (cursor) => {
      expect(() => decodeCursor(cursor, "number")).toThrow(ApiError);
    },
  );

  it("rejects a cursor whose sort value is not the kind the list uses", () => {
    expect(() => decodeCursor(encodeCursor({ sort: "yesterday", id: "aud_x" }), "number")).toThrow(ApiError);
    expect(() => decodeCursor(encodeCursor({ sort: 1.5, id: "aud_x" }), "number")).toThrow(ApiError);
    expect(() => decodeCursor(encodeCursor({ sort: 7, id: "con_1" }), "string")).toThrow(ApiError);
  });

  it("bounds limit to 1..100 and defaults it to 20", () => {
    expect(PageQuerySchema.parse({}).limit).toBe(20);
    expect(PageQuerySchema.parse({ limit: "100" }).limit).toBe(100);
    expect(PageQuerySchema.safeParse({ limit: "101" }).success).toBe(false);
    expect(PageQuerySchema.safeParse({ limit: "0" }).success).toBe(false);
  });
});
