import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { fieldErrors } from "../../src/platform/router";

/** Only a same-site path may be a redirect target, so `next`/`back` cannot send people elsewhere. */
export function safeReturnPath(value: unknown, fallback = "/"): string {
  return typeof value === "string" && /^\/(?![/\\])[^\s\\]{0,500}$/.test(value) ? value : fallback;
}

/** The submitted form's text fields, trimmed (file fields and the CSRF token are left out). */
export async function formValues(
  c: Context<AppEnv>,
  names: readonly string[],
): Promise<Record<string, string>> {
  const form = await c.req.parseBody();
  return Object.fromEntries(
    names.map((name) => {
      const value = form[name];
      return [name, typeof value === "string" ? value.trim() : ""];
    }),
  );
}

/** Validates form input with the same schema as the API; failures become the API's 422 problem. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ApiError("VALIDATION_FAILED", "The form has invalid fields.", {
      errors: fieldErrors(result.error),
    });
  }
  return result.data;
}

/** The fields an ApiError names (`errors[].path`), limited to the ones the form shows. */
export function invalidFields(error: ApiError, fields: readonly string[]): string[] {
  return [...new Set((error.errors ?? []).map((e) => e.path.split(".")[0] ?? ""))].filter((f) =>
    fields.includes(f),
  );
}
