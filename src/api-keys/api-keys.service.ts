import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import type { Db } from "../db/client";
import type { TenantContext } from "../platform/context";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId, randomToken } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import type { Scope } from "../platform/roles";
import {
  type ApiKeyRow,
  apiKeyById,
  findActiveApiKeyByHash,
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
export async function createApiKey(ctx: TenantContext, input: { name: string; scopes: Scope[] }) {
  const { scope, actor, now } = ctx;
  if (actor.type !== "user") throw new Error("createApiKey: keys are created by people");
  const prefix = ctx.config.ENVIRONMENT === "production" ? "dlx_live_" : "dlx_test_";
  const key = `${prefix}${randomToken(KEY_RANDOM_LENGTH)}`;
  const row: ApiKeyRow = {
    id: newId(idPrefixes.apiKey),
    tenantId: scope.tenantId,
    name: input.name,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    keyHash: await sha256Hex(key),
    scopes: [...new Set(input.scopes)],
    createdBy: actor.id,
    lastUsedAt: null,
    revokedAt: null,
    createdAt: now,
  };
  await scope.write([
    insertApiKey(scope, row),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor,
        action: "api_key.created",
        target: { type: "api_key", id: row.id },
        details: { scopes: row.scopes.join(" ") },
      },
      ctx.origin,
      now,
    ),
  ]);
  return { ...apiKeyView(row), key };
}

/** A page of the tenant's keys, newest first. */
export async function listKeys(ctx: TenantContext, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeCursor(cursor, "number") : null;
  const [rows] = await ctx.scope.read(() => [listApiKeys(ctx.scope, after, limit)] as const);
  const page = toPage(rows, limit, (row) => ({ sort: row.createdAt, id: row.id }));
  return { data: page.data.map(apiKeyView), nextCursor: page.nextCursor };
}

/** Revokes a key (idempotent): one read with the session check, then the update with its audit row. */
export async function revokeKey(ctx: TenantContext, id: string) {
  const { scope, now } = ctx;
  const [[row]] = await scope.read(() => [apiKeyById(scope, id)] as const);
  if (!row) throw new ApiError("NOT_FOUND", "No such API key.");
  if (row.revokedAt !== null) return;
  await scope.write([
    revokeApiKey(scope, id, now),
    auditInsertIfChanged(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "api_key.revoked",
        target: { type: "api_key", id },
      },
      ctx.origin,
      now,
    ),
  ]);
}

/**
 * Resolves a presented key; records last use in the background so the request does not wait. Read
 * from D1 on every request, not cached: a revocation, a suspension or a plan change (its quotas)
 * applies to the key's very next request.
 */
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
  return {
    id: row.id,
    tenantId: row.tenantId,
    scopes: row.scopes as Scope[],
    subscriptionStatus: row.subscriptionStatus,
    plan: row.plan,
  };
}
