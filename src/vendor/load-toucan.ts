/**
 * Loads the Sentry client (toucan-js), which scripts/vendor-assets.mjs bundles into ./toucan.js
 * on `npm install`. Wrangler uploads that file beside the Worker's bundle as a module of its own
 * (wrangler.toml: `base_dir`, `find_additional_modules`, `[[rules]]`), so an isolate loads it only
 * when it reports its first error, and the main bundle carries none of it.
 *
 * This import must stay in this folder: wrangler keeps the specifier as written and names the
 * module relative to `base_dir` (src/vendor), so "./toucan.js" is right both here and in the bundle.
 */
export const loadToucan = () => import("./toucan.js");
