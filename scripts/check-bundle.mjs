// `npm run check:bundle`: builds the production Worker as `npm run build` does and checks what the
// tests cannot see, because vitest runs the sources, not the bundle:
//   1. sizes: the main module (index.js) stays within BUNDLE_LIMIT_GZIP; every module is listed;
//   2. contents: no dev tools (demo seed, dev outbox), and wrangler.toml's `[alias]` stand-ins
//      replaced only zod's own imports;
//   3. behaviour, on workerd through Miniflare: zod's validation messages are in English (only
//      its English locale is bundled), the common-password list (a Text module) is loaded, and a
//      5xx reaches Sentry through the separately loaded Sentry client, without the personal data
//      the failed query carried.
// Exits non-zero when any check fails. CI runs it after the build.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";

// Issue 6 set 150 KiB gzip as the target. It is missed: the main module was 187 KiB once
// libphonenumber-js (mobile metadata, ~139 KiB raw / ~36 KiB gzip) and the verification flows came
// in, and 264 KiB with the CRM (contacts, deals, board, activities, search, custom fields, CSV
// import with papaparse), and 285 KiB with companies pages, templates and sample data (their
// Arabic/English catalogues ≈ 31 KiB raw), and 328 KiB with WhatsApp messaging, the inbox, approvals, the
// operator console's pages and the identity delivery clients (issue 8), and 344 KiB with the plans
// API, pricing page, ZATCA tax invoices and their pages (issue 9; qrcode-generator is 7.4 KiB of it), and 371 KiB once subscriptions, Moyasar checkout,
// the billing pages, plan limits, dunning, broadcasts and the WhatsApp template registry joined it,
// and 375 KiB with the operator billing console, and 420 KiB with renewal invoices, the billing
// profile and privacy under the PDPL (issue 10: data-subject requests and their pages, erasure,
// the tenant ZIP export with client-zip, closure, retention, consent expiry, the accountability
// pages and the breach register; the i18n dictionaries alone are 125 KiB raw in the bundle now). This limit guards against growth until the levers in README
// "Performance" are pulled (metadata trimmed or loaded on demand, import and settings code split
// into modules loaded on first use); lower it then.
const BUNDLE_LIMIT_GZIP = 430 * 1024;
const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out", "check-bundle");
const METAFILE = path.join(OUT_DIR, "..", "check-bundle-meta.json");

const failures = [];
const check = (ok, message) => {
  console.log(`${ok ? "  ok  " : "  FAIL"} ${message}`);
  if (!ok) failures.push(message);
};
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function build() {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const wrangler = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = ["deploy", "--dry-run", "--outdir", OUT_DIR, "--env", "production", "--metafile", METAFILE];
  const result = spawnSync(process.execPath, [wrangler, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error("wrangler build failed");
  }
}

function checkSizes() {
  console.log("Modules (production build):");
  for (const file of readdirSync(OUT_DIR, { recursive: true }).sort()) {
    const full = path.join(OUT_DIR, file);
    if (statSync(full).isDirectory() || file.endsWith(".map") || file.endsWith(".md")) continue;
    const content = readFileSync(full);
    console.log(
      `  ${file.padEnd(64)} ${kib(content.length).padStart(10)} raw ${kib(gzipSync(content).length).padStart(10)} gzip`,
    );
  }
  const main = gzipSync(readFileSync(path.join(OUT_DIR, "index.js"))).length;
  check(main <= BUNDLE_LIMIT_GZIP, `index.js is ${kib(main)} gzip (limit ${kib(BUNDLE_LIMIT_GZIP)})`);
}

function checkContents() {
  const meta = JSON.parse(readFileSync(METAFILE, "utf8"));
  // What ended up in index.js: esbuild also lists files it read and then dropped as unused.
  const [, main] = Object.entries(meta.outputs).find(([file]) => file.endsWith("index.js"));
  const inputs = Object.entries(main.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([file]) => file);
  const devTools = inputs.filter((file) => /^(src\/dev\/|pages\/dev\/)/.test(file));
  check(
    devTools.length === 0,
    `no dev tools in the bundle${devTools.length ? `: ${devTools.join(", ")}` : ""}`,
  );
  const locales = inputs.filter((file) => /node_modules\/zod\/v4\/locales\/(?!en\.js)/.test(file));
  check(locales.length === 0, `zod's locales other than English are not bundled (${locales.length} found)`);

  const aliases = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")
    .split("[alias]")[1]
    .split(/\n\[/)[0]
    .matchAll(/^"([^"]+)"\s*=/gm);
  for (const [, specifier] of aliases) {
    const importers = Object.entries(meta.inputs)
      .filter(([, input]) => input.imports.some((entry) => entry.original === specifier))
      .map(([file]) => file);
    check(
      importers.length > 0 && importers.every((file) => file.includes("node_modules/zod/")),
      `alias "${specifier}" replaces only zod's imports (${importers.join(", ") || "none"})`,
    );
  }
}

/** The built Worker's modules as wrangler uploads them: index.js first (the entry point). */
function workerModules(dir) {
  const files = readdirSync(dir, { recursive: true }).filter((file) => /\.(js|txt)$/.test(file));
  return ["index.js", ...files.filter((file) => file !== "index.js")].map((file) => ({
    type: file.endsWith(".txt") ? "Text" : "ESModule",
    path: path.join(dir, file),
  }));
}

/** A stand-in Sentry ingest endpoint on loopback that keeps the envelopes it receives. */
function startSentry() {
  const envelopes = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      envelopes.push(body);
      response.writeHead(200, { "Content-Type": "application/json" }).end('{"id":"1"}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, envelopes, port: server.address().port })),
  );
}

async function checkBehaviour() {
  const sentry = await startSentry();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      log: new Log(LogLevel.NONE),
      // The Worker's JSON request lines; the checks below say what matters.
      handleStructuredLogs: () => {},
      compatibilityDate: readFileSync(path.join(ROOT, "wrangler.toml"), "utf8").match(
        /^compatibility_date\s*=\s*"([^"]+)"/m,
      )[1],
      cf: false,
      modules: workerModules(OUT_DIR),
      modulesRoot: OUT_DIR,
      // No migrations applied on purpose: a query then fails, which is the 5xx this check needs.
      d1Databases: { DB: "check-bundle" },
      kvNamespaces: ["FLAGS"],
      durableObjects: {
        RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
        CIRCUIT_BREAKER: { className: "CircuitBreaker", useSQLite: true },
      },
      bindings: {
        ENVIRONMENT: "production",
        APP_ORIGIN: "https://app.dealix.test",
        CORS_ORIGINS: "",
        MAX_JSON_BODY_BYTES: "102400",
        SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/1`,
        JWT_SECRET: "check-bundle-jwt-secret-0123456789abcdefghijkl",
        PASSWORD_PEPPER: "check-bundle-password-pepper-0123456789abcdef",
        DATA_ENCRYPTION_KEY: "Y2hlY2stYnVuZGxlLWtleS0wMTIzNDU2Nzg5YWJjZGU",
        // Required in production; the checks send no code, invitation or reset.
        PLATFORM_WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
        PLATFORM_WHATSAPP_ACCESS_TOKEN: "check-bundle-whatsapp-token",
        RESEND_API_KEY: "re_check_bundle",
        EMAIL_FROM: "Dealix <no-reply@mail.dealix.test>",
        // The seller on tax invoices, required in production.
        ZATCA_SELLER_NAME_AR: "ديلكس",
        ZATCA_SELLER_NAME_EN: "Dealix",
        ZATCA_SELLER_VAT_NUMBER: "310122393500003",
        ZATCA_SELLER_ADDRESS: "Riyadh",
        MOYASAR_SECRET_KEY: "sk_test_checkbundle0000",
        MOYASAR_WEBHOOK_SECRET: "check-bundle-moyasar-webhook-secret",
      },
    }),
  );
  try {
    const url = await mf.ready;
    const post = (pathname, body) =>
      fetch(new URL(pathname, url), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });

    const invalid = await post("/api/v1/early-access", {});
    const messages = ((await invalid.json()).errors ?? []).map((error) => error.message);
    check(
      invalid.status === 422 &&
        messages.includes("Invalid input: expected string, received undefined") &&
        messages.every((message) => /^[\x20-\x7e]+$/.test(message)),
      `zod answers in English: ${invalid.status} ${JSON.stringify(messages.slice(0, 2))}`,
    );

    const common = await post("/api/v1/auth/signup", {
      company: "Check Bundle Co",
      name: "Check Bundle",
      email: "check@example.sa",
      password: "qwertyuiop",
    });
    const commonBody = await common.json();
    check(
      common.status === 422 && commonBody.errors?.some((error) => error.code === "common"),
      `the common-password list is loaded: ${common.status} ${JSON.stringify(commonBody.errors ?? commonBody)}`,
    );

    const email = "sentry-check@example.sa";
    const failed = await post("/api/v1/auth/login", { email, password: "a long passphrase of mine" });
    await failed.text();
    for (let waited = 0; sentry.envelopes.length === 0 && waited < 5_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const envelope = sentry.envelopes.join("\n");
    check(
      failed.status === 500 && envelope.includes("Failed query") && !envelope.includes(email),
      `a 5xx reaches Sentry through the separate client module, redacted (${failed.status}, ${sentry.envelopes.length} envelope)`,
    );

    const seed = await fetch(new URL("/dev/seed", url), { method: "POST" });
    await seed.text();
    check(seed.status === 404, `POST /dev/seed answers ${seed.status}`);
  } finally {
    await mf.dispose();
    sentry.server.close();
  }
}

build();
checkSizes();
checkContents();
await checkBehaviour();
if (failures.length > 0) {
  console.error(`check-bundle: ${failures.length} check(s) failed`);
  process.exitCode = 1;
}
