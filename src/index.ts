import { runScheduledJobs } from "../workers/cron";
import { runQueueConsumers } from "../workers/queues";
import { createApp } from "./app";
import type { Bindings } from "./env";
import type { ImportMessage } from "./imports/import-jobs";

export { CircuitBreaker } from "../workers/objects/circuit-breaker";
export { RateLimiter } from "../workers/objects/rate-limiter";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: runScheduledJobs,
  queue: runQueueConsumers,
} satisfies ExportedHandler<Bindings, ImportMessage>;
