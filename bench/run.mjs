// Benchmark harness: `npm run bench`.
//
// Builds the Worker the way a deploy would, runs the built script on workerd through Miniflare
// (no `wrangler dev` proxy, which caps throughput at a few hundred requests/s), runs bare Workers
// on the same path as the ceilings of this machine (no I/O, one D1 query, two D1 queries, each
// with the JSON request line), and drives each scenario with autocannon over loopback, one after
// the other. Each route is reported as a ratio to the baseline with the same unavoidable I/O, with
// the D1 round trips it costs (counted once by a build that wraps the D1 binding). It prints a
// table and writes bench/out/results.json. It asserts nothing about speed; it exits non-zero only
// when the build fails or a scenario answers anything but 2xx (or the client sees errors/timeouts).
//
// Settings (env vars): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2),
// BENCH_CONNECTIONS (default 50), BENCH_ONLY (a regular expression of scenario names).

import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import {
  BENCH_AGENT,
  BENCH_STAGES,
  benchContactId,
  benchDealId,
  CRM_VOLUME,
  seedCrmVolume,
} from "./crm-seed.mjs";

// The routes to measure, against the built Dealix Worker. Later issues add their hot routes here:
// { name, path, baseline, method?, headers?, body? } — every scenario must answer 2xx, so give it
// the credentials/body it needs (a scenario that expects an error status is a test, not a
// benchmark). `baseline` names the bare Worker with the same unavoidable I/O (BASELINES below):
// the route is reported as a ratio to it. `auth` scenarios get `Authorization: Bearer <access
// token>` of a demo owner (signed in once).
const SCENARIOS = [
  { name: "GET /health", path: "/health", baseline: "bare" },
  { name: "GET / (landing page)", path: "/", baseline: "bare" },
  // Anonymous: D1 query + KV read + assets + Durable Object, compared with the D1 query alone.
  { name: "GET /health/deep", path: "/health/deep", baseline: "d1x1" },
  { name: "GET /openapi.json", path: "/openapi.json", baseline: "bare" },
  // Public and static: the catalogue and its ETag are built once per isolate (target ≥ 0.8× bare).
  { name: "GET /api/v1/plans", path: "/api/v1/plans", baseline: "bare" },
  // An authenticated read's unavoidable I/O is one D1 round trip (session check and data batched).
  { name: "GET /api/v1/auth/me", path: "/api/v1/auth/me", auth: true, baseline: "d1x1" },
  { name: "GET /api/v1/members", path: "/api/v1/members", auth: true, baseline: "d1x1" },
  // The CRM at volume (bench/crm-seed.mjs: 50,000 contacts, 20,000 deals, 100,000 activities).
  {
    name: "GET /api/v1/contacts (50 rows, owner + status filter)",
    path: `/api/v1/contacts?ownerId=${BENCH_AGENT}&status=qualified&limit=50`,
    auth: true,
    baseline: "d1x1",
  },
  {
    name: "GET /api/v1/search (a name)",
    path: `/api/v1/search?q=${encodeURIComponent("خالد الشهري")}`,
    auth: true,
    baseline: "d1x1",
  },
  {
    name: "GET /api/v1/search (partial phone)",
    path: "/api/v1/search?q=0550001",
    auth: true,
    baseline: "d1x1",
  },
  // The contact page (HTML) with its timeline, duplicates, team and fields, signed in by cookie.
  {
    name: "GET /contacts/<id> (contact page + timeline)",
    path: `/contacts/${benchContactId(42)}`,
    cookie: true,
    baseline: "d1x1",
  },
  {
    name: "POST /api/v1/deals/<id>/move (stage move)",
    path: `/api/v1/deals/${benchDealId(7)}/move`,
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: { stageId: BENCH_STAGES[1] },
    auth: true,
    // A move reads the deal (with the session check) and then writes: two round trips.
    baseline: "d1x2",
  },
];

// The ceilings: the same Miniflare -> workerd path with no application code, each writing the
// JSON request line every Dealix request writes, without I/O, with one D1 query returning 50
// rows, and with two such queries one after the other (a read that costs two round trips).
const BASELINES = [
  { name: "bare Worker /", path: "/", id: "bare", d1RoundTrips: 0 },
  { name: "bare + 1 D1 query (50 rows)", path: "/d1/one", id: "d1x1", d1RoundTrips: 1 },
  { name: "bare + 2 D1 queries", path: "/d1/two", id: "d1x2", d1RoundTrips: 2 },
  // A write route's floor: one read, then one insert (a D1 write commits, which a read does not).
  { name: "bare + 1 D1 read + 1 D1 insert", path: "/d1/write", id: "d1rw", d1RoundTrips: 2 },
];
const BARE_WORKER_SCRIPT = `
const QUERY = "SELECT id, name, email, role, created_at FROM people ORDER BY created_at DESC LIMIT 50";
export default {
  async fetch(request, env) {
    const started = Date.now();
    const { pathname } = new URL(request.url);
    let response;
    if (pathname === "/d1/one") {
      response = Response.json((await env.DB.prepare(QUERY).all()).results);
    } else if (pathname === "/d1/write") {
      await env.DB.prepare("SELECT id FROM people WHERE id = ?").bind("p1").first();
      await env.DB.prepare("INSERT INTO notes (id, body, created_at) VALUES (?, ?, ?)")
        .bind(crypto.randomUUID(), "a note of about the size of a message", Date.now()).run();
      response = Response.json({ ok: true }, { status: 202 });
    } else if (pathname === "/d1/two") {
      await env.DB.prepare("SELECT id FROM people WHERE id = ?").bind("p1").first();
      response = Response.json((await env.DB.prepare(QUERY).all()).results);
    } else {
      response = new Response("ok");
    }
    console.log(JSON.stringify({ level: "info", msg: "request", time: new Date().toISOString(),
      requestId: crypto.randomUUID(), method: request.method, route: pathname, status: response.status,
      ms: Date.now() - started }));
    return response;
  },
};`;

const DURATION_S = positiveNumberFromEnv("BENCH_DURATION", 10);
const WARMUP_S = positiveNumberFromEnv("BENCH_WARMUP", 2, { allowZero: true });
const CONNECTIONS = positiveNumberFromEnv("BENCH_CONNECTIONS", 50);
// BENCH_CRM_SCALE: the CRM volume as a multiple of CRM_VOLUME, e.g. 0.5 or 2 to see whether an
// export's memory follows the data (it must not).
const CRM_SCALE = positiveNumberFromEnv("BENCH_CRM_SCALE", 1);
// BENCH_ONLY: a regular expression of scenario names to run (the baselines always run), e.g.
// BENCH_ONLY='members|messages' for a quick comparison; "export" matches the CSV export runs.
const ONLY = new RegExp(process.env.BENCH_ONLY ?? "", "i");

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");
const BUILD_DIR = path.join(OUT_DIR, "build");
const BUNDLE_PATH = path.join(BUILD_DIR, "index.js");
const COUNTING_BUILD_DIR = path.join(OUT_DIR, "build-d1-round-trips");
const COUNTING_ENTRY = path.join("bench", "d1-round-trips-entry.ts");
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
  // One owner sends tens of thousands of requests a minute here, far past the default plan's API
  // quota (src/platform/api-limits.ts): the quota is raised, not removed, so every authenticated
  // scenario still pays for its RateLimiter call and answers 2xx.
  API_RATE_LIMITS: "tenant=100000000,key=100000000",
  // Bench-only secrets: the Worker refuses to start without them.
  JWT_SECRET: "bench-only-jwt-secret-0123456789abcdefghijklmnop",
  PASSWORD_PEPPER: "bench-only-password-pepper-0123456789abcdefgh",
  DATA_ENCRYPTION_KEY: "YmVuY2gtb25seS1kYXRhLWtleS0wMTIzNDU2Nzg5YWI",
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

/** Runs `wrangler deploy --dry-run` (no upload) with the given extra arguments. */
function wranglerBuild(args) {
  // Wrangler's own entry file, run by the Node that runs this script (Node 24 from the `node`
  // devDependency), so the build does not depend on which `node` happens to be first on PATH.
  const wrangler = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  // --env "" targets the top-level (dev) environment explicitly and silences wrangler's warning.
  const build = spawnSync(process.execPath, [wrangler, "deploy", ...args, "--dry-run", "--env", ""], {
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
}

/**
 * Bundles src/index.ts exactly as `wrangler deploy` would (the measured Worker), and
 * bench/d1-round-trips-entry.ts, the same Worker counting its D1 round trips (never timed).
 */
function buildWorker() {
  // A stale bundle from an earlier run must never be measured by mistake.
  rmSync(BUILD_DIR, { recursive: true, force: true });
  rmSync(COUNTING_BUILD_DIR, { recursive: true, force: true });
  console.log('Building: wrangler deploy --dry-run --outdir bench/out/build --env ""');
  const started = performance.now();
  wranglerBuild(["--outdir", path.relative(ROOT, BUILD_DIR)]);
  const script = readFileSync(BUNDLE_PATH);
  const bundle = { rawBytes: script.length, gzipBytes: gzipSync(script, { level: 9 }).length };
  console.log(
    `Built ${path.relative(ROOT, BUNDLE_PATH)} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzip`,
  );
  wranglerBuild([COUNTING_ENTRY, "--outdir", path.relative(ROOT, COUNTING_BUILD_DIR)]);
  return bundle;
}

/**
 * CPU time of a workerd process, from /proc (Linux; null elsewhere). Unlike requests/s, the CPU a
 * request costs the server hardly moves when other work competes for the cores, so the CPU ratio
 * is the steadier figure on a shared machine. Miniflare runs D1, KV and Durable Objects in the
 * same workerd process as the Worker, so their work is included.
 */
const CLOCK_TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

// The fields after "pid (comm) ": state, ppid, …; utime and stime are at indexes 11 and 12.
const statFields = (pid) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");

function childProcessIds() {
  if (!existsSync("/proc/self/stat")) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return statFields(pid)[1] === String(process.pid);
      } catch {
        return false; // the process ended while we looked
      }
    });
}

function cpuMs(pid) {
  if (!pid) return null;
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Starts a Miniflare instance and finds the workerd process it spawned (for its CPU time). */
async function startInstance(create) {
  const before = new Set(childProcessIds());
  const mf = create();
  const url = await mf.ready;
  const pid = childProcessIds().find((candidate) => !before.has(candidate)) ?? null;
  return { mf, url, pid };
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

// Mirrors [assets] in wrangler.toml: the Worker runs first and hands files to env.ASSETS.
// has_user_worker is what wrangler sets for a Worker with assets; without it the asset router has
// no Worker to hand requests to and answers every one with a 500. The bare Workers get it too:
// every request then passes the asset router before the Worker, which in Miniflare costs about as
// much CPU as a bare Worker itself, and is part of the path, not of the app's code.
const ASSETS = {
  directory: ASSETS_DIR,
  binding: "ASSETS",
  run_worker_first: true,
  routerConfig: { has_user_worker: true },
};

// Options every instance shares, so the bare Workers measure the same path the app takes.
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
    convertV4MiniflareOptions({
      ...sharedOptions(logCounter),
      script: BARE_WORKER_SCRIPT,
      d1Databases: { DB: "bench-bare" },
      assets: ASSETS,
    }),
  );
}

/** The rows the bare Worker's queries read: 200 people, of which each query returns 50. */
async function seedBareDatabase(mf) {
  const db = await mf.getD1Database("DB");
  await db
    .prepare(
      "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL)",
    )
    .run();
  await db
    .prepare("CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)")
    .run();
  const insert = db.prepare("INSERT INTO people VALUES (?, ?, ?, ?, ?)");
  await db.batch(
    Array.from({ length: 200 }, (_, i) =>
      insert.bind(`p${i}`, `Person ${i}`, `person${i}@example.sa`, ["owner", "manager", "agent"][i % 3], i),
    ),
  );
}

/**
 * A built Worker's modules as wrangler uploads them: the entry point first, then the modules
 * beside it (the Sentry client, the common-password list).
 */
function builtModules(dir, main) {
  const files = readdirSync(dir, { recursive: true }).filter((file) => /\.(js|txt)$/.test(file));
  return [main, ...files.filter((file) => file !== main)].map((file) => ({
    type: file.endsWith(".txt") ? "Text" : "ESModule",
    path: path.join(dir, file),
  }));
}

function startAppWorker(logCounter, { dir = BUILD_DIR, main = "index.js" } = {}) {
  return new Miniflare(
    convertV4MiniflareOptions({
      ...sharedOptions(logCounter),
      modules: builtModules(dir, main),
      modulesRoot: dir,
      d1Databases: { DB: "dealix-bench" },
      kvNamespaces: ["FLAGS"],
      durableObjects: {
        RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
        CIRCUIT_BREAKER: { className: "CircuitBreaker", useSQLite: true },
      },
      // Producers only: the messaging scenarios measure the routes up to the enqueue, not the
      // consumers (which would compete with the load for the same cores).
      queueProducers: { IMPORTS_QUEUE: "imports", OUTBOUND_QUEUE: "outbound", WEBHOOKS_QUEUE: "webhooks" },
      assets: ASSETS,
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

async function measure(baseUrl, scenario, workerdPid) {
  process.stdout.write(`  ${scenario.name.padEnd(30)} `);
  // One request alone first: a route that is simply broken shows its status and body.
  const preflightProblem = await firstFailure(baseUrl, scenario, 1);
  // The warm-up lets V8 optimise the hot path and fills connection pools; its numbers are dropped.
  if (WARMUP_S > 0) await runLoad(baseUrl, scenario, WARMUP_S);
  const cpuBefore = cpuMs(workerdPid);
  const result = await runLoad(baseUrl, scenario, DURATION_S);
  const cpuAfter = cpuMs(workerdPid);
  const row = {
    name: scenario.name,
    method: scenario.method ?? "GET",
    path: scenario.path,
    // A baseline row has an `id`; a route row names the baseline it is compared with.
    ...(scenario.id ? { id: scenario.id } : { baseline: scenario.baseline }),
    d1RoundTrips: scenario.d1RoundTrips ?? null,
    requestsPerSecond: result.requests.average,
    requestsTotal: result.requests.total,
    serverCpuMsPerRequest:
      cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / result.requests.total,
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

const baselineOf = (row, rows) => rows.find((candidate) => candidate.id === (row.id ?? row.baseline));

const ratioToBaseline = (row, rows) => {
  const baseline = baselineOf(row, rows);
  return baseline ? row.requestsPerSecond / baseline.requestsPerSecond : null;
};

// As a ratio of capacity (baseline CPU per request / the route's), comparable with the req/s ratio.
const cpuRatioToBaseline = (row, rows) => {
  const baseline = baselineOf(row, rows);
  return baseline?.serverCpuMsPerRequest && row.serverCpuMsPerRequest
    ? baseline.serverCpuMsPerRequest / row.serverCpuMsPerRequest
    : null;
};

function printTable(rows) {
  const header = [
    "scenario",
    "D1 trips",
    "req/s (avg)",
    "p50 ms",
    "p99 ms",
    "CPU µs/req",
    "non-2xx",
    "errors",
    "vs (req/s)",
    "vs (CPU)",
  ];
  const times = (ratio) => (ratio === null ? "n/a" : `${ratio.toFixed(2)}×`);
  const lines = rows.map((row) => [
    row.name,
    row.d1RoundTrips === null ? "?" : String(row.d1RoundTrips),
    Math.round(row.requestsPerSecond).toString(),
    row.latencyMs.p50.toString(),
    row.latencyMs.p99.toString(),
    row.serverCpuMsPerRequest === null ? "n/a" : Math.round(row.serverCpuMsPerRequest * 1000).toString(),
    row.non2xx.toString(),
    (row.errors + row.timeouts).toString(),
    row.id ? "" : `${times(ratioToBaseline(row, rows))} ${row.baseline}`,
    row.id ? "" : `${times(cpuRatioToBaseline(row, rows))} ${row.baseline}`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  // Scenario names read left-aligned; numbers right-aligned so digits line up.
  const format = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log();
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const line of lines) console.log(format(line));
  console.log(
    `"vs": the route's requests/s, and its capacity by server CPU per request, as a ratio of the ` +
      `named baseline (${BASELINES.map((b) => `${b.id} = ${b.name}`).join("; ")}).`,
  );
  console.log();
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function packageVersion(name) {
  return JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
}

/** Each scenario's D1 round trips: one request to the counting build, which reports them. */
async function countD1RoundTrips(countingUrl, scenarios) {
  const counts = new Map();
  for (const scenario of scenarios) {
    const { method, headers, body } = requestOptions(scenario);
    const response = await fetch(new URL(scenario.path, countingUrl), { method, headers, body });
    await response.arrayBuffer();
    const count = response.headers.get("X-D1-Round-Trips");
    counts.set(scenario.name, response.ok && count !== null ? Number(count) : null);
  }
  return counts;
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

/**
 * The WhatsApp scenarios need a connected number: connects one for the demo tenant and returns the
 * signed inbound webhook (verify + enqueue + 200; Meta sends the same wamid again on a retry, which
 * the consumer stores once) and a template send to a seeded contact (202, queued) with its template
 * registered in `db`.
 */
async function messagingScenarios(appUrl, accessToken, db) {
  const appSecret = "0123456789abcdef0123456789abcdef";
  const connected = await fetch(new URL("/api/v1/whatsapp/account", appUrl), {
    method: "PUT",
    headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      phoneNumberId: "100000000000777",
      displayPhone: "+966 11 000 0777",
      accessToken: "EAA-bench-only-access-token-0000",
      appSecret,
      verifyToken: "bench-only-verify-token",
    }),
  });
  if (!connected.ok) throw new Error(`connecting the bench number answered ${connected.status}`);
  const { id } = await connected.json();
  // The send is checked against the template registry: register the approved template it names,
  // as a sync from Meta would.
  await db
    .prepare(
      `INSERT OR REPLACE INTO whatsapp_templates (id, tenant_id, name, language, category, status, body_text, footer_text, variable_count, buttons, synced_at)
       SELECT 'wtp_bench000000000000000', tenant_id, 'bench_reminder', 'ar', 'UTILITY', 'APPROVED', 'تذكير بموعدك {{1}}', NULL, 1, '[]', ? FROM whatsapp_accounts WHERE id = ?`,
    )
    .bind(Date.now(), id)
    .run();
  const webhook = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "bench",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "966110000777", phone_number_id: "100000000000777" },
              contacts: [{ wa_id: "966550000042", profile: { name: "Bench" } }],
              messages: [
                {
                  from: "966550000042",
                  id: "wamid.bench",
                  timestamp: "1796600000",
                  type: "text",
                  text: { body: "مرحبا" },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  return [
    {
      name: "POST /webhooks/whatsapp (verify + enqueue)",
      path: `/webhooks/whatsapp?account=${id}`,
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": `sha256=${createHmac("sha256", appSecret).update(webhook).digest("hex")}`,
      },
      body: webhook,
      baseline: "bare",
    },
    {
      name: "POST /api/v1/messages (template, queued)",
      path: "/api/v1/messages",
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
      body: {
        contactId: benchContactId(42),
        template: { name: "bench_reminder", language: "ar", variables: ["غداً"] },
      },
      // A read (contact, thread, number, gates with the session check), a write and the enqueue.
      baseline: "d1x1",
    },
  ];
}

/** `auth` scenarios with the demo owner's access token; `cookie` ones with it as the page session. */
/** Resident memory of a process in KiB, from /proc (null elsewhere). */
function rssKiB(pid) {
  if (!pid) return null;
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m);
  return line ? Number(line[1]) : null;
}

/**
 * Downloads an export (a CSV list, or the whole tenant's ZIP) while sampling workerd's resident
 * memory every 20 ms. A streamed export holds one page of rows at a time, so the memory it adds
 * must not grow with the rows exported: the whole 50,000-contact export is compared with a small
 * filtered one. `rows` counts line ends (for the ZIP: of all its files together).
 */
async function measureExport(baseUrl, accessToken, pid, name, pathAndQuery) {
  const before = rssKiB(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak ?? 0, rssKiB(pid) ?? 0);
  }, 20);
  const started = performance.now();
  try {
    const response = await fetch(new URL(pathAndQuery, baseUrl), {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    if (!response.ok) throw new BenchFailure(`${name}: export answered ${response.status}`);
    let bytes = 0;
    let lines = 0;
    let firstByteMs = null;
    for await (const chunk of response.body) {
      firstByteMs ??= performance.now() - started;
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) lines += 1;
    }
    const row = {
      name,
      rows: lines - 1,
      megabytes: bytes / 1e6,
      seconds: (performance.now() - started) / 1000,
      firstByteMs,
      rssGrowthMiB: before === null ? null : (peak - before) / 1024,
    };
    console.log(
      `  ${name.padEnd(40)} ${row.rows} rows, ${row.megabytes.toFixed(1)} MB in ${row.seconds.toFixed(1)} s ` +
        `(first byte ${row.firstByteMs.toFixed(0)} ms), workerd memory +${row.rssGrowthMiB?.toFixed(1) ?? "?"} MiB`,
    );
    return row;
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Erases three seeded people (each with phones, an email, a deal and activities) one after the
 * other in the 50,000-contact tenant and times each request (src/erasure: one read, one batch).
 * Once per person: an erasure cannot be repeated, so it is not a load scenario.
 */
async function measureErasures(baseUrl, accessToken) {
  console.log("Erasure of one person (POST /api/v1/contacts/{id}/erase):");
  const rows = [];
  for (const n of [0, 14, 28]) {
    const started = performance.now();
    const response = await fetch(new URL(`/api/v1/contacts/${benchContactId(n)}/erase`, baseUrl), {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ confirm: "ERASE" }),
    });
    const body = await response.json();
    const ms = performance.now() - started;
    if (!response.ok) throw new BenchFailure(`erasure: answered ${response.status} ${JSON.stringify(body)}`);
    const rowsErased = Object.values(body.erased).reduce((sum, count) => sum + count, 0);
    console.log(
      `  ${benchContactId(n)}: ${ms.toFixed(0)} ms, ${rowsErased} rows (${JSON.stringify(body.erased)})`,
    );
    rows.push({ contactId: benchContactId(n), ms, erased: body.erased });
  }
  return rows;
}

const withCredentials = (scenarios, accessToken) =>
  scenarios.map((scenario) =>
    scenario.auth
      ? { ...scenario, headers: { ...scenario.headers, Authorization: `Bearer ${accessToken}` } }
      : scenario.cookie
        ? { ...scenario, headers: { ...scenario.headers, Cookie: `__Host-dlx_at=${accessToken}` } }
        : scenario,
  );

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
    // The D1 round trips per route first, on their own instance, shut down before any timing.
    const counting = startAppWorker(createLogCounter(), {
      dir: COUNTING_BUILD_DIR,
      main: "d1-round-trips-entry.js",
    });
    instances.push(counting);
    const countingUrl = await counting.ready;
    await applyMigrations(counting);
    const countingToken = await signInDemoOwner(countingUrl);
    // Round trips do not depend on volume: a small slice of the CRM data is enough here.
    await seedCrmVolume(await counting.getD1Database("DB"), 0.02);
    const d1RoundTrips = await countD1RoundTrips(countingUrl, [
      ...withCredentials(SCENARIOS, countingToken),
      ...(await messagingScenarios(countingUrl, countingToken, await counting.getD1Database("DB"))),
    ]);
    await counting.dispose();
    instances.splice(instances.indexOf(counting), 1);

    // One after the other, so each workerd process can be told apart (for its CPU time).
    const bare = await startInstance(() => startBareWorker(bareLogs));
    instances.push(bare.mf);
    const app = await startInstance(() => startAppWorker(appLogs));
    instances.push(app.mf);
    await seedBareDatabase(bare.mf);
    const migrations = await applyMigrations(app.mf);
    console.log(`Applied migrations: ${migrations.join(", ")}`);

    console.log(
      `Load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per scenario, ` +
        `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}`,
    );
    const accessToken = await signInDemoOwner(app.url);
    const seeded = await seedCrmVolume(await app.mf.getD1Database("DB"), CRM_SCALE);
    console.log(
      `Seeded ${CRM_VOLUME.contacts * CRM_SCALE} contacts, ${CRM_VOLUME.deals * CRM_SCALE} deals, ${CRM_VOLUME.activities * CRM_SCALE} activities in ${seeded.seconds.toFixed(1)} s`,
    );
    const rows = [];
    for (const baseline of BASELINES) rows.push(await measure(bare.url, baseline, bare.pid));
    const scenarios = [
      ...withCredentials(SCENARIOS, accessToken),
      ...(await messagingScenarios(app.url, accessToken, await app.mf.getD1Database("DB"))),
    ];
    for (const scenario of scenarios.filter((s) => ONLY.test(s.name))) {
      const withTrips = { ...scenario, d1RoundTrips: d1RoundTrips.get(scenario.name) };
      rows.push(await measure(app.url, withTrips, app.pid));
    }

    printTable(rows);
    console.log("CSV export (streamed; memory sampled every 20 ms):");
    const exportsMeasured = !ONLY.test("export")
      ? []
      : [
          await measureExport(
            app.url,
            accessToken,
            app.pid,
            "export: one agent's qualified leads",
            `/api/v1/exports/contacts.csv?ownerId=${BENCH_AGENT}&status=qualified`,
          ),
          await measureExport(
            app.url,
            accessToken,
            app.pid,
            `export: all ${CRM_VOLUME.contacts} contacts`,
            "/api/v1/exports/contacts.csv",
          ),
        ];
    // The whole tenant as a ZIP (src/tenant-export): every object, a CSV and a JSON file each. Twice:
    // the first download also brings the database's pages into workerd's memory (D1's SQLite runs
    // in the same process), the second shows what the export itself holds.
    if (ONLY.test("tenant export")) {
      for (const run of ["first", "second"]) {
        exportsMeasured.push(
          await measureExport(
            app.url,
            accessToken,
            app.pid,
            `tenant export: whole tenant ZIP (${run})`,
            "/api/v1/tenant/export",
          ),
        );
      }
    }
    const erasures = ONLY.test("erasure") ? await measureErasures(app.url, accessToken) : [];
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
        ratioToBaseline: ratioToBaseline(row, rows),
        cpuRatioToBaseline: cpuRatioToBaseline(row, rows),
      })),
      exports: exportsMeasured,
      erasures,
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
