import { hmacKey } from "../../platform/crypto";

const SIGNATURE_HEADER = /^sha256=([0-9a-f]{64})$/i;

const hexToBytes = (hex: string) => {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
};

/**
 * Meta's `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw request body keyed with the
 * app secret. Checked on the bytes as received, before anything parses them (Meta signs its own
 * serialisation, which re-encoding the JSON would not reproduce). WebCrypto's verify compares in
 * constant time.
 */
export async function isValidSignature(
  rawBody: ArrayBuffer,
  header: string | undefined,
  appSecret: string,
): Promise<boolean> {
  const hex = header?.trim().match(SIGNATURE_HEADER)?.[1];
  if (!hex) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(appSecret), hexToBytes(hex), rawBody);
}

/** The header value Meta would send for `body` (the simulator and tests sign with it). */
export async function signatureHeader(body: string | ArrayBuffer, appSecret: string): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(appSecret), bytes);
  return `sha256=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
