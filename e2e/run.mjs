// `npm run e2e`: starts Dealix exactly as a person would (`scripts/start.mjs`) on a free port with a
// throw-away local state directory, runs the browser tests (e2e/*.e2e.mjs) with Node's test runner,
// then stops the server. Exits with the test runner's code. The server's output goes to
// e2e/artifacts/server.log (printed when the server does not come up).
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const e2eDir = dirname(fileURLToPath(import.meta.url));
const root = join(e2eDir, "..");
const artifactsDir = join(e2eDir, "artifacts");
const serverLogPath = join(artifactsDir, "server.log");
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

async function waitForHealth(baseUrl, server) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited(server)) throw new Error(`the server exited early (${server.signalCode ?? server.exitCode})`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`${baseUrl}/health did not answer 200 within ${READY_TIMEOUT_MS / 1000} s`);
}

/** Stops start.mjs and everything it started (wrangler, workerd): they share its process group. */
async function stopServer(server) {
  if (exited(server)) return;
  const signalGroup = (signal) => {
    try {
      process.kill(-server.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup("SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (!exited(server) && Date.now() < deadline) await sleep(100);
  // Leave nothing behind, even if a grandchild ignored SIGTERM.
  signalGroup("SIGKILL");
}

function runTests(env) {
  const files = readdirSync(e2eDir)
    .filter((name) => name.endsWith(".e2e.mjs"))
    // E2E_ONLY=contacts runs only the files whose name contains it (while working on one area).
    .filter((name) => !process.env.E2E_ONLY || name.includes(process.env.E2E_ONLY))
    .sort()
    .map((name) => join("e2e", name));
  return new Promise((resolvePromise) => {
    const runner = spawn(
      process.execPath,
      ["--test", "--test-reporter=spec", "--test-concurrency=1", ...files],
      { cwd: root, env, stdio: "inherit" },
    );
    runner.on("exit", (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

mkdirSync(artifactsDir, { recursive: true });
const persistDir = mkdtempSync(join(tmpdir(), "dealix-e2e-"));
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  PORT: String(port),
  DEALIX_PERSIST_DIR: persistDir,
  BASE_URL: baseUrl,
};

console.log(`e2e: starting the app on ${baseUrl} (state in ${persistDir}, log in ${serverLogPath})`);
const serverLog = createWriteStream(serverLogPath);
const server = spawn(process.execPath, [join(root, "scripts", "start.mjs")], {
  cwd: root,
  env,
  detached: true,
  stdio: ["ignore", "pipe", "pipe"],
});
server.stdout.pipe(serverLog);
server.stderr.pipe(serverLog);

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (interrupted) return;
    interrupted = true;
    await stopServer(server);
    rmSync(persistDir, { recursive: true, force: true });
    process.exit(130);
  });
}

let exitCode = 1;
try {
  const started = Date.now();
  await waitForHealth(baseUrl, server);
  console.log(`e2e: app ready in ${((Date.now() - started) / 1000).toFixed(1)} s; running browser tests`);
  exitCode = await runTests(env);
} catch (error) {
  console.error(`e2e: ${error.message}`);
  serverLog.end();
  await sleep(200);
  console.error(`--- ${serverLogPath} ---\n${readFileSync(serverLogPath, "utf8")}`);
} finally {
  await stopServer(server);
  rmSync(persistDir, { recursive: true, force: true });
}
console.log(`e2e: ${exitCode === 0 ? "passed" : `failed (exit code ${exitCode})`}`);
process.exit(exitCode);
