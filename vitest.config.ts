import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

// Tests run inside workerd with the bindings from wrangler.toml (local D1/KV/assets simulators).
// Storage is isolated per test file. Outbound fetch is intercepted by msw (test/setup/network.ts).
export default defineConfig({
  // As wrangler.toml's top level: the dev tools are part of what the tests exercise.
  define: { DEV_TOOLS_BUNDLED: "true" },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          ENVIRONMENT: "test",
          APP_ORIGIN: "https://dealix.test",
          JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnopqrstuv",
          PASSWORD_PEPPER: "test-password-pepper-0123456789abcdefghijklmnop",
          QUEUE_RETRY_BASE_SECONDS: "0",
          DATA_ENCRYPTION_KEY: "dGVzdC1kYXRhLWVuY3J5cHRpb24ta2V5LTAxMjM0NTY",
          // Files like the access matrix send a thousand requests a minute as one tenant: the API
          // quotas are lifted here, and the quota tests set small ones or remove this to get the plan's.
          API_RATE_LIMITS: "tenant=100000,key=100000",
        },
        // Test-only: deliver queue messages (and retries) at once instead of after the batch timeout.
        queueConsumers: {
          imports: {
            maxBatchSize: 10,
            maxBatchTimeout: 0,
            maxRetries: 3,
            retryDelay: 0,
            deadLetterQueue: "imports-dlq",
          },
          "imports-dlq": { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 3, retryDelay: 0 },
          outbound: {
            maxBatchSize: 20,
            maxBatchTimeout: 0,
            maxRetries: 3,
            retryDelay: 0,
            deadLetterQueue: "outbound-dlq",
          },
          "outbound-dlq": { maxBatchSize: 20, maxBatchTimeout: 0, maxRetries: 3, retryDelay: 0 },
          webhooks: {
            maxBatchSize: 20,
            maxBatchTimeout: 0,
            maxRetries: 3,
            retryDelay: 0,
            deadLetterQueue: "webhooks-dlq",
          },
          "webhooks-dlq": { maxBatchSize: 20, maxBatchTimeout: 0, maxRetries: 3, retryDelay: 0 },
        },
      },
    }),
  ],
  test: {
    include: ["{src,pages,workers,test}/**/*.test.{ts,tsx}"],
    // One workerd runtime per worker for all its files, not one per file: starting a runtime and
    // loading the app into it took ~7 s a file, most of the suite's time. Each file still starts
    // with empty storage (test/setup/apply-migrations.ts). Two workers for the two cores CI has,
    // set rather than derived: a container may report the host's cores, not its own.
    isolate: false,
    maxWorkers: 2,
    setupFiles: ["./test/setup/apply-migrations.ts", "./test/setup/network.ts"],
    // The Worker's JSON log lines are asserted where they matter; elsewhere they are noise.
    onConsoleLog: (line) => (process.env.SHOW_LOGS ? true : !line.startsWith('{"level":')),
  },
});
