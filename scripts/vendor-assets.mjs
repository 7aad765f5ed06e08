// Build output that comes from node_modules (git-ignored), made on `npm install`:
//   - the Swagger UI files that /docs needs, copied into the static assets folder, so the API docs
//     page works offline and without a CDN;
//   - SortableJS (drag and drop on the deal board, touch included), copied the same way;
//   - toucan-js (the Sentry client) bundled into one ES module, src/vendor/toucan.js. Wrangler
//     uploads it beside the Worker's bundle as a module of its own (wrangler.toml `[[rules]]`), and
//     src/vendor/load-toucan.ts imports it only when the first error is reported, so isolates that
//     report nothing never load it and the main bundle stays small.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const swaggerSource = join(root, "node_modules", "swagger-ui-dist");
const swaggerTarget = join(root, "pages", "public", "vendor", "swagger-ui");
if (existsSync(swaggerSource)) {
  mkdirSync(swaggerTarget, { recursive: true });
  for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
    copyFileSync(join(swaggerSource, file), join(swaggerTarget, file));
  }
} else {
  console.warn("vendor-assets: swagger-ui-dist is not installed; /docs will have no assets");
}

const sortableSource = join(root, "node_modules", "sortablejs", "Sortable.min.js");
const sortableTarget = join(root, "pages", "public", "vendor", "sortablejs");
if (existsSync(sortableSource)) {
  mkdirSync(sortableTarget, { recursive: true });
  copyFileSync(sortableSource, join(sortableTarget, "Sortable.min.js"));
} else {
  console.warn("vendor-assets: sortablejs is not installed; the deal board falls back to its forms");
}

await build({
  absWorkingDir: root,
  stdin: { contents: 'export { Toucan } from "toucan-js";', resolveDir: root, sourcefile: "toucan-entry.js" },
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  minify: true,
  outfile: join(root, "src", "vendor", "toucan.js"),
  logLevel: "warning",
});
