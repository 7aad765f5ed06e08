// `npm run drill:outage`: a WhatsApp provider outage, rehearsed end to end on this machine.
//
// Builds the Worker as `npm run bench` does and runs it on workerd through Miniflare (queues, their
// dead-letter queues, Durable Objects, D1) on a free loopback port, with WhatsApp sends pointed at
// the dev simulator's fake Graph API on that same server. Then, as the runbook's operator would:
//   1. the simulator fails every send (500); a simulated number is connected for the demo tenant
//      and a customer writes to it (a signed webhook), which opens the 24-hour window;
//   2. 1,000 messages are sent with POST /api/v1/messages, one template to each of 1,000 contacts
//      (that customer and 999 made with POST /api/v1/contacts): Meta's pair rate limit, which the
//      consumer paces to (src/messaging/pacing.ts), allows one message every 6 s to one person;
//   3. the whatsapp circuit breaker opens, the messages retry and exhaust into outbound-dlq;
//   4. the provider is restored, the dead letters are retried (the operator's DLQ retry, here the
//      dev stand-in POST /dev/dead-letters/outbound/retry on the same service) until all are sent;
//   5. the simulator posts `delivered` for every send, through the real webhook route.
// It prints sent / delivered / duplicated / lost (target 1000 / 1000 / 0 / 0) and the breaker's
// transitions, and exits non-zero when the target is missed or the drill runs past its limit.
//
// Only loopback traffic. Settings (env vars): DRILL_MESSAGES (default 1000), DRILL_LIMIT_MINUTES (15).

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";

const ROOT = path.resolve(import.meta.dirname, "..");
const BUILD_DIR = path.join(ROOT, "bench", "out", "drill");
const MIGRATIONS_DIR = path.join(ROOT, "migrations");
const MESSAGES = Number(process.env.DRILL_MESSAGES ?? 1000);
const LIMIT_MS = Number(process.env.DRILL_LIMIT_MINUTES ?? 15) * 60_000;
const DEMO_OWNER = "owner@riyadh-realty.test";
const CUSTOMER_PHONE = "+966500000555";
const SEND_CONCURRENCY = 20;

// Faster than production so the drill takes minutes, not the ~40 minutes wrangler.toml's outbound
// settings (max_retries 8, backoff from 5 s) give an outage before a message is dead-lettered.
// The breaker's own policy (5 failures a minute, 30 s cool-down) is the production one.
const DRILL_MAX_RETRIES = 3;
const DRILL_RETRY_BASE_SECONDS = 1;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const say = (line) => console.log(`[${elapsed()}] ${line}`);

class DrillFailure extends Error {}

function remainingMs() {
  const left = LIMIT_MS - (Date.now() - started);
  if (left <= 0) throw new DrillFailure(`the drill ran past its limit of ${LIMIT_MS / 60_000} minutes`);
  return left;
}

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

/** Polls `read` every second until `done` holds, printing `report` every 10 s; bounded by the drill's limit. */
async function waitFor(what, read, done, report) {
  let lastReport = 0;
  for (;;) {
    remainingMs();
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - lastReport >= 10_000) {
      say(`waiting for ${what}: ${report(value)}`);
      lastReport = Date.now();
    }
    await sleep(1000);
  }
}

function build() {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  say('building: wrangler deploy --dry-run --outdir bench/out/drill --env ""');
  const wrangler = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const result = spawnSync(
    process.execPath,
    [wrangler, "deploy", "--dry-run", "--outdir", path.relative(ROOT, BUILD_DIR), "--env", ""],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } },
  );
  if (result.status !== 0) {
    process.stderr.write((result.stdout ?? "") + (result.stderr ?? ""));
    throw new DrillFailure("wrangler build failed");
  }
}

/** A loopback port nobody listens on: the Worker must know its own origin before it starts. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function builtModules() {
  const files = readdirSync(BUILD_DIR, { recursive: true }).filter((file) => /\.(js|txt)$/.test(file));
  return ["index.js", ...files.filter((file) => file !== "index.js")].map((file) => ({
    type: file.endsWith(".txt") ? "Text" : "ESModule",
    path: path.join(BUILD_DIR, file),
  }));
}

function startWorker(port) {
  const origin = `http://127.0.0.1:${port}`;
  const compatibilityDate = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8").match(
    /^compatibility_date\s*=\s*"([^"]+)"/m,
  )?.[1];
  const consumer = (deadLetterQueue) => ({
    maxBatchSize: 20,
    maxBatchTimeout: 1,
    maxRetries: DRILL_MAX_RETRIES,
    ...(deadLetterQueue ? { deadLetterQueue } : {}),
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port,
      // ERROR, not WARN: Miniflare warns once per message it moves to a dead-letter queue (1,000 lines).
      log: new Log(LogLevel.ERROR),
      // The Worker's JSON log lines (a few per message and attempt) would bury the drill's output.
      handleStructuredLogs: () => {},
      compatibilityDate,
      cf: false,
      modules: builtModules(),
      modulesRoot: BUILD_DIR,
      d1Databases: { DB: "dealix-drill" },
      kvNamespaces: ["FLAGS"],
      durableObjects: {
        RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
        CIRCUIT_BREAKER: { className: "CircuitBreaker", useSQLite: true },
      },
      assets: {
        directory: path.join(ROOT, "pages", "public"),
        binding: "ASSETS",
        run_worker_first: true,
        routerConfig: { has_user_worker: true },
      },
      queueProducers: { IMPORTS_QUEUE: "imports", OUTBOUND_QUEUE: "outbound", WEBHOOKS_QUEUE: "webhooks" },
      queueConsumers: {
        outbound: consumer("outbound-dlq"),
        "outbound-dlq": consumer(),
        webhooks: consumer("webhooks-dlq"),
        "webhooks-dlq": consumer(),
        imports: consumer("imports-dlq"),
        "imports-dlq": consumer(),
      },
      bindings: {
        ENVIRONMENT: "development",
        APP_ORIGIN: origin,
        CORS_ORIGINS: "",
        // Sends go to the simulator on this same server: the Worker fetches its own origin.
        WHATSAPP_API_ORIGIN: `${origin}/dev/whatsapp/graph`,
        QUEUE_RETRY_BASE_SECONDS: String(DRILL_RETRY_BASE_SECONDS),
        API_RATE_LIMITS: "tenant=100000,key=100000",
        JWT_SECRET: "drill-only-jwt-secret-0123456789abcdefghijklmnop",
        PASSWORD_PEPPER: "drill-only-password-pepper-0123456789abcdefgh",
        DATA_ENCRYPTION_KEY: "ZHJpbGwtb25seS1kYXRhLWtleS0wMTIzNDU2Nzg5YWI",
      },
    }),
  );
  return { mf, origin };
}

/** migrations/*.sql in order, one batch per file, recorded in d1_migrations as wrangler does. */
async function applyMigrations(db) {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT)",
    )
    .run();
  for (const file of readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const statements = readFileSync(path.join(MIGRATIONS_DIR, file), "utf8")
      .split("--> statement-breakpoint")
      .map((statement) => statement.trim())
      .filter(Boolean);
    await db.batch([
      ...statements.map((statement) => db.prepare(statement)),
      db
        .prepare("INSERT INTO d1_migrations (name, applied_at) VALUES (?, ?)")
        .bind(file, new Date().toISOString()),
    ]);
  }
}

/** The simulator page as a browser uses it: the session and CSRF cookies, the form's token, the Origin. */
function simulatorBrowser(origin, accessToken) {
  let csrf = "";
  let cookies = `__Host-dlx_at=${accessToken}`;
  return {
    async open() {
      const res = await fetch(`${origin}/dev/whatsapp`, { headers: { Cookie: cookies } });
      const html = await res.text();
      if (res.status !== 200) throw new DrillFailure(`GET /dev/whatsapp answered ${res.status}`);
      const csrfCookie = res.headers
        .getSetCookie()
        .map((header) => header.split(";")[0])
        .find((pair) => pair.startsWith("__Host-dlx_csrf="));
      if (csrfCookie) cookies = `${cookies}; ${csrfCookie}`;
      csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? csrf;
    },
    async post(action, fields = {}) {
      const res = await fetch(`${origin}${action}`, {
        method: "POST",
        headers: {
          Cookie: cookies,
          Origin: origin,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
        redirect: "manual",
      });
      await res.body?.cancel();
      const location = res.headers.get("Location") ?? "";
      if (res.status !== 303) throw new DrillFailure(`POST ${action} answered ${res.status}`);
      return new URL(location, origin).searchParams;
    },
  };
}

async function signIn(origin) {
  const seeded = await fetch(`${origin}/dev/seed`, { method: "POST" });
  if (!seeded.ok) throw new DrillFailure(`POST /dev/seed answered ${seeded.status}`);
  const { password } = await seeded.json();
  const login = await fetch(`${origin}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: DEMO_OWNER, password }),
  });
  if (!login.ok) throw new DrillFailure(`sign-in answered ${login.status}: ${await login.text()}`);
  return (await login.json()).accessToken;
}

async function whatsappBreaker(origin) {
  const res = await fetch(`${origin}/dev/circuit-breakers`);
  if (!res.ok) throw new DrillFailure(`GET /dev/circuit-breakers answered ${res.status}`);
  return (await res.json()).find((breaker) => breaker.name === "whatsapp");
}

/** The drill's messages by state, and what the fake Graph API recorded for them. */
async function tally(db, tenantId, since) {
  const { results: states } = await db
    .prepare(
      `SELECT state, COALESCE(state_reason, '') AS reason, COUNT(*) AS n FROM messages
       WHERE tenant_id = ? AND direction = 'outbound' AND created_at >= ? GROUP BY state, reason`,
    )
    .bind(tenantId, since)
    .all();
  const count = (predicate) => states.filter(predicate).reduce((sum, row) => sum + row.n, 0);
  const sends = await db
    .prepare(
      `SELECT COUNT(*) AS calls, COUNT(DISTINCT s.callback_data) AS sent,
              COUNT(*) - COUNT(DISTINCT s.callback_data) AS extra
       FROM dev_whatsapp_sends s JOIN messages m ON m.id = s.callback_data
       WHERE m.tenant_id = ? AND m.created_at >= ?`,
    )
    .bind(tenantId, since)
    .first();
  const duplicated = await db
    .prepare(
      `SELECT COUNT(*) AS n FROM (SELECT s.callback_data FROM dev_whatsapp_sends s
       JOIN messages m ON m.id = s.callback_data WHERE m.tenant_id = ? AND m.created_at >= ?
       GROUP BY s.callback_data HAVING COUNT(*) > 1)`,
    )
    .bind(tenantId, since)
    .first();
  const deadLetters = await db
    .prepare(
      "SELECT COUNT(*) AS total, SUM(CASE WHEN retried_at IS NULL THEN 1 ELSE 0 END) AS waiting FROM dead_letters WHERE queue = 'outbound'",
    )
    .first();
  return {
    total: count(() => true),
    queued: count((row) => row.state === "queued" && row.reason !== "dead_lettered"),
    deadLettered: count((row) => row.state === "queued" && row.reason === "dead_lettered"),
    sending: count((row) => row.state === "sending"),
    sentState: count((row) => row.state === "sent"),
    delivered: count((row) => row.state === "delivered" || row.state === "read"),
    failed: count((row) => row.state === "failed" || row.state === "blocked"),
    sent: sends.sent,
    duplicated: duplicated.n,
    deadLetterRows: deadLetters.total ?? 0,
    deadLettersWaiting: deadLetters.waiting ?? 0,
  };
}

const describeTally = (t) =>
  `queued ${t.queued}, sending ${t.sending}, dead-lettered ${t.deadLettered} (store: ${t.deadLettersWaiting} waiting), ` +
  `sent ${t.sent}, delivered ${t.delivered}, failed ${t.failed}`;

async function drill() {
  build();
  const port = await freePort();
  const { mf, origin } = startWorker(port);
  try {
    await mf.ready;
    const db = await mf.getD1Database("DB");
    await applyMigrations(db);
    say(
      `Dealix runs on ${origin} (workerd through Miniflare); WhatsApp sends go to ${origin}/dev/whatsapp/graph`,
    );
    say(
      `drill settings: outbound max_retries ${DRILL_MAX_RETRIES} (wrangler.toml: 8), QUEUE_RETRY_BASE_SECONDS ${DRILL_RETRY_BASE_SECONDS} (default 5); breaker policy as in production`,
    );

    const accessToken = await signIn(origin);
    const auth = { Authorization: `Bearer ${accessToken}` };
    const { tenantId } = await (await fetch(`${origin}/api/v1/auth/me`, { headers: auth }))
      .json()
      .then((me) => ({
        tenantId: me.tenantId ?? me.tenant?.id ?? me.memberships?.[0]?.tenantId,
      }));
    if (!tenantId) throw new DrillFailure("could not tell the demo owner's tenant from /api/v1/auth/me");
    const browser = simulatorBrowser(origin, accessToken);
    await browser.open();

    const connected = await browser.post("/dev/whatsapp/connect");
    if (connected.get("flash") !== "connected") throw new DrillFailure(`connect: ${connected}`);
    const account = await db
      .prepare("SELECT id FROM whatsapp_accounts WHERE tenant_id = ?")
      .bind(tenantId)
      .first();
    say(`connected the simulated number ${connected.get("a")} for the demo tenant (${tenantId})`);

    const inbound = await browser.post("/dev/whatsapp/inbound", {
      accountId: account.id,
      from: CUSTOMER_PHONE,
      name: "عميل التدريب",
      text: "مرحبا، أبغى أعرف عن العرض",
    });
    if (inbound.get("a") !== "200")
      throw new DrillFailure(`the inbound webhook answered ${inbound.get("a")}`);
    const contact = await waitFor(
      "the inbound message (24-hour window)",
      () =>
        db
          .prepare("SELECT contact_id FROM messages WHERE tenant_id = ? AND direction = 'inbound' LIMIT 1")
          .bind(tenantId)
          .first(),
      (row) => row !== null,
      () => "not stored yet",
    );
    say(`the customer ${CUSTOMER_PHONE} wrote in (signed webhook through /webhooks/whatsapp): window open`);

    const contactIds = [contact.contact_id];
    const createContacts = async () => {
      while (contactIds.length < MESSAGES) {
        const i = contactIds.length;
        contactIds.push(null);
        const res = await fetch(`${origin}/api/v1/contacts`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({
            name: `Drill customer ${i}`,
            source: "walk_in",
            phones: [`+96658${String(i).padStart(7, "0")}`],
          }),
        });
        if (res.status !== 201) throw new DrillFailure(`contact ${i}: ${res.status} ${await res.text()}`);
        contactIds[i] = (await res.json()).id;
      }
    };
    await Promise.all(Array.from({ length: SEND_CONCURRENCY }, createContacts));
    say(`${contactIds.length} contacts to message, one each (Meta paces sends to one person to one per 6 s)`);

    await browser.post("/dev/whatsapp/mode", { mode: "error_500" });
    say("simulator: every send now answers 500 (provider outage)");

    const since = Date.now();
    let next = 0;
    const refusals = [];
    const sendOne = async () => {
      while (next < MESSAGES) {
        const i = next++;
        const res = await fetch(`${origin}/api/v1/messages`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({
            contactId: contactIds[i],
            template: { name: "drill_notice", language: "ar", variables: [String(i + 1)] },
          }),
        });
        if (res.status !== 202) refusals.push(`${res.status} ${await res.text()}`);
        else await res.body?.cancel();
      }
    };
    await Promise.all(Array.from({ length: SEND_CONCURRENCY }, sendOne));
    if (refusals.length > 0)
      throw new DrillFailure(`${refusals.length} sends refused, first: ${refusals[0]}`);
    say(`queued ${MESSAGES} messages with POST /api/v1/messages (202 each)`);

    const outage = await waitFor(
      "every message to exhaust its retries into outbound-dlq",
      () => tally(db, tenantId, since),
      (t) => t.deadLetterRows >= MESSAGES && t.deadLettered >= MESSAGES,
      describeTally,
    );
    const breakerDuringOutage = await whatsappBreaker(origin);
    say(
      `outage: ${outage.deadLetterRows} dead letters stored, ${outage.sent} sent; whatsapp breaker ${breakerDuringOutage.state}`,
    );

    await browser.post("/dev/whatsapp/mode", { mode: "ok" });
    say("simulator: provider restored (sends answer 200)");

    let drained = 0;
    const recovered = await waitFor(
      "every message to be sent after the DLQ retry",
      async () => {
        const params = await browser.post("/dev/dead-letters/outbound/retry");
        drained += Number(params.get("a") ?? 0);
        return tally(db, tenantId, since);
      },
      (t) => t.sent + t.failed >= MESSAGES && t.sending === 0 && t.queued === 0 && t.deadLettered === 0,
      (t) => `${describeTally(t)}; re-enqueued from the DLQ so far ${drained}`,
    );
    say(`recovered: ${recovered.sent} sent after re-enqueueing ${drained} dead letters`);

    let deliveredPosted = 0;
    const final = await waitFor(
      "delivered statuses for every send",
      async () => {
        const params = await browser.post("/dev/whatsapp/deliver-all");
        deliveredPosted += Number(params.get("a") ?? 0);
        return tally(db, tenantId, since);
      },
      (t) => t.delivered >= t.sent,
      (t) => `${t.delivered} delivered of ${t.sent} sent; statuses posted ${deliveredPosted}`,
    );

    const breaker = await whatsappBreaker(origin);
    const lost = MESSAGES - final.sent;
    console.log("");
    console.log("Outage drill result");
    console.log(`  messages   ${MESSAGES}`);
    console.log(`  sent       ${final.sent}   (distinct Dealix message ids the fake Graph API accepted)`);
    console.log(`  delivered  ${final.delivered}   (messages in state delivered after the status webhooks)`);
    console.log(`  duplicated ${final.duplicated}   (Dealix message ids sent more than once)`);
    console.log(
      `  lost       ${lost}   (messages never sent${final.failed ? `; ${final.failed} ended failed` : ""})`,
    );
    console.log(`  dead letters stored ${final.deadLetterRows}, re-enqueued ${drained}`);
    console.log(`  whatsapp breaker now ${breaker.state}; transitions (oldest first):`);
    for (const t of [...breaker.transitions].reverse()) {
      console.log(
        `    ${new Date(t.at).toISOString()}  ${t.from.padEnd(9)} -> ${t.to.padEnd(9)} ${t.reason}`,
      );
    }
    console.log(`  took ${elapsed().trim()}`);
    const target =
      final.sent === MESSAGES && final.delivered === MESSAGES && final.duplicated === 0 && lost === 0;
    console.log(
      target ? "  target met: 1000 / 1000 / 0 / 0".replaceAll("1000", String(MESSAGES)) : "  TARGET MISSED",
    );
    return target;
  } finally {
    await mf.dispose();
  }
}

const limit = setTimeout(() => {
  console.error(`drill: stopped after ${LIMIT_MS / 60_000} minutes`);
  process.exit(1);
}, LIMIT_MS + 60_000);
limit.unref();

drill().then(
  (met) => process.exit(met ? 0 : 1),
  (error) => {
    console.error(`drill: ${error instanceof DrillFailure ? error.message : error.stack}`);
    process.exit(1);
  },
);
