import { afterEach, describe, expect, it, vi } from "vitest";
import { commonPasswords } from "./common-passwords";
import {
  checkPasswordPolicy,
  hashPassword,
  PBKDF2_ITERATIONS,
  verifyPassword,
  verifyPasswordAgainstNothing,
} from "./password";

const PEPPER = "test-pepper-0123456789abcdefghijklmnopqrstuvwxyz";
const FORMAT = /^pbkdf2-sha256\$(\d+)\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hashPassword / verifyPassword", () => {
  it("stores scheme, iteration count, a 16-byte salt and a 32-byte hash, base64url-encoded", async () => {
    const stored = await hashPassword("correct horse battery staple", PEPPER);
    expect(stored).toMatch(FORMAT);
  });

  it("uses exactly 100,000 iterations, the Workers production cap (local workerd does not enforce it)", async () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    const stored = await hashPassword("correct horse battery staple", PEPPER);
    expect(FORMAT.exec(stored)?.[1]).toBe("100000");
  });

  it("salts every hash differently, so equal passwords do not look equal in D1", async () => {
    const [first, second] = await Promise.all([
      hashPassword("same password twice", PEPPER),
      hashPassword("same password twice", PEPPER),
    ]);
    expect(FORMAT.exec(first)?.[2]).not.toBe(FORMAT.exec(second)?.[2]);
    expect(first).not.toBe(second);
    expect(await verifyPassword("same password twice", first, PEPPER)).toBe(true);
    expect(await verifyPassword("same password twice", second, PEPPER)).toBe(true);
  });

  it("accepts the right password and rejects a wrong one", async () => {
    const stored = await hashPassword("كلمة مرور طويلة وآمنة", PEPPER);
    expect(await verifyPassword("كلمة مرور طويلة وآمنة", stored, PEPPER)).toBe(true);
    expect(await verifyPassword("كلمة مرور طويلة وآمنه", stored, PEPPER)).toBe(false);
    expect(await verifyPassword("", stored, PEPPER)).toBe(false);
  });

  it("depends on the pepper: the same password and stored hash fail under another pepper", async () => {
    const stored = await hashPassword("correct horse battery staple", PEPPER);
    expect(await verifyPassword("correct horse battery staple", stored, `${PEPPER}-rotated`)).toBe(false);
  });

  it("treats canonically equivalent spellings as the same password", async () => {
    const composed = "café-au-lait-2026";
    const decomposed = "cafe\u0301-au-lait-2026";
    expect(composed).not.toBe(decomposed);
    const stored = await hashPassword(composed, PEPPER);
    expect(await verifyPassword(decomposed, stored, PEPPER)).toBe(true);
  });

  it("returns false, without throwing, for malformed stored values", async () => {
    const stored = await hashPassword("correct horse battery staple", PEPPER);
    const [, , salt, hash] = stored.split("$");
    const malformed = [
      "",
      "not-a-hash",
      `bcrypt$100000$${salt}$${hash}`,
      `pbkdf2-sha256$abc$${salt}$${hash}`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$-1$${salt}$${hash}`,
      `pbkdf2-sha256$100000$${salt}`,
      `pbkdf2-sha256$100000$${salt}$${hash}$extra`,
      `pbkdf2-sha256$100000$${salt}$${hash}==`,
      `pbkdf2-sha256$100000$${salt}$${hash?.slice(0, 20)}`,
      `pbkdf2-sha256$100000$${salt?.slice(0, 8)}$${hash}`,
      `pbkdf2-sha256$100000$${salt}$${hash?.replace(/^./, "+")}`,
    ];
    for (const value of malformed) {
      expect(await verifyPassword("correct horse battery staple", value, PEPPER), value).toBe(false);
    }
  });

  it("refuses iteration counts above the production cap instead of attempting them", async () => {
    const stored = await hashPassword("correct horse battery staple", PEPPER);
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    const inflated = stored.replace("$100000$", "$100001$");
    expect(await verifyPassword("correct horse battery staple", inflated, PEPPER)).toBe(false);
    expect(deriveBits).not.toHaveBeenCalled();
  });
});

describe("verifyPasswordAgainstNothing", () => {
  it("fails, after the same PBKDF2 work as a real verification", async () => {
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPasswordAgainstNothing("whatever was typed", PEPPER)).toBe(false);
    expect(deriveBits).toHaveBeenCalledTimes(1);
    expect(deriveBits.mock.calls[0]?.[0]).toMatchObject({
      name: "PBKDF2",
      hash: "SHA-256",
      iterations: PBKDF2_ITERATIONS,
    });
    expect(deriveBits.mock.calls[0]?.[2]).toBe(256);
  });
});

describe("checkPasswordPolicy", () => {
  it("accepts a long, uncommon password", () => {
    expect(checkPasswordPolicy("violet-harbour-tram-42", { email: "sara@example.sa" })).toEqual([]);
  });

  it("rejects fewer than 10 characters and more than 128", () => {
    expect(checkPasswordPolicy("Xk9#mQ2!z", {})).toEqual(["too_short"]);
    expect(checkPasswordPolicy("Xk9#mQ2!zP", {})).toEqual([]);
    expect(checkPasswordPolicy("a".repeat(128), {})).toEqual([]);
    expect(checkPasswordPolicy("a".repeat(129), {})).toEqual(["too_long"]);
  });

  it("counts code points, not UTF-16 units, so emoji cannot fake the length", () => {
    expect("😀😀😀😀😀".length).toBe(10);
    expect(checkPasswordPolicy("😀😀😀😀😀", {})).toEqual(["too_short"]);
  });

  it("accepts a long Arabic passphrase", () => {
    expect(checkPasswordPolicy("البحر الأحمر في جدة جميل", { email: "ahmed@example.sa" })).toEqual([]);
  });

  it("rejects common passwords, whatever their case", () => {
    expect(checkPasswordPolicy("password123", {})).toEqual(["common"]);
    expect(checkPasswordPolicy("qwertyuiop", {})).toEqual(["common"]);
    expect(checkPasswordPolicy("Password1234", {})).toEqual(["common"]);
    expect(checkPasswordPolicy("QWERTYUIOP", {})).toEqual(["common"]);
    expect(checkPasswordPolicy("1111111111", {})).toEqual(["common"]);
  });

  it("ships at least the top 3,000 common passwords that the length rule would let through", () => {
    expect(commonPasswords().size).toBe(5_000);
    expect(commonPasswords().has("matrosova27")).toBe(true); // the last line of the data file
    for (const entry of commonPasswords()) {
      expect(entry).toBe(entry.toLowerCase());
      expect([...entry].length).toBeGreaterThanOrEqual(10);
    }
  });

  it("rejects a password containing the email's local part, case-insensitively", () => {
    expect(checkPasswordPolicy("my-Khalid.Saud-2026!", { email: "khalid.saud@example.sa" })).toEqual([
      "contains_email",
    ]);
  });

  it("ignores an email local part shorter than 4 characters", () => {
    expect(checkPasswordPolicy("violet-abc-harbour", { email: "abc@example.sa" })).toEqual([]);
  });

  it("reports every problem at once", () => {
    expect(checkPasswordPolicy("Password", { email: "password@example.sa" })).toEqual([
      "too_short",
      "contains_email",
    ]);
  });
});
