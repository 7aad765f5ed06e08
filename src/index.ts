import { runScheduledJobs } from "../workers/cron";
import { createApp } from "./app";
import type { Bindings } from "./env";

export { RateLimiter } from "../workers/objects/rate-limiter";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: runScheduledJobs,
} satisfies ExportedHandler<Bindings>;
