import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { AppEnv } from "./context";
import { ApiError, type FieldError } from "./problem";

/** Turns zod issues into the `errors` list of a VALIDATION_FAILED problem. */
export function fieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return {
        path: path || "body",
        code: issue.code,
        message: `Unknown field(s): ${issue.keys.join(", ")}`,
      };
    }
    return { path: path || "body", code: issue.code, message: issue.message };
  });
}

/**
 * Every API router is created here so that invalid input, wherever it is validated (body,
 * query, params, headers), becomes the same 422 problem+json and the handler never runs.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("VALIDATION_FAILED", "The request does not match the schema.", {
          errors: fieldErrors(result.error),
        });
      }
    },
  });
}
