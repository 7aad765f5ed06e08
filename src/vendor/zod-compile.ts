/**
 * Bundled in place of zod's ahead-of-time compiler (`zod/v4/core/compile.js`, ≈ 31 KiB minified)
 * through wrangler.toml's `[alias]`. The compiler generates parsers with `new Function`, which
 * Workers forbid, so there `compile()` always falls back to the schema's runtime parser: this
 * stand-in does exactly that, and keeps the exports zod re-exports. Tests run the real module.
 */
export const INVALID = Symbol.for("zod.compile.invalid");

export class ZodCompileAsyncError extends Error {
  override name = "ZodCompileAsyncError";
}

export class ZodCompileUnsupportedError extends Error {
  override name = "ZodCompileUnsupportedError";
}

/** What zod's own `compile` returns where code generation is not allowed. */
export function compile<Schema>(schema: Schema, options?: { strict?: boolean }): Schema {
  if (options?.strict) {
    throw new ZodCompileUnsupportedError("z.compile cannot generate code on Cloudflare Workers");
  }
  return schema;
}

export function withParser(): never {
  throw new ZodCompileUnsupportedError("z.withParser is not bundled (src/vendor/zod-compile.ts)");
}
