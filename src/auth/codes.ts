import type { Config } from "../env";
import { deriveSecret, hmacSha256Hex } from "../platform/crypto";

/**
 * The HMAC of a six-digit code (WhatsApp sign-in, phone verification, an operator's second
 * factor). Six digits are too few for a plain hash, so the hash is keyed, with a key of its own
 * derived from JWT_SECRET: never the password pepper, so these short-lived hashes are no oracle for
 * it, and a leaked pepper does not expose live codes. `purpose` and the row id keep a code valid
 * only for what it was sent for.
 */
export async function codeHash(
  config: Config,
  purpose: "otp" | "verify" | "operator" | "privacy_request",
  rowId: string,
  code: string,
) {
  const key = await deriveSecret(config.JWT_SECRET, "dealix/one-time-code-hmac/v1");
  return hmacSha256Hex(key, `${purpose}:${rowId}:${code}`);
}
