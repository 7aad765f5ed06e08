import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Runs before every test file; applying is idempotent, so re-running is harmless.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
