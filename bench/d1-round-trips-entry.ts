// The Dealix Worker with its D1 binding wrapped to count round trips, built by bench/run.mjs
// beside the real bundle: one request per scenario against it gives the "D1 trips" column.
// Its answers carry the count in X-D1-Round-Trips. Never deployed; never timed.
import worker from "../src/index";
import { countD1RoundTrips } from "../test/d1-round-trips";

export { CircuitBreaker, RateLimiter } from "../src/index";

export default {
  async fetch(request: Request, env: { DB: D1Database }, ctx: ExecutionContext) {
    const counted = countD1RoundTrips(env.DB);
    const response = await worker.fetch(request, { ...env, DB: counted.db } as never, ctx);
    // Read the whole body first: a streamed page may still be querying.
    const body = await response.arrayBuffer();
    const headers = new Headers(response.headers);
    headers.set("X-D1-Round-Trips", String(counted.roundTrips()));
    return new Response(body, { status: response.status, headers });
  },
};
