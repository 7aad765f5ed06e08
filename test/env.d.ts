declare namespace Cloudflare {
  type DealixBindings = import("../src/env").Bindings;
  // The test env is the Worker's bindings plus what vitest.config.ts adds for tests.
  interface Env extends DealixBindings {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
