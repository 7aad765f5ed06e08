declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    FLAGS: KVNamespace;
    ASSETS: Fetcher;
    ENVIRONMENT: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
