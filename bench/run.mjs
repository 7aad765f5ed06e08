// Benchmark harness: `npm run bench`.
//
// Builds the Worker the way a deploy would, runs the built script on workerd through Miniflare
// (no `wrangler dev` proxy, which caps throughput at a few hundred requests/s), runs a bare
// `new Response("ok")` Worker on the same path as the ceiling of this machine, and drives each
// scenario with autocannon over loopback, one after the other. It prints a table and writes
// bench/out/results.json. It asserts nothing about speed; it exits non-zero only when the build
// fails or a scenario answers anything but 2xx (or the client sees errors/timeouts).
//
// Settings (env vars): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2),
// BENCH_CONNECTIONS (default 50).

import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";

// The routes to measure, against the built Dealix Worker. Later issues add their hot routes here:
// { name, path, method?, headers?, body? } — every scenario must answer 2xx, so give it the
// credentials/body it needs (a scenario that expects an error status is a test, not a benchmark).
// `auth` scenarios get `Authorization: Bearer <access token>` of a demo owner (signed in once).
const SCENARIOS = [
  { name: "GET /health", path: "/health" },
  { name: "GET /health/deep", path: "/health/deep" },
  { name: "GET /openapi.json", path: "/openapi.json" },
  { name: "GET /api/v1/auth/me", path: "/api/v1/auth/me", auth: true },
  { name: "GET /api/v1/members", path: "/api/v1/members", auth: true },
];

// The ceiling: the same Miniflare -> workerd path with no application code at all.
const BARE_SCENARIO = { name: "bare Worker /", path: "/", baseline: true };
const BARE_WORKER_SCRIPT = `export default { fetch() { return new Response("ok"); } };`;

const DURATION_S = positiveNumberFromEnv("BENCH_DURATION", 10);
const WARMUP_S = positiveNumberFromEnv("BENCH_WARMUP", 2, { allowZero: true });
const CONNECTIONS = positiveNumberFromEnv("BENCH_CONNECTIONS", 50);

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");
const BUILD_DIR = path.join(OUT_DIR, "build");
const BUNDLE_PATH = path.join(BUILD_DIR, "index.js");
const RESULTS_PATH = path.join(OUT_DIR, "results.json");
const MIGRATIONS_DIR = path.join(ROOT, "migrations");
const ASSETS_DIR = path.join(ROOT, "pages", "public");

// Read from wrangler.toml so the bench runs the Worker under the same runtime semantics it ships with.
const COMPATIBILITY_DATE =
  readFileSync(path.join(ROOT, "wrangler.toml"), "utf8").match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1] ??
  exitBeforeStart("could not read compatibility_date from wrangler.toml");

// The top-level (dev) vars of wrangler.toml, except CORS_ORIGINS: the load generator sends no
// Origin header, so the allow-list only adds work that no scenario exercises.
const APP_VARS = {
  ENVIRONMENT: "development",
  CORS_ORIGINS: "",
  MAX_JSON_BODY_BYTES: "102400",
  // Bench-only secrets: the Worker refuses to start without them.
  JWT_SECRET: "bench-only-jwt-secret-0123456789abcdefghijklmnop",
  PASSWORD_PEPPER: "bench-only-password-pepper-0123456789abcdefgh",
};

function positiveNumberFromEnv(name, fallback, { allowZero = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    exitBeforeStart(`${name} must be a ${allowZero ? "non-negative" : "positive"} number, got "${raw}"`);
  }
  return value;
}

// Settings are read while the module loads, before anything needs cleaning up, so exiting is fine.
function exitBeforeStart(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** An expected failure (such as a failed build): reported as one line, without a stack. */
class BenchFailure extends Error {}

/** Bundles src/index.ts exactly as `wrangler deploy` would, without uploading anything. */
function buildWorker() {
  // A stale bundle from an earlier run must never be measured by mistake.
  rmSync(BUILD_DIR, { recursive: true, force: true });
  // Wrangler's own entry file, run by the Node that runs this script (Node 24 from the `node`
  // devDependency), so the build does not depend on which `node` happens to be first on PATH.
  // Equivalent to: npx wrangler deploy --dry-run --outdir bench/out/build --env ""
  const wrangler = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  // --env "" targets the top-level (dev) environment explicitly and silences wrangler's warning.
  const args = [wrangler, "deploy", "--dry-run", "--outdir", path.relative(ROOT, BUILD_DIR), "--env", ""];
  console.log('Building: wrangler deploy --dry-run --outdir bench/out/build --env ""');
  const started = performance.now();
  const build = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  if (build.status !== 0) {
    process.stderr.write(build.stdout ?? "");
    process.stderr.write(build.stderr ?? "");
    throw new BenchFailure(
      `wrangler build failed (exit ${build.status ?? build.signal ?? build.error?.message})`,
    );
  }
  const script = readFileSync(BUNDLE_PATH);
  const bundle = { rawBytes: script.length, gzipBytes: gzipSync(script, { level: 9 }).length };
  console.log(
    `Built ${path.relative(ROOT, BUNDLE_PATH)} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzip`,
  );
  return bundle;
}

/** Counts the Worker's console output by level, instead of printing one line per request. */
function createLogCounter() {
  const counts = {};
  const samples = new Map();
  return {
    counts,
    samples,
    handle({ level, message }) {
      counts[level] = (counts[level] ?? 0) + 1;
      // Keep one warning/error line per kind (the app logs JSON lines whose ids and times differ
      // on every request) so a failing route can be diagnosed from the bench output.
      if ((level === "error" || level === "warn") && samples.size < 5) {
        const kind = `${level} ${logKind(message)}`;
        if (!samples.has(kind)) samples.set(kind, `${level}: ${message}`);
      }
    },
  };
}

function logKind(message) {
  try {
    const { msg, route, status, error } = JSON.parse(message);
    return JSON.stringify([msg, route, status, error]);
  } catch {
    return message;
  }
}

// Options both instances share, so the bare Worker measures the same path the app takes.
function sharedOptions(logCounter) {
  return {
    host: "127.0.0.1",
    port: 0, // any free port: two instances run side by side and 8787 may be taken by `npm start`
    log: new Log(LogLevel.WARN),
    handleStructuredLogs: logCounter.handle,
    compatibilityDate: COMPATIBILITY_DATE,
    modules: true,
    // Without this Miniflare tries to download a real `request.cf` object from Cloudflare.
    cf: false,
    // No persistence options: D1 and KV live in a temporary directory Miniflare deletes on
    // dispose(), so every run starts from an empty, freshly migrated database.
  };
}

function startBareWorker(logCounter) {
  return new Miniflare(
    convertV4MiniflareOptions({ ...sharedOptions(logCounter), script: BARE_WORKER_SCRIPT }),
  );
}

/**
 * The built Worker's modules as wrangler uploads them: index.js (the entry point) first, then the
 * modules beside it (the Sentry client, the common-password list).
 */
function builtModules() {
  const files = readdirSync(BUILD_DIR, { recursive: true }).filter((file) => /\.(js|txt)$/.test(file));
  return ["index.js", ...files.filter((file) => file !== "index.js")].map((file) => ({
    type: file.endsWith(".txt") ? "Text" : "ESModule",
    path: path.join(BUILD_DIR, file),
  }));
}

function startAppWorker(logCounter) {
  return new Miniflare(
    convertV4MiniflareOptions({
      ...sharedOptions(logCounter),
      modules: builtModules(),
      modulesRoot: BUILD_DIR,
      d1Databases: { DB: "dealix-bench" },
      kvNamespaces: ["FLAGS"],
      durableObjects: { RATE_LIMITER: { className: "RateLimiter", useSQLite: true } },
      // Mirrors [assets] in wrangler.toml: the Worker runs first and hands files to env.ASSETS.
      // has_user_worker is what wrangler sets for a Worker with assets; without it the asset
      // router has no Worker to hand requests to and answers every one with a 500.
      assets: {
        directory: ASSETS_DIR,
        binding: "ASSETS",
        run_worker_first: true,
        routerConfig: { has_user_worker: true },
      },
      bindings: APP_VARS,
    }),
  );
}

/**
 * Applies migrations/*.sql in file-name order (drizzle-kit's numbering), one statement per
 * `--> statement-breakpoint`, and records each in d1_migrations the way wrangler does, because
 * /health/deep and /ready read the latest migration name from that table.
 */
async function applyMigrations(mf) {
  const db = await mf.getD1Database("DB");
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT)",
    )
    .run();
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith(".sql"))
    .sort();
  for (const file of files) {
    const statements = readFileSync(path.join(MIGRATIONS_DIR, file), "utf8")
      .split("--> statement-breakpoint")
      .map((statement) => statement.trim())
      .filter(Boolean);
    // One batch per file: D1 runs a batch as a transaction, so a bad migration leaves nothing half-applied.
    await db.batch([
      ...statements.map((statement) => db.prepare(statement)),
      db
        .prepare("INSERT INTO d1_migrations (name, applied_at) VALUES (?, ?)")
        .bind(file, new Date().toISOString()),
    ]);
  }
  return files;
}

function requestOptions(scenario) {
  return {
    method: scenario.method ?? "GET",
    headers: scenario.headers ?? {},
    body:
      scenario.body === undefined || typeof scenario.body === "string"
        ? scenario.body
        : JSON.stringify(scenario.body),
  };
}

/** Sends `count` requests at once; returns "status body" of the first non-2xx answer, or null. */
async function firstFailure(baseUrl, scenario, count) {
  const { method, headers, body } = requestOptions(scenario);
  const answers = await Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(new URL(scenario.path, baseUrl), { method, headers, body });
      return { status: response.status, ok: response.ok, text: await response.text() };
    }),
  );
  const failed = answers.find((answer) => !answer.ok);
  return failed ? `${failed.status} ${failed.text.slice(0, 500)}` : null;
}

// The running autocannon instance, so Ctrl-C can stop it.
let currentLoad = null;

function runLoad(baseUrl, scenario, durationS) {
  const { method, headers, body } = requestOptions(scenario);
  return new Promise((resolve, reject) => {
    currentLoad = autocannon(
      {
        url: new URL(scenario.path, baseUrl).href,
        connections: CONNECTIONS,
        duration: durationS,
        method,
        headers,
        body,
      },
      (error, result) => {
        currentLoad = null;
        if (error) reject(error);
        else resolve(result);
      },
    );
  });
}

async function measure(baseUrl, scenario) {
  process.stdout.write(`  ${scenario.name.padEnd(24)} `);
  // One request alone first: a route that is simply broken shows its status and body.
  const preflightProblem = await firstFailure(baseUrl, scenario, 1);
  // The warm-up lets V8 optimise the hot path and fills connection pools; its numbers are dropped.
  if (WARMUP_S > 0) await runLoad(baseUrl, scenario, WARMUP_S);
  const result = await runLoad(baseUrl, scenario, DURATION_S);
  const row = {
    name: scenario.name,
    method: scenario.method ?? "GET",
    path: scenario.path,
    baseline: Boolean(scenario.baseline),
    requestsPerSecond: result.requests.average,
    requestsTotal: result.requests.total,
    latencyMs: {
      average: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    throughputBytesPerSecond: result.throughput.average,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    preflightProblem,
  };
  row.ok = row.non2xx === 0 && row.errors === 0 && row.timeouts === 0 && preflightProblem === null;
  console.log(`${Math.round(row.requestsPerSecond)} req/s${row.ok ? "" : "  <-- FAILED"}`);
  if (preflightProblem) {
    console.log(`    a single request got: ${preflightProblem}`);
  } else if (row.non2xx > 0) {
    // Fine alone but failing under load usually means a race or a limit: show one such answer,
    // provoked with as many concurrent requests as the load used (autocannon keeps no bodies).
    row.concurrentProblem = await firstFailure(baseUrl, scenario, CONNECTIONS);
    console.log(
      `    under load got ${JSON.stringify(row.statusCodes)}; e.g. ${row.concurrentProblem ?? "(not reproduced)"}`,
    );
  }
  return row;
}

function printTable(rows) {
  const baseline = rows.find((row) => row.baseline)?.requestsPerSecond;
  const header = ["scenario", "req/s (avg)", "p50 ms", "p99 ms", "non-2xx", "errors", "vs bare"];
  const lines = rows.map((row) => [
    row.name,
    Math.round(row.requestsPerSecond).toString(),
    row.latencyMs.p50.toString(),
    row.latencyMs.p99.toString(),
    row.non2xx.toString(),
    (row.errors + row.timeouts).toString(),
    baseline ? `${(row.requestsPerSecond / baseline).toFixed(2)}×` : "n/a",
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  // Scenario names read left-aligned; numbers right-aligned so digits line up.
  const format = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log();
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const line of lines) console.log(format(line));
  console.log();
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function packageVersion(name) {
  return JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
}

/** Loads the demo tenants (the dev-only /dev/seed route) and signs in once as the demo owner. */
async function signInDemoOwner(appUrl) {
  const seeded = await fetch(new URL("/dev/seed", appUrl), { method: "POST" });
  if (!seeded.ok) throw new Error(`POST /dev/seed answered ${seeded.status}`);
  const { password } = await seeded.json();
  const login = await fetch(new URL("/api/v1/auth/login", appUrl), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "owner@riyadh-realty.test", password }),
  });
  if (!login.ok) throw new Error(`sign-in for the bench answered ${login.status}: ${await login.text()}`);
  return (await login.json()).accessToken;
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const bundle = buildWorker();

  const bareLogs = createLogCounter();
  const appLogs = createLogCounter();
  const instances = [];
  const disposeAll = () => Promise.allSettled(instances.map((mf) => mf.dispose()));
  // Ctrl-C: stop the client and shut workerd down rather than leaving the processes behind.
  process.once("SIGINT", () => {
    console.log("\nInterrupted; shutting down.");
    currentLoad?.stop();
    disposeAll().finally(() => process.exit(130));
  });

  try {
    const bare = startBareWorker(bareLogs);
    instances.push(bare);
    const app = startAppWorker(appLogs);
    instances.push(app);
    const [bareUrl, appUrl] = await Promise.all([bare.ready, app.ready]);
    const migrations = await applyMigrations(app);
    console.log(`Applied migrations: ${migrations.join(", ")}`);

    console.log(
      `Load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per scenario, ` +
        `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}`,
    );
    const accessToken = await signInDemoOwner(appUrl);
    const rows = [await measure(bareUrl, BARE_SCENARIO)];
    for (const scenario of SCENARIOS) {
      const withAuth = scenario.auth
        ? { ...scenario, headers: { ...scenario.headers, Authorization: `Bearer ${accessToken}` } }
        : scenario;
      rows.push(await measure(appUrl, withAuth));
    }

    printTable(rows);
    const logCounts = { bare: bareLogs.counts, app: appLogs.counts };
    console.log(`Worker console lines by level: app ${JSON.stringify(appLogs.counts)}`);
    for (const sample of appLogs.samples.values()) console.log(`  ${sample.slice(0, 400)}`);

    const ok = rows.every((row) => row.ok);
    const results = {
      finishedAt: new Date().toISOString(),
      ok,
      settings: { durationSeconds: DURATION_S, warmupSeconds: WARMUP_S, connections: CONNECTIONS },
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage1m: loadavg()[0] },
      versions: {
        node: process.versions.node,
        miniflare: packageVersion("miniflare"),
        workerd: packageVersion("workerd"),
        autocannon: packageVersion("autocannon"),
      },
      compatibilityDate: COMPATIBILITY_DATE,
      bundle,
      migrations,
      scenarios: rows.map((row) => ({
        ...row,
        ratioToBare: row.requestsPerSecond / rows[0].requestsPerSecond,
      })),
      workerLogLines: logCounts,
    };
    writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Results written to ${path.relative(ROOT, RESULTS_PATH)}`);

    if (!ok) {
      const failed = rows.filter((row) => !row.ok).map((row) => row.name);
      console.error(`FAILED: non-2xx responses or errors in: ${failed.join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    await disposeAll();
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof BenchFailure ? `bench: ${error.message}` : error);
  process.exitCode = 1;
}
