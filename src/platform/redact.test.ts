import { describe, expect, it } from "vitest";
import { describeError, redactError, redactText } from "./redact";

/** The shape drizzle's DrizzleQueryError has: the SQL, the bound values, the driver's error. */
function failedQuery(params: unknown[], cause: Error) {
  const error = new Error(`Failed query: select * from users where email = ?\nparams: ${params}`, { cause });
  return Object.assign(error, { query: "select * from users where email = ?", params });
}

describe("redaction of error reports", () => {
  it("replaces a failed query's bound values and keeps the SQL, the name, the frames and the cause", () => {
    const original = failedQuery(["sara@example.sa", "+966512345678"], new Error("D1_ERROR: no such table"));
    original.name = "DrizzleQueryError";
    const safe = redactError(original) as Error;
    expect(safe.message).toBe("Failed query: select * from users where email = ?\nparams: [redacted]");
    expect(safe.name).toBe("DrizzleQueryError");
    expect(safe.stack).toContain("params: [redacted]");
    expect(safe.stack).toContain("redact.test.ts");
    expect(safe.stack).not.toContain("sara@example.sa");
    expect((safe.cause as Error).message).toBe("D1_ERROR: no such table");
    // The original is untouched: code up the stack may still read it.
    expect(original.message).toContain("sara@example.sa");
  });

  it("redacts values quoted by D1 type errors and params lines anywhere in a cause chain", () => {
    const cause = new Error("D1_TYPE_ERROR: Type 'object' not supported for value 'sara@example.sa'");
    const wrapped = new Error("outer\nparams: sara@example.sa,+966512345678", { cause });
    const safe = redactError(wrapped) as Error;
    expect(safe.message).toBe("outer\nparams: [redacted]");
    expect((safe.cause as Error).message).toBe(
      "D1_TYPE_ERROR: Type 'object' not supported for value '[redacted]'",
    );
    expect(describeError(wrapped)).toBe("Error: outer\nparams: [redacted]");
  });

  it("keeps the frames when the stack was captured under another message", () => {
    const error = new Error("first");
    error.message = "later\nparams: secret@example.sa";
    const safe = redactError(error) as Error;
    expect(safe.stack?.split("\n")[0]).toBe("Error: later");
    expect(safe.stack).toMatch(/\n\s+at /);
    expect(safe.stack).not.toContain("secret@example.sa");
  });

  it("copies a message with replacement patterns ($&, $') into the stack as it is", () => {
    const error = new Error("price is $& or $' params: secret@example.sa");
    const safe = redactError(error) as Error;
    expect(safe.message).toBe("price is $& or $' params: [redacted]");
    expect(safe.stack?.split("\n")[0]).toBe("Error: price is $& or $' params: [redacted]");
  });

  it("leaves ordinary text alone and handles things that are not errors", () => {
    expect(redactText("D1_ERROR: UNIQUE constraint failed: users.email")).toBe(
      "D1_ERROR: UNIQUE constraint failed: users.email",
    );
    expect(redactError("params: a,b")).toBe("params: [redacted]");
    expect(describeError(42)).toBe("42");
  });
});
