// Copies the Swagger UI files that /docs needs from node_modules into the static assets folder,
// so the API docs page works offline and without a CDN. The copies are build output (git-ignored).
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "swagger-ui-dist");
const target = join(root, "pages", "public", "vendor", "swagger-ui");

if (!existsSync(source)) {
  console.warn("vendor-assets: swagger-ui-dist is not installed; /docs will have no assets");
  process.exit(0);
}
mkdirSync(target, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(source, file), join(target, file));
}
