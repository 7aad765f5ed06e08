// `npm start`: everything a fresh clone needs to run Dealix locally, then `wrangler dev`.
//   1. .dev.vars from .dev.vars.example (if missing)
//   2. D1 migrations, applied locally
//   3. wrangler dev on http://127.0.0.1:$PORT (default 8787), WhatsApp sends pointed at the
//      simulator's fake Graph API on that same server (/dev/whatsapp)
//   4. demo tenants and accounts (POST /dev/seed, idempotent), then a banner with how to sign in
// Local state lives in .wrangler/state unless DEALIX_PERSIST_DIR points elsewhere.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import {
  applyMigrations,
  checkNodeVersion,
  persistArgs,
  root,
  runningChildren,
  spawnWrangler,
} from "./wrangler.mjs";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

checkNodeVersion();

const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  console.error(`start: PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}
const baseUrl = `http://${HOST}:${port}`;

let stopping = false;

/** Passes Ctrl+C / SIGTERM on to whatever wrangler process runs, then exits once it has stopped. */
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\nstart: ${signal} received, stopping wrangler…`);
  if (runningChildren.size === 0) process.exit(0);
  for (const child of runningChildren) child.kill(signal);
  setTimeout(() => {
    for (const child of runningChildren) child.kill("SIGKILL");
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

/**
 * `.dev.vars` holds local secrets. A fresh clone gets a copy of `.dev.vars.example`; an older copy
 * gets the settings added since, so pulling a change that needs a new secret does not break start.
 */
function ensureDevVars() {
  const example = join(root, ".dev.vars.example");
  const target = join(root, ".dev.vars");
  if (!existsSync(target)) {
    copyFileSync(example, target);
    console.log("start: created .dev.vars from .dev.vars.example");
    return;
  }
  const namesIn = (text) => new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  const current = readFileSync(target, "utf8");
  const have = namesIn(current);
  const missing = readFileSync(example, "utf8")
    .split("\n")
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line) && !have.has(line.split("=")[0]));
  if (missing.length > 0) {
    appendFileSync(target, `${current.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
    console.log(
      `start: added ${missing.map((line) => line.split("=")[0]).join(", ")} to .dev.vars from the example`,
    );
  }
}

/** Fails fast with a clear message instead of letting wrangler pick another port behind our back. */
function assertPortFree() {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once("error", (error) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${HOST} is in use; stop what uses it or set PORT=<another port>`)
          : error,
      ),
    );
    probe.listen(port, HOST, () => probe.close(() => resolvePromise()));
  });
}

async function waitForHealth(wrangler) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null || wrangler.signalCode !== null) return false;
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
  throw new Error(`${baseUrl}/health did not answer 200 within ${READY_TIMEOUT_MS / 1000} s`);
}

/**
 * Demo tenants and accounts come from the Worker itself (a dev-only route), so passwords are
 * hashed by the same code and pepper that check them at sign-in.
 */
async function seedDemoData() {
  const response = await fetch(`${baseUrl}/dev/seed`, {
    method: "POST",
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`POST /dev/seed answered ${response.status}`);
  return response.json();
}

function printBanner(demo) {
  const persistTo = process.env.DEALIX_PERSIST_DIR
    ? resolve(process.env.DEALIX_PERSIST_DIR)
    : relative(process.cwd(), join(root, ".wrangler", "state")) || ".wrangler/state";
  const line = "─".repeat(78);
  console.log(
    [
      "",
      line,
      "  Dealix is running locally",
      "",
      `  URL            ${baseUrl}`,
      `  Landing page   ${baseUrl}/   (Arabic first; the header button switches to English)`,
      `  API docs       ${baseUrl}/docs   (OpenAPI: ${baseUrl}/openapi.json)`,
      `  Health         ${baseUrl}/health/deep`,
      `  Sign in        ${baseUrl}/login   (or create a company at ${baseUrl}/signup)`,
      `  Demo accounts  password for all: ${demo.password}`,
      ...demo.accounts.map(
        (a) =>
          `                 ${a.email.padEnd(28)} ${a.phone}  ${[a.tenant, a.role].filter(Boolean).join(" · ")}`,
      ),
      `  WhatsApp codes ${baseUrl}/dev/outbox   (dev transport: OTP codes, invitations, reset links)`,
      `  WhatsApp sim   ${baseUrl}/dev/whatsapp   (connect a simulated number, inbound messages, statuses, failures)`,
      `  Local state    ${persistTo}`,
      "",
      "  Press Ctrl+C to stop.",
      line,
      "",
    ].join("\n"),
  );
}

/**
 * WhatsApp sends go to the simulator's fake Graph API on this server (`/dev/whatsapp`), unless
 * `.dev.vars` names another origin (an empty value there means Meta's real Graph API). Passed with
 * `--var` like APP_ORIGIN rather than written into `.dev.vars`, because the tests read `.dev.vars`
 * too, and theirs must keep going to the Graph API their mocks answer for.
 */
function whatsappApiOriginArgs() {
  const devVars = readFileSync(join(root, ".dev.vars"), "utf8");
  if (/^WHATSAPP_API_ORIGIN=/m.test(devVars)) return [];
  return ["--var", `WHATSAPP_API_ORIGIN:${baseUrl}/dev/whatsapp/graph`];
}

async function main() {
  await assertPortFree();
  ensureDevVars();
  console.log("start: applying D1 migrations (local)");
  await applyMigrations();
  if (stopping) return;
  console.log(`start: starting wrangler dev on ${baseUrl}`);
  // Links in invitations and reset emails point at this server, whatever PORT it runs on.
  const wrangler = spawnWrangler([
    "dev",
    "--ip",
    HOST,
    "--port",
    String(port),
    "--var",
    `APP_ORIGIN:${baseUrl}`,
    // GET /__scheduled?cron=… runs a cron job now (the billing run, the sweeps): for local checks
    // and the browser tests.
    "--test-scheduled",
    ...whatsappApiOriginArgs(),
    ...persistArgs(),
  ]);
  wrangler.on("exit", (code, signal) => {
    if (stopping) process.exit(0);
    console.error(`start: wrangler dev stopped unexpectedly (${signal ?? `exit code ${code}`})`);
    process.exit(code || 1);
  });

  if (await waitForHealth(wrangler)) {
    console.log("start: loading demo tenants and accounts");
    const demo = await seedDemoData();
    // Let the request log lines land first, so the banner is the last thing shown.
    await new Promise((wake) => setTimeout(wake, 500));
    if (!stopping) printBanner(demo);
  }
}

main().catch((error) => {
  if (stopping) return;
  console.error(`start: ${error.message}`);
  for (const child of runningChildren) child.kill("SIGTERM");
  process.exit(1);
});
