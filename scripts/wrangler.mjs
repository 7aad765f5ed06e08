// Runs the project's wrangler on the Node that runs this script (Node 24 via npm), offline and with
// the same local state for every call. Set DEALIX_PERSIST_DIR to keep local state somewhere other
// than wrangler's default (.wrangler/state).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const require = createRequire(import.meta.url);
const wranglerBin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");

/** Running wrangler processes, so a caller that gets a signal can pass it on. */
export const runningChildren = new Set();

/** `--persist-to <dir>` when DEALIX_PERSIST_DIR is set; wrangler's default otherwise. */
export function persistArgs() {
  const dir = process.env.DEALIX_PERSIST_DIR;
  return dir ? ["--persist-to", resolve(dir)] : [];
}

/** No telemetry, and no fetch of the `Request.cf` sample from workers.cloudflare.com: dev stays offline. */
export function wranglerEnv() {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
}

/** Spawns wrangler on this Node (npm scripts run on Node 24 from the `node` devDependency). */
export function spawnWrangler(args, options = {}) {
  const child = spawn(process.execPath, [wranglerBin, ...args], {
    cwd: root,
    env: wranglerEnv(),
    // No stdin: wrangler then skips its confirmation prompts and interactive hotkeys.
    stdio: ["ignore", "inherit", "inherit"],
    ...options,
  });
  runningChildren.add(child);
  child.on("exit", () => runningChildren.delete(child));
  return child;
}

/** Runs one wrangler command to completion; rejects when it fails. */
export function runWrangler(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawnWrangler(args);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

export function checkNodeVersion() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) {
    console.error(
      `Node ${process.versions.node} is too old for wrangler (needs 22.12+). ` +
        "Run this through npm (`npm start`), which uses Node 24 from node_modules.",
    );
    process.exit(1);
  }
}

export const applyMigrations = () =>
  runWrangler(["d1", "migrations", "apply", "DB", "--local", ...persistArgs()]);
