const encoder = new TextEncoder();

const toHex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function sha256Hex(input: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(input)));
}

// Secrets live as long as the isolate, and importing a key costs more than the HMAC it is used
// for, so each secret is imported once (a failed import is forgotten and retried).
const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** The HMAC-SHA256 key for a server secret (sign and verify), imported once per isolate. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    key.catch(() => hmacKeys.delete(secret));
    hmacKeys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 keyed with a server secret: for short secrets (OTP codes) a plain hash could be brute-forced. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

const derivedSecrets = new Map<string, Promise<string>>();

/**
 * A secret for one purpose derived from a master secret (HKDF-SHA256, the purpose as `info`), so
 * one key never serves two uses: a hash keyed with it reveals nothing about the master secret or
 * about hashes keyed for another purpose. Derived once per isolate.
 */
export function deriveSecret(masterSecret: string, purpose: string): Promise<string> {
  const cacheKey = `${purpose}\u0000${masterSecret}`;
  let derived = derivedSecrets.get(cacheKey);
  if (!derived) {
    derived = (async () => {
      const key = await crypto.subtle.importKey("raw", encoder.encode(masterSecret), "HKDF", false, [
        "deriveBits",
      ]);
      const bits = await crypto.subtle.deriveBits(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(purpose) },
        key,
        256,
      );
      return toHex(bits);
    })();
    derivedSecrets.set(cacheKey, derived);
  }
  return derived;
}

/** Compares two strings in time that does not depend on where they differ. */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/**
 * Compares a presented secret with the expected one without leaking either's length or where
 * they differ: both are hashed first, so the comparison is always of 32 bytes.
 */
export async function secretsMatch(presented: string, expected: string): Promise<boolean> {
  const digest = (value: string) => crypto.subtle.digest("SHA-256", encoder.encode(value));
  const [left, right] = await Promise.all([digest(presented), digest(expected)]);
  return crypto.subtle.timingSafeEqual(left, right);
}

/** A uniformly random decimal code of `digits` digits (rejection sampling avoids modulo bias). */
export function randomDigits(digits: number): string {
  const range = 10 ** digits;
  const limit = Math.floor(0x1_0000_0000 / range) * range;
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const value = buffer[0] ?? 0;
    if (value < limit) return String(value % range).padStart(digits, "0");
  }
}
