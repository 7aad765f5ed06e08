/**
 * Replaced at build time by wrangler's `define` (wrangler.toml) and by vitest.config.ts: `true`
 * for local development and tests, `false` in `[env.production]`, where esbuild then drops the
 * dev tools from the bundle.
 */
declare const DEV_TOOLS_BUNDLED: boolean;
