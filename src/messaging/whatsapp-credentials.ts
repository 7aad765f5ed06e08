import type { Db } from "../db/client";
import type { Config } from "../env";
import { ApiError } from "../platform/problem";
import { decryptSecret, encryptSecret } from "../platform/secret-box";
import { accountById, type WhatsAppAccountRow } from "./whatsapp-accounts.repo";

type SecretField = "access_token" | "app_secret" | "verify_token";

// Each ciphertext is bound to its tenant and field: copied elsewhere, it does not decrypt.
const contextOf = (tenantId: string, field: SecretField) => `whatsapp:${tenantId}:${field}`;

function encryptionKey(config: Config): string {
  if (!config.DATA_ENCRYPTION_KEY) {
    throw new ApiError(
      "CONFIG_INVALID",
      "DATA_ENCRYPTION_KEY is not set: provider credentials cannot be stored.",
    );
  }
  return config.DATA_ENCRYPTION_KEY;
}

export const sealCredential = (config: Config, tenantId: string, field: SecretField, value: string) =>
  encryptSecret(encryptionKey(config), contextOf(tenantId, field), value);

export const openCredential = (config: Config, row: WhatsAppAccountRow, field: SecretField) =>
  decryptSecret(
    encryptionKey(config),
    contextOf(row.tenantId, field),
    field === "access_token"
      ? row.accessTokenEnc
      : field === "app_secret"
        ? row.appSecretEnc
        : row.verifyTokenEnc,
  );

export interface WebhookAccount {
  id: string;
  tenantId: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
}

// Webhooks arrive in bursts for the same few numbers: an isolate keeps each account's decrypted
// secrets for a minute instead of reading D1 and decrypting for every event. A changed secret
// takes effect within that minute; a disconnected number stops being accepted within it too.
const WEBHOOK_ACCOUNT_TTL_MS = 60_000;
const webhookAccounts = new Map<string, { account: Promise<WebhookAccount | null>; until: number }>();

/** The account a webhook URL names, with its secrets, or null when there is no such account. */
export function webhookAccount(db: Db, config: Config, accountId: string, now = Date.now()) {
  const cached = webhookAccounts.get(accountId);
  if (cached && cached.until > now) return cached.account;
  const account = (async () => {
    const [row] = await accountById(db, accountId);
    if (!row) return null;
    const [appSecret, verifyToken] = await Promise.all([
      openCredential(config, row, "app_secret"),
      openCredential(config, row, "verify_token"),
    ]);
    return { id: row.id, tenantId: row.tenantId, phoneNumberId: row.phoneNumberId, appSecret, verifyToken };
  })();
  account.catch(() => webhookAccounts.delete(accountId));
  webhookAccounts.set(accountId, { account, until: now + WEBHOOK_ACCOUNT_TTL_MS });
  if (webhookAccounts.size > 1000) webhookAccounts.delete(webhookAccounts.keys().next().value as string);
  return account;
}

/** Forgets an isolate's copy after the tenant changed or removed its number. */
export const forgetWebhookAccount = (accountId: string) => webhookAccounts.delete(accountId);
