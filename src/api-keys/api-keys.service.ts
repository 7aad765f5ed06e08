import { type AuditOrigin, auditInsert } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { Config } from "../env";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId, randomToken } from "../platform/ids";
import { ApiError } from "../platform/problem";
import type { TenantScope } from "../platform/tenant-scope";
import type { Scope } from "./api-keys.model";
import {
  type ApiKeyRow,
  findActiveApiKeyByHash,
  findApiKey,
  insertApiKey,
  LAST_USED_RESOLUTION_MS,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
} from "./api-keys.repo";

const KEY_RANDOM_LENGTH = 40; // 200 bits of base-32
const DISPLAY_PREFIX_LENGTH = 13; // "dlx_live_" + 4 characters

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const apiKeyView = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes as Scope[],
  createdBy: row.createdBy,
  createdAt: new Date(row.createdAt).toISOString(),
  lastUsedAt: iso(row.lastUsedAt),
  revokedAt: iso(row.revokedAt),
});

/** Creates a key and returns it once; only its SHA-256 is stored (the key has 200 random bits). */
export async function createApiKey(
  scope: TenantScope,
  config: Config,
  input: { name: string; scopes: Scope[]; createdBy: string },
  origin: AuditOrigin,
  now = Date.now(),
) {
  const key = `${config.ENVIRONMENT === "production" ? "dlx_live_" : "dlx_test_"}${randomToken(KEY_RANDOM_LENGTH)}`;
  const row: ApiKeyRow = {
    id: newId(idPrefixes.apiKey),
    tenantId: scope.tenantId,
    name: input.name,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    keyHash: await sha256Hex(key),
    scopes: [...new Set(input.scopes)],
    createdBy: input.createdBy,
    lastUsedAt: null,
    revokedAt: null,
    createdAt: now,
  };
  await scope.db.batch([
    insertApiKey(scope, row),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: { type: "user", id: input.createdBy },
        action: "api_key.created",
        target: { type: "api_key", id: row.id },
        details: { scopes: row.scopes.join(" ") },
      },
      origin,
      now,
    ),
  ]);
  return { ...apiKeyView(row), key };
}

export async function listKeys(scope: TenantScope) {
  return (await listApiKeys(scope)).map(apiKeyView);
}

export async function revokeKey(
  scope: TenantScope,
  id: string,
  actorUserId: string,
  origin: AuditOrigin,
  now = Date.now(),
) {
  const row = await findApiKey(scope, id);
  if (!row) throw new ApiError("NOT_FOUND", "No such API key.");
  if (row.revokedAt === null) {
    await scope.db.batch([
      revokeApiKey(scope, id, now),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: { type: "user", id: actorUserId },
          action: "api_key.revoked",
          target: { type: "api_key", id },
        },
        origin,
        now,
      ),
    ]);
  }
}

/** Resolves a presented key; records last use in the background so the request does not wait. */
export async function resolveApiKey(
  db: Db,
  key: string,
  now: number,
  ctx: Pick<ExecutionContext, "waitUntil">,
) {
  const row = await findActiveApiKeyByHash(db, await sha256Hex(key));
  if (!row) return null;
  // At most one write a minute per key, decided from the row already read: busy integrations must
  // not cost a D1 write per call.
  if (row.lastUsedAt === null || row.lastUsedAt < now - LAST_USED_RESOLUTION_MS) {
    ctx.waitUntil(touchApiKey(db, row.id, now).then(() => undefined));
  }
  return { id: row.id, tenantId: row.tenantId, scopes: row.scopes as Scope[] };
}
