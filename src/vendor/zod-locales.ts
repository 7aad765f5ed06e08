/**
 * Bundled in place of zod's locale index (`zod/v4/locales/index.js`), which holds all 64 of its
 * built-in error-message translations (≈ 260 KiB minified). wrangler.toml's `[alias]` maps zod's
 * own relative import of it to this file. Dealix shows zod's messages only in API problems, in
 * English, which zod registers by itself; nothing calls `z.locales.*`. Tests run the full zod.
 */
export { default as en } from "zod/v4/locales/en.js";
