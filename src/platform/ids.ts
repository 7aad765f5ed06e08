// Prefixed random ids (`ten_…`, `usr_…`): the prefix tells a reader and a log what the id names,
// and 20 base-32 characters carry 100 bits of randomness, enough to be unguessable.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ID_LENGTH = 20;

export const idPrefixes = {
  request: "req",
  earlyAccess: "ear",
  tenant: "ten",
  user: "usr",
  invitation: "inv",
  refreshFamily: "rtf",
  refreshToken: "rtk",
  otp: "otp",
  passwordReset: "pwr",
  apiKey: "key",
  auditEvent: "aud",
  outboxMessage: "msg",
} as const;

export type IdPrefix = (typeof idPrefixes)[keyof typeof idPrefixes];

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

/** An unguessable bearer secret (refresh tokens, invitation and reset links): 256 bits, base64url. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(ID_LENGTH)}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[${ALPHABET}]{${ID_LENGTH}}$`).test(value);
}
