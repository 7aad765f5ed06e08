// Prefixed random ids (`ten_…`, `usr_…`): the prefix tells a reader and a log what the id names,
// and 20 base-32 characters carry 100 bits of randomness, enough to be unguessable.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ID_LENGTH = 20;

export const idPrefixes = {
  request: "req",
  earlyAccess: "ear",
} as const;

export type IdPrefix = (typeof idPrefixes)[keyof typeof idPrefixes];

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(ID_LENGTH)}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[${ALPHABET}]{${ID_LENGTH}}$`).test(value);
}
