// Shared by the browser tests: Chromium, a page that records console errors and every request,
// the locale switch, screenshots and a look into the local D1 database the app writes to.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const e2eDir = dirname(fileURLToPath(import.meta.url));
const root = join(e2eDir, "..");
export const artifactsDir = join(e2eDir, "artifacts");

if (!process.env.BASE_URL) throw new Error("BASE_URL is not set: run the browser tests with `npm run e2e`");
export const BASE_URL = process.env.BASE_URL;

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A fresh browser context (no cookies, so Arabic by default) and a page in it. Every request the
 * page makes is recorded; one to any host but this machine is recorded and then refused, so a test
 * can never depend on the network. Console errors and uncaught page errors are collected too.
 */
export async function openSession(browser, { viewport = DESKTOP, phone = false } = {}) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport,
    ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const requests = [];
  const consoleErrors = [];
  // A 404/422 answer for the page itself is what some tests ask for; Chromium reports it as a
  // console error ("Failed to load resource"), so those are tracked with their URL and judged later.
  const failedLoads = [];

  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    return LOCAL_HOSTS.has(url.hostname) ? route.continue() : route.abort("blockedbyclient");
  });
  context.on("request", (request) => requests.push(request.url()));

  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const entry = { text: message.text(), url: message.location().url };
    if (entry.text.startsWith("Failed to load resource")) failedLoads.push(entry);
    else consoleErrors.push(entry);
  });
  page.on("pageerror", (error) =>
    consoleErrors.push({ text: `pageerror: ${error.message}`, url: page.url() }),
  );

  return {
    context,
    page,
    requests,
    /**
     * Asserts the page stayed clean: no console errors, no uncaught errors, no request off this
     * machine, and no failed load except the documents whose error status the test expects.
     */
    async assertClean({ expectedErrorDocuments = [] } = {}) {
      const offsite = requests.filter((url) => {
        const { protocol, hostname } = new URL(url);
        return !(protocol === "data:" || protocol === "blob:" || LOCAL_HOSTS.has(hostname));
      });
      assert.deepEqual(offsite, [], "requests left this machine");
      assert.deepEqual(consoleErrors, [], "console errors or uncaught page errors");
      const expected = new Set(expectedErrorDocuments.map((path) => new URL(path, BASE_URL).href));
      assert.deepEqual(
        failedLoads.filter((entry) => !expected.has(entry.url)),
        [],
        "resources failed to load",
      );
      assert.ok(requests.length > 0, "the page made no requests at all: nothing was checked");
    },
    close: () => context.close(),
  };
}

export const htmlLocale = (page) =>
  page.evaluate(() => ({
    lang: document.documentElement.getAttribute("lang"),
    dir: document.documentElement.getAttribute("dir"),
  }));

/** Clicks the language switch in the header and waits for the page it redirects back to. */
export async function switchLanguage(page) {
  const navigated = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() });
  const switched = page.waitForResponse(
    (response) => new URL(response.url()).pathname === "/lang" && response.request().method() === "POST",
  );
  await page.getByTestId("lang-switch").click();
  assert.equal((await switched).status(), 303, "POST /lang should redirect back (303)");
  await navigated;
  await page.waitForLoadState("load");
  return htmlLocale(page);
}

/** Opens a page in the given locale the way a person would: Arabic first, the switch for English. */
export async function gotoInLocale(page, path, locale) {
  const response = await page.goto(path);
  if (locale === "en") await switchLanguage(page);
  assert.equal((await htmlLocale(page)).lang, locale);
  return response;
}

export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const require = createRequire(import.meta.url);
const wranglerBin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");

/** Runs an SQL statement against the local D1 database of the app under test (checks read; a test may move the clock by editing dates). */
export async function queryDb(sql) {
  const persistTo = process.env.DEALIX_PERSIST_DIR;
  if (!persistTo) throw new Error("DEALIX_PERSIST_DIR is not set: run the browser tests with `npm run e2e`");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [wranglerBin, "d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  return JSON.parse(stdout)[0].results;
}

/** Clicks a submit button (a selector or a locator) and waits for the page it leads to. */
export async function submitAndWait(page, target) {
  const navigated = page.waitForNavigation();
  await (typeof target === "string" ? page.locator(target) : target).click();
  await navigated;
}

/** Signs in as the demo owner (seeded by `npm start`) and lands on `next`. */
export async function signInAsDemoOwner(page, next) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.fill("#email", "owner@riyadh-realty.test");
  await page.fill("#password", "riyadh-demo-2026");
  await submitAndWait(page, 'form[action="/login"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, next);
}

/** Fails when the page scrolls sideways on a 360 px phone. */
export async function assertFitsPhone(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${what}: ${width} px wide, scrolls sideways on a 360 px phone`);
}
