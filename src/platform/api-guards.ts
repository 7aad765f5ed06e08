import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The API speaks JSON only. Requiring `application/json` on writes also means a cross-site form
 * cannot reach the API without a CORS preflight (ASVS 3.5.2).
 */
export const requireJsonBody = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (METHODS_WITH_BODY.has(c.req.method)) {
    const hasBody = c.req.header("Content-Length") !== "0" && c.req.raw.body !== null;
    const mediaType = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
    if (hasBody && mediaType !== "application/json") {
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json.", {
        headers: { "Accept-Post": "application/json" },
      });
    }
  }
  await next();
};

/**
 * Rejects bodies over the configured size before anything reads them into memory. The limit
 * comes from the config, so it is known per request, but it does not change within an isolate:
 * hono's middleware is built once per distinct limit, not per request.
 */
export const jsonBodyLimit = (): MiddlewareHandler<AppEnv> => {
  let built: { maxSize: number; limit: MiddlewareHandler } | undefined;
  return (c, next) => {
    if (!c.req.raw.body) return next();
    const maxSize = c.get("config").MAX_JSON_BODY_BYTES;
    if (built?.maxSize !== maxSize) {
      const limit = bodyLimit({
        maxSize,
        onError: () => {
          throw new ApiError("PAYLOAD_TOO_LARGE", `The request body must be at most ${maxSize} bytes.`);
        },
      });
      built = { maxSize, limit };
    }
    return built.limit(c, next);
  };
};
