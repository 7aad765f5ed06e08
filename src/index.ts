import { runScheduledJobs } from "../workers/cron";
import { createApp } from "./app";
import type { Bindings } from "./env";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: runScheduledJobs,
} satisfies ExportedHandler<Bindings>;
