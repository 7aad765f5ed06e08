import { runScheduledJobs } from "../workers/cron";
import { type QueueJob, runQueueConsumers } from "../workers/queues";
import { createApp } from "./app";
import type { Bindings } from "./env";

export { CircuitBreaker } from "../workers/objects/circuit-breaker";
export { RateLimiter } from "../workers/objects/rate-limiter";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: runScheduledJobs,
  queue: runQueueConsumers,
} satisfies ExportedHandler<Bindings, QueueJob>;
