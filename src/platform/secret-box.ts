/**
 * AES-256-GCM for secrets Dealix must be able to read back (a tenant's WhatsApp access token and
 * app secret), keyed by the DATA_ENCRYPTION_KEY secret, which never reaches D1: a database leak
 * alone reveals no credential. Each value names what it belongs to (`context`, e.g.
 * `whatsapp:<tenant id>:access_token`) as additional authenticated data, so a ciphertext copied to
 * another row or tenant does not decrypt. Stored form: `v1.<iv>.<ciphertext+tag>` in base64url; the
 * version leaves room to rotate the key.
 */
const VERSION = "v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));

// Importing a key costs more than one encryption: once per isolate per secret.
const keys = new Map<string, Promise<CryptoKey>>();

function aesKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = fromBase64Url(secret.replace(/=+$/, ""));
    if (raw.byteLength !== 32) throw new Error("DATA_ENCRYPTION_KEY must be 32 bytes in base64");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    key.catch(() => keys.delete(secret));
    keys.set(secret, key);
  }
  return key;
}

export async function encryptSecret(keySecret: string, context: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    await aesKey(keySecret),
    encoder.encode(plaintext),
  );
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The plaintext, or an error when the value was altered, moved to another context or sealed with another key. */
export async function decryptSecret(keySecret: string, context: string, stored: string): Promise<string> {
  const [version, iv, sealed] = stored.split(".");
  if (version !== VERSION || !iv || !sealed) throw new Error("not a sealed secret");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: encoder.encode(context) },
    await aesKey(keySecret),
    fromBase64Url(sealed),
  );
  return new TextDecoder().decode(plain);
}
