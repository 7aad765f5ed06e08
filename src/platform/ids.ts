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
  verification: "ver",
  contact: "con",
  company: "com",
  pipeline: "pip",
  stage: "stg",
  deal: "deal",
  stageChange: "dsh",
  activity: "act",
  customField: "cfd",
  import: "imp",
  whatsappAccount: "wac",
  conversation: "cnv",
  message: "wam",
  broadcast: "brc",
  consent: "cns",
  whatsappTemplate: "wtp",
  deadLetter: "dlt",
  operatorChallenge: "opc",
  operatorSession: "ops",
  operatorAuditEvent: "opa",
  taxInvoice: "tax",
  checkout: "chk",
  payment: "pay",
  billingCredit: "crd",
  privacyRequest: "dsr",
  privacyRequestEvent: "dse",
  breach: "brh",
  breachNotification: "bnt",
  retentionRun: "rtr",
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

/**
 * What an id of this kind looks like when it arrives in a path or body. Lenient on purpose: any
 * 20 lowercase letters or digits, because fixed ids (the dev seed's `ten_riyadhrealty00000001`) use
 * letters the generator never picks. Anything else is a 422 before a query runs.
 */
export const idPattern = (prefix: IdPrefix) => new RegExp(`^${prefix}_[0-9a-z]{${ID_LENGTH}}$`);

export const isId = (prefix: IdPrefix, value: string) => idPattern(prefix).test(value);

/** The shape of a secret from newSecret() as it arrives in a link (invitation, reset). */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;
