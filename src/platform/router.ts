import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { AppEnv } from "./context";
import type { IdPrefix } from "./ids";
import { ApiError, type FieldError } from "./problem";
import { idSchema } from "./schemas";

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

/** `content` for a JSON request body or response in a route contract. */
export const jsonContent = <T>(schema: T) => ({ content: { "application/json": { schema } } });

/** A required JSON request body. */
export const jsonBody = <T>(schema: T) => ({ body: { required: true, ...jsonContent(schema) } });

/** Path parameters made of one prefixed id, e.g. `pathId("userId", "usr")` for `/members/{userId}`. */
export const pathId = <N extends string>(name: N, prefix: IdPrefix) =>
  z.object({ [name]: idSchema(prefix).openapi({ param: { name, in: "path" } }) } as Record<
    N,
    ReturnType<typeof idSchema>
  >);

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
