import { base64url } from "jose";
import { ApiError } from "../platform/problem";
import { commonPasswords } from "./common-passwords";

/**
 * Workers in production reject PBKDF2 above 100,000 iterations (local workerd does not), so this is
 * both our work factor and the ceiling. It is below OWASP's 600,000 for PBKDF2-SHA256; the secret
 * pepper is what makes a stolen D1 copy alone useless to an offline cracker.
 */
export const PBKDF2_ITERATIONS = 100_000;

const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MIN_LENGTH = 10;
const MAX_LENGTH = 128;
const MIN_EMAIL_LOCAL_PART = 4;

const encoder = new TextEncoder();

// The same password typed on different keyboards or pasted from different apps can arrive as
// different code point sequences (composed or decomposed marks, Arabic presentation forms); NFKC
// makes them one password, for hashing and for the policy alike.
const normalize = (password: string) => password.normalize("NFKC");

async function derive(password: string, pepper: string, salt: Uint8Array, iterations: number) {
  const pepperKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(pepper),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const peppered = await crypto.subtle.sign("HMAC", pepperKey, encoder.encode(normalize(password)));
  const baseKey = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    baseKey,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/** Hashes a password for storage as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string, pepper: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, pepper, salt, PBKDF2_ITERATIONS);
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function parseStoredHash(stored: string) {
  const [scheme, iterationsText, saltText, hashText, ...rest] = stored.split("$");
  if (scheme !== SCHEME || rest.length > 0 || !iterationsText || !saltText || !hashText) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(iterationsText) || !BASE64URL.test(saltText) || !BASE64URL.test(hashText)) {
    return undefined;
  }
  const iterations = Number(iterationsText);
  // A count production would refuse must not turn into a thrown error on the login path.
  if (iterations > PBKDF2_ITERATIONS) return undefined;
  try {
    const salt = base64url.decode(saltText);
    const hash = base64url.decode(hashText);
    if (salt.byteLength !== SALT_BYTES || hash.byteLength !== HASH_BYTES) return undefined;
    return { iterations, salt, hash };
  } catch {
    return undefined;
  }
}

/** True when `password` matches `stored`; false for a wrong password or a malformed stored value. */
export async function verifyPassword(password: string, stored: string, pepper: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const candidate = await derive(password, pepper, parsed.salt, parsed.iterations);
  return crypto.subtle.timingSafeEqual(candidate, parsed.hash);
}

// Random bytes that no password hashes to: verifying against them costs what a real check costs.
const DUMMY_HASH = `${SCHEME}$${PBKDF2_ITERATIONS}$mX0dbE3u1VWmN2nb8WqTLQ$Yy7kTtMJ5bLkUBcUf3Hk8m1mcq7v5o4lFgh1Fv0NzGA`;

/**
 * Does the work of a real verification and fails. Login calls it when no account matches, so an
 * unknown email and a wrong password take the same time and accounts cannot be enumerated by timing.
 */
export async function verifyPasswordAgainstNothing(password: string, pepper: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH, pepper);
  return false;
}

export type PasswordProblem = "too_short" | "too_long" | "common" | "contains_email";

/**
 * Checks a new password against the policy (ASVS 5.0 6.2): 10 to 128 characters counted as code
 * points, so Arabic passwords are measured fairly; not one of the most common passwords; not
 * built from the user's email. Returns every problem found, none when the password is acceptable.
 */
export function checkPasswordPolicy(
  password: string,
  context: { email?: string; name?: string },
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const normalized = normalize(password);
  const length = [...normalized].length;
  if (length < MIN_LENGTH) problems.push("too_short");
  if (length > MAX_LENGTH) problems.push("too_long");
  const folded = normalized.toLowerCase();
  if (commonPasswords().has(folded)) problems.push("common");
  if (context.email) {
    const at = context.email.lastIndexOf("@");
    const localPart = normalize(at === -1 ? context.email : context.email.slice(0, at)).toLowerCase();
    if ([...localPart].length >= MIN_EMAIL_LOCAL_PART && folded.includes(localPart)) {
      problems.push("contains_email");
    }
  }
  return problems;
}

const PASSWORD_MESSAGES: Record<ReturnType<typeof checkPasswordPolicy>[number], string> = {
  too_short: "Use at least 10 characters.",
  too_long: "Use at most 128 characters.",
  common: "This password is too common; choose another.",
  contains_email: "Do not use your email address in the password.",
};

/** Throws the 422 problem naming each way the password fails the policy. */
export function assertPasswordPolicy(password: string, context: { email?: string; name?: string }) {
  const problems = checkPasswordPolicy(password, context);
  if (problems.length > 0) {
    throw new ApiError("VALIDATION_FAILED", "The password does not meet the policy.", {
      errors: problems.map((code) => ({ path: "password", code, message: PASSWORD_MESSAGES[code] })),
    });
  }
}
