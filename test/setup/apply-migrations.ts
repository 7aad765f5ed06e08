import { applyD1Migrations, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/**
 * Runs before every test file. Test files share one workerd runtime (vitest `isolate: false`, see
 * vitest.config.ts): starting a runtime per file cost most of the suite's time. So each file
 * starts by emptying what earlier files left, which gives it the same clean storage a fresh
 * runtime would: D1 rows (not the schema), KV keys and Durable Object storage.
 */
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await emptyD1();
await emptyKv(env.FLAGS);
await emptyDurableObjects(env.RATE_LIMITER);
await emptyDurableObjects(env.CIRCUIT_BREAKER);

async function emptyD1() {
  // Every table but SQLite's, Cloudflare's and the migrations record (so the schema is not applied
  // twice); FTS5's shadow tables are emptied through their virtual table.
  const { results } = await env.DB.prepare(
    `SELECT t.name FROM sqlite_master t
      WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite%' AND t.name NOT LIKE '_cf%'
        AND t.name <> 'd1_migrations'
        AND NOT EXISTS (SELECT 1 FROM sqlite_master v
                         WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
                           AND t.name LIKE v.name || '!_%' ESCAPE '!')`,
  ).all<{ name: string }>();
  if (results.length === 0) return;
  // Triggers that refuse deletes (issued tax invoices are immutable) step aside for the emptying
  // and are put back, unchanged, in the same transaction.
  const { results: guards } = await env.DB.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%BEFORE DELETE%RAISE(ABORT%'",
  ).all<{ name: string; sql: string }>();
  // One transaction; foreign keys are checked at its end, when every table is empty.
  await env.DB.batch([
    env.DB.prepare("PRAGMA defer_foreign_keys = ON"),
    ...guards.map(({ name }) => env.DB.prepare(`DROP TRIGGER "${name.replaceAll('"', '""')}"`)),
    ...results.map(({ name }) => env.DB.prepare(`DELETE FROM "${name.replaceAll('"', '""')}"`)),
    ...guards.map(({ sql }) => env.DB.prepare(sql)),
  ]);
}

async function emptyKv(namespace: KVNamespace) {
  let cursor: string | undefined;
  do {
    const page = await namespace.list(cursor ? { cursor } : {});
    await Promise.all(page.keys.map(({ name }) => namespace.delete(name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}

async function emptyDurableObjects<Target extends Rpc.DurableObjectBranded>(
  namespace: DurableObjectNamespace<Target>,
) {
  // In parallel: objects stay listed once they have stored anything, so the list only grows.
  await Promise.all(
    (await listDurableObjectIds(namespace)).map((id) =>
      runInDurableObject(namespace.get(id), async (_instance, state) => {
        await state.storage.deleteAlarm();
        await state.storage.deleteAll();
      }),
    ),
  );
}
