import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { idPrefixes, newId } from "./ids";

// A caller-supplied id is kept (so a trace spans the caller and us) only when it is short and
// plain; anything else could inject into logs, so a fresh id replaces it.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export const requestId = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const incoming = c.req.header("X-Request-Id");
  const id = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : newId(idPrefixes.request);
  c.set("requestId", id);
  await next();
  c.res.headers.set("X-Request-Id", id);
};
